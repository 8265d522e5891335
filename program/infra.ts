/**
 * The cloud stacks: `global` (the CCN and its bandwidth limits) and `<region>-infra` (the
 * region's network, TKE clusters, internal CLBs, CVM pools and, at home, the framework database's
 * cloud side). Nothing here talks to Kubernetes: the region's TARS stack does, with what these
 * stacks output (`./outputs.ts`).
 */
import * as pulumi from "@pulumi/pulumi";
import { type FleetSpec, regionByName } from "../fleet/model/model";
import { CloudTag, GLOBAL_STACK, infraStackName } from "../fleet/model/naming";
import { apiEndpointSources, nodeHealthCheckRules, webAccess } from "../fleet/network/security";
import { globalSlice, type NetworkSlice, type RegionSlice } from "../fleet/stacks/slice";
import { DbMode } from "../fleet/model/schema";
import { downloadsFromTarsweb } from "../fleet/tars/tarsnode-bootstrap";
import {
  databaseDns,
  databaseRecordPlan,
  DatabaseRecordTarget,
  databaseReplicaRegion,
} from "../fleet/network/database-dns";
import { databaseHaLayout } from "../fleet/network/database-placement";
import { FleetCcn } from "../components/fleet-ccn";
import { RegionNetwork } from "../components/region-network";
import { TkeCluster } from "../components/tke-cluster";
import { TarsLoadBalancers } from "../components/tars-load-balancers";
import { type DatabasePlacement, TarsDatabaseInstance } from "../components/tars-database-instance";
import { TarsDatabaseReplica } from "../components/tars-database-replica";
import { DatabaseDnsZone } from "../components/database-dns";
import { DatabaseDnsAttachment } from "../components/database-dns-attachment";
import { DatabaseDnsRecord } from "../components/database-dns-record";
import { CvmPool } from "../components/cvm-pool";
import { type InternalClb } from "../components/internal-load-balancer";
import { stackReference, type StackOutputs, tencentProvider } from "./config";
import { GlobalOutput, InfraOutput } from "./outputs";

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
  const dns = databaseDns(fleet);
  const zone =
    dns === undefined
      ? undefined
      : new DatabaseDnsZone(
          `${fleet.name}-db`,
          { fleetName: fleet.name, domain: dns.zone, tags: { [CloudTag.fleet]: fleet.name } },
          { providers: [provider] },
        );
  return {
    [GlobalOutput.CcnId]: ccn.ccnId,
    ...(zone === undefined ? {} : { [GlobalOutput.DbDnsZoneId]: zone.zoneId }),
  };
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
  /** The `global` stack's outputs. */
  readonly global: pulumi.StackReference;
  /** The home infra stack's outputs, for a region that reads them (one reference per stack). */
  readonly homeInfra: () => pulumi.StackReference;
}

