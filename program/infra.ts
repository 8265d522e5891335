/**
 * The cloud stacks: `global` (the CCN and its bandwidth limits) and `<region>-infra` (the
 * region's network, TKE clusters, internal CLBs, CVM pools and, at home, the framework database's
 * cloud side). Nothing here talks to Kubernetes: the region's TARS stack does, with what these
 * stacks output (`./outputs.ts`).
 */
import * as pulumi from "@pulumi/pulumi";
import { type FleetSpec } from "../fleet/model/model";
import { CloudTag, GLOBAL_STACK, infraStackName } from "../fleet/model/naming";
import { apiEndpointSources, nodeHealthCheckRules, webAccess } from "../fleet/network/security";
import { globalSlice, type NetworkSlice, type RegionSlice } from "../fleet/stacks/slice";
import { DbMode } from "../fleet/model/schema";
import { downloadsFromTarsweb } from "../fleet/tars/tarsnode-bootstrap";
import { FleetCcn } from "../components/fleet-ccn";
import { RegionNetwork } from "../components/region-network";
import { TkeCluster } from "../components/tke-cluster";
import { TarsLoadBalancers } from "../components/tars-load-balancers";
import { TarsDatabaseInstance } from "../components/tars-database-instance";
import { CvmPool } from "../components/cvm-pool";
import { type InternalClb } from "../components/internal-load-balancer";
import { stackReference, type StackOutputs, tencentProvider } from "./config";
import { InfraOutput } from "./outputs";

/** The `global` stack: the CCN, managed through the home region's API. */
export function deployGlobal(fleet: FleetSpec): StackOutputs {
  const slice = globalSlice(fleet);
  const provider = tencentProvider(slice.ccnTencentRegion);
  const ccn = new FleetCcn(
    fleet.name,
    {
      fleetName: fleet.name,
      bandwidthLimits: slice.bandwidthLimits,
      tags: { [CloudTag.fleet]: fleet.name },
    },
    { providers: [provider] },
  );
  return { ccnId: ccn.ccnId };
}

/** What the infra stack's parts share. */
interface InfraContext {
  readonly config: pulumi.Config;
  readonly slice: RegionSlice;
  readonly plan: NetworkSlice;
  readonly opts: pulumi.ComponentResourceOptions;
  readonly network: RegionNetwork;
  /** The node subnet of the region's primary zone: single-zone resources go there. */
  readonly primaryNodeSubnetId: pulumi.Output<string>;
}

function createNetwork(
  config: pulumi.Config,
  slice: RegionSlice,
  plan: NetworkSlice,
  opts: pulumi.ComponentResourceOptions,
): RegionNetwork {
  const { fleet, region } = slice;
  const global = stackReference(config, "global", "globalStack", GLOBAL_STACK);
  // Every region's nodes admit its direct-access CLBs' health checks (the registry's; at home
  // also tarsweb's and the in-cluster database's). The home region also gets tarsweb's group and
  // the framework database's own group (TencentDB's, or the in-cluster database's CLB's).
  const nodeHealthChecks = nodeHealthCheckRules(fleet.tars.db, slice.isHome);
  const home = slice.isHome ? { webAccess: webAccess(fleet), databaseSecurityGroup: true } : {};
  return new RegionNetwork(
    region.name,
    {
      fleetName: fleet.name,
      region: region.name,
      tencentRegion: region.tencentRegion,
      vpcCidr: region.vpcCidr,
      subnets: plan.subnets,
      ownCidrs: slice.ownCidrs,
      fleetCidrs: slice.fleetCidrs,
      servantPorts: slice.servantPorts,
      ccnId: global.requireOutput("ccnId") as pulumi.Output<string>,
      apiSources: apiEndpointSources(fleet),
      nodeHealthChecks,
      ...home,
    },
    opts,
  );
}

/** The clusters the fleet creates, by name. */
function createClusters(ctx: InfraContext): Map<string, TkeCluster> {
  const { network } = ctx;
  return new Map(
    ctx.slice.clusters
      .filter((c) => c.created)
      .map((c) => [
        c.cluster.name,
        new TkeCluster(
          c.cluster.name,
          {
            fleetName: ctx.slice.fleet.name,
            cluster: c.cluster,
            vpcId: network.vpc.id,
            nodeSubnetIds: c.nodeSubnetKeys.map((k) => network.subnets[k].id),
            podSubnetIds: c.podSubnetKeys.map((k) => network.subnets[k].id),
            nodeSecurityGroupId: network.nodeSecurityGroup.id,
            apiSecurityGroupId: network.apiSecurityGroup.id,
          },
          ctx.opts,
        ),
      ]),
  );
}

function createLoadBalancers(ctx: InfraContext): TarsLoadBalancers {
  const { network, slice } = ctx;
  return new TarsLoadBalancers(
    slice.region.name,
    {
      fleetName: slice.fleet.name,
      loadBalancers: slice.loadBalancers,
      ...(slice.isHome ? { homeCluster: slice.region.clusters[0]?.name } : {}),
      vpcId: network.vpc.id,
      subnetId: ctx.primaryNodeSubnetId,
      nodeSecurityGroupId: network.nodeSecurityGroup.id,
      ...(network.webSecurityGroup === undefined
        ? {}
        : { webSecurityGroupId: network.webSecurityGroup.id }),
      ...(network.databaseSecurityGroup === undefined
        ? {}
        : { databaseSecurityGroupId: network.databaseSecurityGroup.id }),
    },
    ctx.opts,
  );
}

