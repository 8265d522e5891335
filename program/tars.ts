/**
 * A region's TARS stack (`<region>`): its Kubernetes objects. The clusters' providers and
 * namespaces, the framework of every cluster, at home the database Job (and an in-cluster
 * database), tarsweb and the home services, and the Set Deployments placed in the region.
 *
 * Created clusters are reached with the kubeconfigs the region's infra stack outputs, existing
 * ones with the kubeconfig the fleet names; the load balancers' ids and the database's passwords
 * come from the infra stack too. A failover, failback or replica change applies these stacks
 * only: no VPC, cluster or database is in reach of such an update.
 */
import * as pulumi from "@pulumi/pulumi";
import { FRAMEWORK_NAMESPACE, infraStackName, SERVER_NAMESPACE } from "../fleet/model/naming";
import { webAccess } from "../fleet/network/security";
import { type ClusterSlice, hasInfraStack, type RegionSlice } from "../fleet/stacks/slice";
import { regionByName } from "../fleet/model/model";
import { ClusterConnection } from "../components/cluster-connection";
import { type LoadBalancerRef } from "../components/internal-load-balancer";
import { type DatabaseInstanceRef, TarsDatabase } from "../components/tars-database";
import { TarsDatabaseInstance } from "../components/tars-database-instance";
import { type DbConnection, TarsFramework } from "../components/tars-framework";
import { type PackageStoreNetwork, TarsHomeServices } from "../components/tars-home-services";
import { TarsSetDeployment } from "../components/tars-set-deployment";
import { TarsStandbyWeb } from "../components/tars-standby-web";
import { databaseHost, databaseRecordPlan } from "../fleet/network/database-dns";
import { standbyWeb } from "../fleet/tars/framework";
import { existingKubeconfig, stackReference, type StackOutputs } from "./config";
import { HomeOutput, InfraOutput, type LoadBalancerOutput } from "./outputs";

/** What the TARS stack's parts share. */
interface TarsContext {
  readonly config: pulumi.Config;
  readonly slice: RegionSlice;
  /** The fleet file, which an existing cluster's kubeconfig file is relative to. */
  readonly fleetFile: string;
  /** The region's infra stack; none when its network is existing. */
  readonly infra?: pulumi.StackReference;
}

/** One output of the infra stack, or undefined when the region has none. */
function infraOutput<T>(ctx: TarsContext, key: string): pulumi.Output<T> | undefined {
  return ctx.infra?.requireOutput(key) as pulumi.Output<T> | undefined;
}

/**
 * A CLB the infra stack outputs under `key` (the entry for `cluster` when `key` holds one per
 * cluster), or undefined when this region has no infra stack.
 */
function loadBalancer(
  ctx: TarsContext,
  key: string,
  cluster?: string,
): LoadBalancerRef | undefined {
  const output = infraOutput<Record<string, unknown>>(ctx, key);
  if (output === undefined) return undefined;
  const lb = output.apply(
    (value) => (cluster === undefined ? value : value[cluster]) as LoadBalancerOutput | undefined,
  );
  return { id: lb.apply((l) => l?.id ?? ""), address: lb.apply((l) => l?.address ?? "") };
}

/** Each cluster's provider and namespaces: created ones from the infra stack's kubeconfigs. */
function connect(ctx: TarsContext, c: ClusterSlice): ClusterConnection {
  const name = c.cluster.name;
  const created = c.created && ctx.infra !== undefined;
  const byName = (key: string) =>
    infraOutput<Record<string, string>>(ctx, key)?.apply((values) => values[name]) ?? "";
  return new ClusterConnection(name, {
    cluster: c.cluster,
    kubeconfig: created
      ? byName(InfraOutput.Kubeconfigs)
      : existingKubeconfig(ctx.config, c.cluster, ctx.fleetFile),
    // A created cluster is its TKE id; an existing one keeps the name the fleet gives it.
    clusterIdentifier: created ? byName(InfraOutput.ClusterIds) : name,
    namespaces: [FRAMEWORK_NAMESPACE, SERVER_NAMESPACE],
  });
}

/**
 * TencentDB: the id of the database's DNS record, from the infra stack holding it (the standby's
 * with a standby, else the home's: fleet/network/database-dns.ts), which this stack reads
 * (`stackDependencies`). Undefined in-cluster, or when no infra stack holds it.
 */