function createNetwork(
  global: pulumi.StackReference,
  slice: RegionSlice,
  plan: NetworkSlice,
  opts: pulumi.ComponentResourceOptions,
): RegionNetwork {
  const { fleet, region } = slice;
  // Every region's nodes admit its direct-access CLBs' health checks (the registry's; tarsweb's
  // where it has a CLB; at home the in-cluster database's). The home region also gets tarsweb's
  // group and the framework database's own group (TencentDB's, or the in-cluster database's
  // CLB's).
  const webLb = slice.loadBalancers.web;
  const nodeHealthChecks = nodeHealthCheckRules(fleet.tars.db, slice.isHome, webLb);
  // The standby region's DR replica gets a database group like home's, and its standby tarsweb's
  // CLB a web group like home's.
  const replica = databaseReplicaRegion(fleet) === region.name;
  const home = slice.isHome
    ? { webAccess: webAccess(fleet), databaseSecurityGroup: true }
    : replica
      ? { databaseSecurityGroup: true, ...(webLb ? { webAccess: webAccess(fleet) } : {}) }
      : {};
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
      ccnId: global.requireOutput(GlobalOutput.CcnId) as pulumi.Output<string>,
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
      ...(slice.isHome || slice.loadBalancers.web
        ? { homeCluster: slice.region.clusters[0]?.name }
        : {}),
      webChild: slice.isHome ? "tars-home-web" : "tars-standby-web",
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

/** Where this region's TencentDB instance (the master, or the DR replica) goes. */
function databasePlacement(ctx: InfraContext): DatabasePlacement {
  const { network } = ctx;
  return {
    vpcId: network.vpc.id,
    subnetId: ctx.primaryNodeSubnetId,
    availabilityZone: ctx.plan.primaryZone,
    securityGroupId: (network.databaseSecurityGroup ?? network.nodeSecurityGroup).id,
  };
}

/**
 * The home region's database: its passwords and, for TencentDB, the instance; with a standby,
 * in the two-node layout its DR replica needs (fleet/network/database-placement.ts).
 */
function createDatabase(ctx: InfraContext): TarsDatabaseInstance {
  const { slice } = ctx;
  const placement =
    slice.fleet.tars.db.mode === DbMode.TencentDb ? { placement: databasePlacement(ctx) } : {};
  const layout =
    databaseReplicaRegion(slice.fleet) === undefined
      ? {}
      : { layout: databaseHaLayout(slice.region) };
  return new TarsDatabaseInstance(
    "tars-db",
    { fleet: slice.fleet, ...placement, ...layout },
    ctx.opts,
  );
}

/** The standby region's DR replica of the home master, whose id it reads from the home stack. */
function createReplica(ctx: InfraContext): TarsDatabaseReplica {
  const { slice } = ctx;
  return new TarsDatabaseReplica(
    "tars-db-replica",
    {
      fleet: slice.fleet,
      masterInstanceId: ctx
        .homeInfra()
        .requireOutput(InfraOutput.DbInstanceId) as pulumi.Output<string>,
      masterTencentRegion: regionByName(slice.fleet, slice.fleet.homeRegion).tencentRegion,
      placement: databasePlacement(ctx),
      layout: databaseHaLayout(slice.region),
    },
    ctx.opts,
  );
}

/** What the database's record points at, in the region that holds it. */
function recordAddress(
  ctx: InfraContext,
  target: DatabaseRecordTarget,
  db: TarsDatabaseInstance | undefined,
  replica: TarsDatabaseReplica | undefined,
): pulumi.Input<string> {
  switch (target) {
    case DatabaseRecordTarget.LocalMaster:
      if (db?.host === undefined) throw new Error("the database's record needs the home master");
      return db.host;
    case DatabaseRecordTarget.Replica:
      if (replica === undefined) throw new Error("the database's record needs the DR replica");
      return replica.host;
    case DatabaseRecordTarget.HomeMaster:
      return ctx.homeInfra().requireOutput(InfraOutput.DbInstanceHost) as pulumi.Output<string>;
  }
}

/**
 * The database's name in this region: its VPC attached to the zone and, in the region that holds
 * it, the record (fleet/network/database-dns.ts).
 */
function databaseName(
  ctx: InfraContext,
  db: TarsDatabaseInstance | undefined,
  replica: TarsDatabaseReplica | undefined,
): StackOutputs {
  const { fleet, region } = ctx.slice;
  const dns = databaseDns(fleet);
  const plan = databaseRecordPlan(fleet);
  if (dns === undefined || plan === undefined) return {};
  const zoneId = ctx.global.requireOutput(GlobalOutput.DbDnsZoneId) as pulumi.Output<string>;
  new DatabaseDnsAttachment(
    region.name,
    { zoneId, vpcId: ctx.network.vpc.id, tencentRegion: region.tencentRegion },
    ctx.opts,
  );
  if (plan.region !== region.name) return {};
  const record = new DatabaseDnsRecord(
    "tars-db",
    {
      fleetName: fleet.name,
      zoneId,
      subDomain: dns.record,
      address: recordAddress(ctx, plan.target, db, replica),
    },
    ctx.opts,
  );
  return { [InfraOutput.DbRecordId]: record.record.id };
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
      ? ctx.homeInfra().requireOutput(InfraOutput.WebAddress)
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
function homeOutputs(
  lbs: TarsLoadBalancers,
  db: TarsDatabaseInstance,
  network: RegionNetwork,
): StackOutputs {
  return {
    ...(lbs.web === undefined
      ? {}
      : {
          [InfraOutput.WebLoadBalancer]: lbOutput(lbs.web),
          [InfraOutput.WebAddress]: lbs.web.address,
        }),
    ...(lbs.database === undefined ? {} : { [InfraOutput.DbLoadBalancer]: lbOutput(lbs.database) }),
    ...(db.host === undefined ? {} : { [InfraOutput.DbInstanceHost]: db.host }),
    ...(db.instanceId === undefined ? {} : { [InfraOutput.DbInstanceId]: db.instanceId }),
    ...(db.gtid === undefined ? {} : { [InfraOutput.DbGtid]: db.gtid }),
    ...(db.instanceId === undefined || network.databaseSecurityGroup === undefined
      ? {}
      : { [InfraOutput.DbSecurityGroupId]: network.databaseSecurityGroup.id }),
    [InfraOutput.DbRootPassword]: pulumi.secret(db.rootPassword.result),
    [InfraOutput.DbAdminPassword]: pulumi.secret(db.adminPassword.result),
  };
}

/** A region's infra stack: its slice must have a created network (`parseScope` made sure). */
export function deployInfra(config: pulumi.Config, slice: RegionSlice): StackOutputs {
  const plan = slice.network;
  if (plan === undefined) throw new Error(`region ${slice.region.name} has no infra stack`);
  const opts = { providers: [tencentProvider(slice.region.tencentRegion)] };
  const global = stackReference(config, "global", "globalStack", GLOBAL_STACK);
  let homeInfra: pulumi.StackReference | undefined;
  const network = createNetwork(global, slice, plan, opts);
  const primaryNodeSubnetId = network.subnets[plan.primaryNodeSubnetKey].id;
  const ctx: InfraContext = {
    config,
    slice,
    plan,
    opts,
    network,
    primaryNodeSubnetId,
    global,
    homeInfra: () =>
      (homeInfra ??= stackReference(
        config,
        "home-infra",
        "homeInfraStack",
        infraStackName(slice.fleet.homeRegion),
      )),
  };
  const clusters = createClusters(ctx);
  const lbs = createLoadBalancers(ctx);
  const db = slice.isHome ? createDatabase(ctx) : undefined;
  const home = db === undefined ? {} : homeOutputs(lbs, db, network);
  const replica =
    databaseReplicaRegion(slice.fleet) === slice.region.name ? createReplica(ctx) : undefined;
  const standby =
    replica === undefined
      ? {}
      : {
          [InfraOutput.DbDrInstanceId]: replica.instanceId,
          [InfraOutput.DbDrInstanceHost]: replica.host,
          // The standby tarsweb's CLB, which its TARS stack binds the web Service to.
          ...(db === undefined && lbs.web !== undefined
            ? { [InfraOutput.WebLoadBalancer]: lbOutput(lbs.web) }
            : {}),
        };
  const name = databaseName(ctx, db, replica);
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
    ...standby,
    ...name,
  };
}