/** The home region's database: its passwords and, for TencentDB, the instance. */
function createDatabase(ctx: InfraContext): TarsDatabaseInstance {
  const { network, slice } = ctx;
  const placement =
    slice.fleet.tars.db.mode === DbMode.TencentDb
      ? {
          placement: {
            vpcId: network.vpc.id,
            subnetId: ctx.primaryNodeSubnetId,
            availabilityZone: ctx.plan.primaryZone,
            securityGroupId: (network.databaseSecurityGroup ?? network.nodeSecurityGroup).id,
          },
        }
      : {};
  return new TarsDatabaseInstance("tars-db", { fleet: slice.fleet, ...placement }, ctx.opts);
}

/**
 * The CVM pools. Each machine is created after the CLBs it registers through and, when it
 * downloads tarsnode from this stack's tarsweb, that CLB: what the machines reach first. The
 * registries and tarsweb behind them are the TARS stack's, applied after this one; the bootstrap
 * waits for both, retrying forever (`wait_for` in `fleet/tars/tarsnode-script.ts`), so a machine that
 * boots first only waits.
 */
function createCvmPools(ctx: InfraContext, lbs: TarsLoadBalancers): void {
  const { network, slice } = ctx;
  const registries = Object.values(lbs.registry);
  const homeWeb =
    !slice.isHome && slice.cvmPools.some(downloadsFromTarsweb)
      ? stackReference(
          ctx.config,
          "home-infra",
          "homeInfraStack",
          infraStackName(slice.fleet.homeRegion),
        ).requireOutput(InfraOutput.WebAddress)
      : undefined;
  const webAddress = (lbs.web?.address ?? homeWeb ?? "") as pulumi.Input<string>;
  for (const pool of slice.cvmPools) {
    const web = downloadsFromTarsweb(pool) && lbs.web !== undefined ? [lbs.web.clb] : [];
    new CvmPool(
      `${slice.region.name}-${pool.name}`,
      {
        fleetName: slice.fleet.name,
        pool,
        vpcId: network.vpc.id,
        subnetIdsByZone: Object.fromEntries(
          pool.zones.map((z) => [z, network.subnets[`node-${z}`].id]),
        ),
        securityGroupId: network.nodeSecurityGroup.id,
        registryAddresses: registries.map((r) => r.address),
        webAddress,
        fetchesFrom: [...registries.map((r) => r.clb), ...web],
      },
      ctx.opts,
    );
  }
}

const lbOutput = (lb: InternalClb) => ({ id: lb.clb.id, address: lb.address });

/** The home region's outputs: its database's and tarsweb's, for its TARS stack and the others. */
function homeOutputs(lbs: TarsLoadBalancers, db: TarsDatabaseInstance): StackOutputs {
  return {
    ...(lbs.web === undefined
      ? {}
      : {
          [InfraOutput.WebLoadBalancer]: lbOutput(lbs.web),
          [InfraOutput.WebAddress]: lbs.web.address,
        }),
    ...(lbs.database === undefined ? {} : { [InfraOutput.DbLoadBalancer]: lbOutput(lbs.database) }),
    ...(db.host === undefined ? {} : { [InfraOutput.DbInstanceHost]: db.host }),
    [InfraOutput.DbRootPassword]: pulumi.secret(db.rootPassword.result),
    [InfraOutput.DbAdminPassword]: pulumi.secret(db.adminPassword.result),
  };
}

/** A region's infra stack: its slice must have a created network (`parseScope` made sure). */
export function deployInfra(config: pulumi.Config, slice: RegionSlice): StackOutputs {
  const plan = slice.network;
  if (plan === undefined) throw new Error(`region ${slice.region.name} has no infra stack`);
  const opts = { providers: [tencentProvider(slice.region.tencentRegion)] };
  const network = createNetwork(config, slice, plan, opts);
  const primaryNodeSubnetId = network.subnets[plan.primaryNodeSubnetKey].id;
  const ctx: InfraContext = { config, slice, plan, opts, network, primaryNodeSubnetId };
  const clusters = createClusters(ctx);
  const lbs = createLoadBalancers(ctx);
  const home = slice.isHome ? homeOutputs(lbs, createDatabase(ctx)) : {};
  createCvmPools(ctx, lbs);
  const byCluster = <T>(value: (c: TkeCluster) => T) =>
    Object.fromEntries([...clusters].map(([name, c]) => [name, value(c)]));
  return {
    [InfraOutput.VpcId]: network.vpc.id,
    [InfraOutput.SubnetIds]: Object.fromEntries(
      Object.entries(network.subnets).map(([key, s]) => [key, s.id]),
    ),
    [InfraOutput.ClusterIds]: byCluster((c) => c.cluster.id),
    [InfraOutput.Kubeconfigs]: pulumi.secret(byCluster((c) => c.kubeconfig)),
    [InfraOutput.RegistryLoadBalancers]: Object.fromEntries(
      Object.entries(lbs.registry).map(([name, lb]) => [name, lbOutput(lb)]),
    ),
    ...home,
  };
}