function databaseRecordId(ctx: TarsContext): pulumi.Output<string> | undefined {
  const plan = databaseRecordPlan(ctx.slice.fleet);
  if (plan === undefined || !hasInfraStack(regionByName(ctx.slice.fleet, plan.region))) {
    return undefined;
  }
  const ref =
    plan.region === ctx.slice.region.name && ctx.infra !== undefined
      ? ctx.infra
      : stackReference(ctx.config, "db-record", "dbRecordStack", infraStackName(plan.region));
  return ref.requireOutput(InfraOutput.DbRecordId) as pulumi.Output<string>;
}

/**
 * `db` with its host known only once the database's record is (`recordId`): every object that
 * names the host (the database ConfigMap, the Job's Secret) waits for the record's stack, and an
 * update fails there, before any pod starts, when that stack has no record yet.
 */
function afterRecord(db: DbConnection, recordId: pulumi.Output<string> | undefined): DbConnection {
  if (recordId === undefined) return db;
  return { ...db, host: pulumi.all([recordId, db.host]).apply(([, host]) => host) };
}

/**
 * The database's passwords with the root password known only once the record is: the init Job's
 * Secret holds it, so the Job, which connects to `db.<zone>`, waits for the record's stack.
 */
function instanceAfterRecord(
  instance: DatabaseInstanceRef,
  recordId: pulumi.Output<string> | undefined,
): DatabaseInstanceRef {
  if (recordId === undefined) return instance;
  const rootPassword = pulumi
    .all([recordId, instance.rootPassword])
    .apply(([, password]) => password);
  return { ...instance, rootPassword: pulumi.secret(rootPassword) };
}

/**
 * The database as other regions see it: its password (and an in-cluster database's address) from
 * the home TARS stack's outputs. TencentDB's host is its DNS name, which the fleet decides
 * (`fleet/network/database-dns.ts`), so every cluster's plan shows it.
 */
function homeConnection(ctx: TarsContext): DbConnection {
  const home = stackReference(ctx.config, "home", "homeStack", ctx.slice.fleet.homeRegion);
  const output = (name: string) => home.requireOutput(name) as pulumi.Output<string>;
  return {
    host: databaseHost(ctx.slice.fleet) ?? output(HomeOutput.DbHost),
    port: home.requireOutput(HomeOutput.DbPort) as pulumi.Output<number>,
    user: output(HomeOutput.DbUser),
    password: output(HomeOutput.DbPassword),
  };
}

/**
 * The database's passwords from the home infra stack; a home region without one (an existing
 * network, so an in-cluster database) keeps its passwords here.
 */
function databaseInstance(ctx: TarsContext): DatabaseInstanceRef {
  if (ctx.infra === undefined) {
    const instance = new TarsDatabaseInstance("tars-db", { fleet: ctx.slice.fleet });
    return {
      rootPassword: instance.rootPassword.result,
      adminPassword: instance.adminPassword.result,
    };
  }
  return {
    rootPassword: infraOutput<string>(ctx, InfraOutput.DbRootPassword) ?? "",
    adminPassword: infraOutput<string>(ctx, InfraOutput.DbAdminPassword) ?? "",
  };
}

function createFrameworks(
  ctx: TarsContext,
  clusters: readonly ClusterConnection[],
  db: DbConnection,
  database?: TarsDatabase,
): TarsFramework[] {
  const registries = new Set(ctx.slice.loadBalancers.registry);
  return clusters.map((cluster, i) => {
    const name = cluster.ref.name;
    const registryLb = registries.has(name)
      ? loadBalancer(ctx, InfraOutput.RegistryLoadBalancers, name)
      : undefined;
    return new TarsFramework(
      `${name}-tars`,
      { fleet: ctx.slice.fleet, cluster: cluster.ref, db, ...(registryLb ? { registryLb } : {}) },
      // The home cluster's registries start once the schema Job has run.
      { dependsOn: i === 0 && database !== undefined ? [database] : [] },
    );
  });
}

/**
 * The home cluster's VPC and primary node subnet, from the infra stack, for the package store's
 * own CFS class; none when the home cluster is existing (the fleet then names its class).
 */
function packageStoreNetwork(ctx: TarsContext): { packageStoreNetwork?: PackageStoreNetwork } {
  const [home] = ctx.slice.clusters;
  const [subnetKey] = home.nodeSubnetKeys;
  const vpcId = infraOutput<string>(ctx, InfraOutput.VpcId);
  const subnetIds = infraOutput<Record<string, string>>(ctx, InfraOutput.SubnetIds);
  if (!home.created || subnetKey === undefined || vpcId === undefined || subnetIds === undefined) {
    return {};
  }
  return { packageStoreNetwork: { vpcId, subnetId: subnetIds.apply((ids) => ids[subnetKey]) } };
}

/** The home region's framework: the database Job first, then the registries, then tarsweb. */
function deployHome(ctx: TarsContext, clusters: readonly ClusterConnection[]): StackOutputs {
  const { slice } = ctx;
  const recordId = databaseRecordId(ctx);
  const [first] = clusters;
  const dbLb = slice.loadBalancers.database
    ? loadBalancer(ctx, InfraOutput.DbLoadBalancer)
    : undefined;
  const database = new TarsDatabase("tars-db", {
    fleet: slice.fleet,
    cluster: first.ref,
    instance: instanceAfterRecord(databaseInstance(ctx), recordId),
    ...(dbLb === undefined ? {} : { lb: dbLb }),
  });
  const db = afterRecord(database.connection, recordId);
  const frameworks = createFrameworks(ctx, clusters, db, database);
  const webLb = slice.loadBalancers.web
    ? loadBalancer(ctx, InfraOutput.WebLoadBalancer)
    : undefined;
  new TarsHomeServices(
    "tars-home",
    {
      fleet: slice.fleet,
      cluster: first.ref,
      ...(webLb === undefined ? {} : { webLb }),
      webSources: webAccess(slice.fleet).sources,
      dbHashes: frameworks[0].dbHashes,
      ...packageStoreNetwork(ctx),
    },
    { dependsOn: [frameworks[0]] },
  );
  return {
    [HomeOutput.DbHost]: db.host,
    [HomeOutput.DbPort]: db.port,
    [HomeOutput.DbUser]: db.user,
    [HomeOutput.DbPassword]: pulumi.secret(db.password),
  };
}

function createSetDeployments(ctx: TarsContext, clusters: readonly ClusterConnection[]): void {
  ctx.slice.clusters.forEach((c, i) => {
    for (const placement of c.workloads) {
      new TarsSetDeployment(`${c.cluster.name}-${placement.name}`, {
        fleet: ctx.slice.fleet,
        placement,
        cluster: clusters[i].ref,
      });
    }
  });
}

/** A region's TARS stack. */
export function deployTars(
  config: pulumi.Config,
  slice: RegionSlice,
  fleetFile: string,
): StackOutputs {
  const infra =
    slice.network === undefined
      ? undefined
      : stackReference(config, "infra", "infraStack", infraStackName(slice.region.name));
  const ctx: TarsContext = { config, slice, fleetFile, ...(infra === undefined ? {} : { infra }) };
  const clusters = slice.clusters.map((c) => connect(ctx, c));
  if (slice.isHome) {
    const outputs = deployHome(ctx, clusters);
    createSetDeployments(ctx, clusters);
    return outputs;
  }
  const frameworks = createFrameworks(
    ctx,
    clusters,
    afterRecord(homeConnection(ctx), databaseRecordId(ctx)),
  );
  createStandbyWeb(ctx, clusters, frameworks);
  createSetDeployments(ctx, clusters);
  return {};
}

/**
 * In the database's standby region, tarsweb and the query services in its first cluster, after
 * its framework (`fleet/tars/framework.ts`, `standbyWeb`); nothing in any other region.
 */
function createStandbyWeb(
  ctx: TarsContext,
  clusters: readonly ClusterConnection[],
  frameworks: readonly TarsFramework[],
): void {
  const standby = standbyWeb(ctx.slice.fleet);
  if (standby === undefined || standby.region !== ctx.slice.region.name) return;
  const index = clusters.findIndex((c) => c.ref.name === standby.cluster);
  if (index < 0) return;
  // The standby region's infra stack holds the standby tarsweb's CLB (fleet/stacks/slice.ts).
  const webLb = ctx.slice.loadBalancers.web
    ? loadBalancer(ctx, InfraOutput.WebLoadBalancer)
    : undefined;
  new TarsStandbyWeb(
    "tars-standby",
    {
      fleet: ctx.slice.fleet,
      standby,
      cluster: clusters[index].ref,
      ...(webLb === undefined ? {} : { webLb }),
      webSources: webAccess(ctx.slice.fleet).sources,
      dbHashes: frameworks[index].dbHashes,
    },
    { dependsOn: [frameworks[index]] },
  );
}
