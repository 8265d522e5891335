/**
 * Stack entry: reads the stack's scope and builds that slice of the fleet.
 *
 * `global` holds the CCN and its bandwidth limits; a region stack holds the region's VPC, its
 * clusters, the TARS framework and Set Deployments running there, and its CVM pools. The home
 * region's stack also holds the framework database, tarsweb and tarsnotify. No decisions are
 * made here: they come from `fleet/` (placement, carving, names), and components do the wiring.
 *
 * Stack config (`stacks/Pulumi.<stack>.yaml`):
 * - `tars-federation:scope` — `global` or a region name (required);
 * - `tars-federation:fleet` — the fleet file (default `stacks/fleet.yaml`);
 * - `tars-federation:globalStack` / `tars-federation:homeStack` — stack references
 *   (default `<org>/<project>/global` and `<org>/<project>/<home region>`);
 * - `tencentcloud:region` — must match the region's `tencentRegion` (checked);
 * - `tencentcloud:secretId` / `tencentcloud:secretKey` (secret) — optional; otherwise the
 *   provider reads `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY`.
 *
 * Environment: `TARSFED_MOVING_SETS` (`fleet/transition.ts`) — the Sets a failover or failback is
 * moving, comma-separated; a region stack then runs the failover's first phase, keeping the old
 * copies of those Sets beside the new ones. `tarsfed up` sets it for the `gain` phase only.
 * `TARSFED_FLEET_SNAPSHOT` (`fleet/revision.ts`) — a file holding the fleet text to deploy instead
 * of reading the configured file: `tarsfed preview` and `up` read the fleet once and pass that
 * copy to the preview and to the update.
 *
 * Every stack also outputs `fleetRevision` (the content hash of the fleet it was applied from)
 * and `homeRegion`, which `tarsfed up` checks before applying another revision over them.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { FleetError } from "./fleet/issues";
import { loadFleet, parseFleet, type LoadedFleet } from "./fleet/load";
import { type FleetSpec } from "./fleet/model";
import { CloudTag, FRAMEWORK_NAMESPACE, SERVER_NAMESPACE } from "./fleet/naming";
import { globalSlice, parseScope, type RegionSlice } from "./fleet/slice";
import { MOVING_SETS_ENV, parseMovingSets, transitionSlice } from "./fleet/transition";
import { FLEET_SNAPSHOT_ENV, fleetRevision, StackOutput } from "./fleet/revision";
import { FleetCcn } from "./components/fleet-ccn";
import { RegionNetwork } from "./components/region-network";
import { TkeCluster } from "./components/tke-cluster";
import { TarsDatabase } from "./components/tars-database";
import { type DbConnection, TarsFramework } from "./components/tars-framework";
import { TarsHomeServices } from "./components/tars-home-services";
import { TarsSetDeployment } from "./components/tars-set-deployment";
import { CvmPool } from "./components/cvm-pool";
import { downloadsFromTarsweb } from "./fleet/tarsnode-bootstrap";
import { apiEndpointSources, nodeHealthCheckRules, webAccess } from "./fleet/security";

/** Stack outputs other stacks and `tarsfed` read. */
type StackOutputs = Record<string, pulumi.Input<unknown>>;

/** The fleet file's text from the snapshot `tarsfed` passed, else from the file itself. */
function loadConfiguredFleet(file: string): LoadedFleet {
  const snapshot = process.env[FLEET_SNAPSHOT_ENV];
  if (snapshot === undefined || snapshot === "") return loadFleet(file);
  let text: string;
  try {
    text = readFileSync(snapshot, "utf8");
  } catch (error) {
    throw new pulumi.RunError(
      `cannot read the fleet snapshot ${FLEET_SNAPSHOT_ENV}=${snapshot} names: ${(error as Error).message}`,
    );
  }
  // Problems are reported against the fleet file: the snapshot is a copy of its text.
  return parseFleet(text, file);
}

function readFleet(config: pulumi.Config): LoadedFleet {
  const file = path.resolve(config.get("fleet") ?? path.join("stacks", "fleet.yaml"));
  try {
    return loadConfiguredFleet(path.relative(process.cwd(), file) || file);
  } catch (error) {
    // RunError prints its message without a stack trace.
    if (error instanceof FleetError)
      throw new pulumi.RunError(`invalid fleet file:\n${error.message}`);
    throw error;
  }
}

function tencentProvider(tencentRegion: string): tencentcloud.Provider {
  const config = new pulumi.Config("tencentcloud");
  const configured = config.get("region");
  if (configured !== undefined && configured !== tencentRegion) {
    throw new pulumi.RunError(
      `tencentcloud:region is ${configured} but this stack deploys ${tencentRegion}; fix stacks/Pulumi.${pulumi.getStack()}.yaml`,
    );
  }
  const secretId = config.get("secretId");
  const secretKey = config.getSecret("secretKey");
  return new tencentcloud.Provider(`tencentcloud-${tencentRegion}`, {
    region: tencentRegion,
    ...(secretId === undefined ? {} : { secretId }),
    ...(secretKey === undefined ? {} : { secretKey }),
  });
}

function stackRefName(config: pulumi.Config, key: string, stack: string): string {
  return config.get(key) ?? `${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}`;
}

function deployGlobal(fleet: FleetSpec): StackOutputs {
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

/** The home region's shared services as another region sees them: from the home stack's outputs. */
function homeOutputs(
  config: pulumi.Config,
  slice: RegionSlice,
): { db: DbConnection; webAddress: pulumi.Output<string> } {
  const home = new pulumi.StackReference("home", {
    name: stackRefName(config, "homeStack", slice.fleet.homeRegion),
  });
  const output = (name: string) => home.requireOutput(name) as pulumi.Output<string>;
  return {
    db: {
      host: output("dbHost"),
      port: home.requireOutput("dbPort") as pulumi.Output<number>,
      user: output("dbUser"),
      password: output("dbPassword"),
    },
    webAddress: output("webAddress"),
  };
}

/** What the region's components share. */
interface RegionContext {
  readonly config: pulumi.Config;
  readonly slice: RegionSlice;
  readonly opts: pulumi.ComponentResourceOptions;
  readonly network: RegionNetwork;
  /** The node subnet of the region's primary zone: single-zone resources go there. */
  readonly primaryNodeSubnetId: pulumi.Output<string>;
}

function createNetwork(
  config: pulumi.Config,
  slice: RegionSlice,
  opts: pulumi.ComponentResourceOptions,
): RegionNetwork {
  const { fleet, region } = slice;
  const global = new pulumi.StackReference("global", {
    name: stackRefName(config, "globalStack", "global"),
  });
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
      subnets: slice.subnets,
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

function createClusters(ctx: RegionContext): TkeCluster[] {
  const { network } = ctx;
  return ctx.slice.clusters.map(
    (c) =>
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
          namespaces: [FRAMEWORK_NAMESPACE, SERVER_NAMESPACE],
        },
        ctx.opts,
      ),
  );
}

function createDatabase(ctx: RegionContext, homeCluster: TkeCluster): TarsDatabase {
  const { network } = ctx;
  return new TarsDatabase(
    "tars-db",
    {
      fleet: ctx.slice.fleet,
      cluster: homeCluster.ref,
      vpcId: network.vpc.id,
      subnetId: ctx.primaryNodeSubnetId,
      availabilityZone: ctx.slice.primaryZone,
      securityGroupId: (network.databaseSecurityGroup ?? network.nodeSecurityGroup).id,
    },
    ctx.opts,
  );
}

function createFrameworks(
  ctx: RegionContext,
  clusters: readonly TkeCluster[],
  db: DbConnection,
  database?: TarsDatabase,
): TarsFramework[] {
  return clusters.map(
    (cluster, i) =>
      new TarsFramework(
        `${cluster.ref.name}-tars`,
        {
          fleet: ctx.slice.fleet,
          cluster: cluster.ref,
          db,
          lbSubnetId: ctx.primaryNodeSubnetId,
          vpcId: ctx.network.vpc.id,
          lbSecurityGroupId: ctx.network.nodeSecurityGroup.id,
        },
        // The home cluster's registries start once the schema Job has run.
        { ...ctx.opts, dependsOn: i === 0 && database !== undefined ? [database] : [] },
      ),
  );
}

function createHomeServices(
  ctx: RegionContext,
  homeCluster: TkeCluster,
  framework: TarsFramework,
): TarsHomeServices {
  const { fleet } = ctx.slice;
  return new TarsHomeServices(
    "tars-home",
    {
      fleet,
      cluster: homeCluster.ref,
      vpcId: ctx.network.vpc.id,
      lbSubnetId: ctx.primaryNodeSubnetId,
      webSecurityGroupId: (ctx.network.webSecurityGroup ?? ctx.network.nodeSecurityGroup).id,
      webSources: webAccess(fleet).sources,
    },
    { ...ctx.opts, dependsOn: [framework] },
  );
}

function createSetDeployments(ctx: RegionContext, clusters: readonly TkeCluster[]): void {
  ctx.slice.clusters.forEach((c, i) => {
    for (const placement of c.workloads) {
      new TarsSetDeployment(
        `${c.cluster.name}-${placement.name}`,
        { fleet: ctx.slice.fleet, placement, cluster: clusters[i].ref },
        ctx.opts,
      );
    }
  });
}

function createCvmPools(
  ctx: RegionContext,
  frameworks: readonly TarsFramework[],
  webAddress: pulumi.Input<string>,
  webServices?: TarsHomeServices,
): void {
  const { network, slice } = ctx;
  for (const pool of slice.cvmPools) {
    // The machines come after what they fetch from: the registries, and tarsweb when it serves
    // the package from this stack (other regions read it from the home stack, applied first).
    const web = downloadsFromTarsweb(pool) && webServices !== undefined ? [webServices] : [];
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
        registryAddresses: frameworks.map((f) => f.registryAddress),
        webAddress,
        fetchesFrom: [...frameworks, ...web],
      },
      ctx.opts,
    );
  }
}

/** The region's TARS framework: the shared services at home, read from the home stack elsewhere. */
function deployFramework(
  ctx: RegionContext,
  clusters: readonly TkeCluster[],
): {
  frameworks: TarsFramework[];
  webAddress: pulumi.Output<string>;
  webServices?: TarsHomeServices;
  outputs: StackOutputs;
} {
  if (!ctx.slice.isHome) {
    const home = homeOutputs(ctx.config, ctx.slice);
    return {
      frameworks: createFrameworks(ctx, clusters, home.db),
      webAddress: home.webAddress,
      outputs: {},
    };
  }
  // The home region's first cluster runs the database Job and the shared services (validated).
  const database = createDatabase(ctx, clusters[0]);
  const db = database.connection;
  const frameworks = createFrameworks(ctx, clusters, db, database);
  const webServices = createHomeServices(ctx, clusters[0], frameworks[0]);
  const webAddress = webServices.webAddress;
  const outputs = {
    dbHost: db.host,
    dbPort: db.port,
    dbUser: db.user,
    dbPassword: pulumi.secret(db.password),
    webAddress,
  };
  return { frameworks, webAddress, webServices, outputs };
}

function deployRegion(config: pulumi.Config, slice: RegionSlice): StackOutputs {
  const opts = { providers: [tencentProvider(slice.region.tencentRegion)] };
  const network = createNetwork(config, slice, opts);
  const primaryNodeSubnetId = network.subnets[slice.primaryNodeSubnetKey].id;
  const ctx: RegionContext = { config, slice, opts, network, primaryNodeSubnetId };
  const clusters = createClusters(ctx);
  const { frameworks, webAddress, webServices, outputs } = deployFramework(ctx, clusters);
  createSetDeployments(ctx, clusters);
  createCvmPools(ctx, frameworks, webAddress, webServices);
  return {
    vpcId: network.vpc.id,
    subnetIds: Object.fromEntries(Object.entries(network.subnets).map(([key, s]) => [key, s.id])),
    clusterIds: Object.fromEntries(clusters.map((c) => [c.ref.name, c.cluster.id])),
    registryAddresses: Object.fromEntries(
      frameworks.map((f, i) => [clusters[i].ref.name, f.registryAddress]),
    ),
    ...outputs,
  };
}

/**
 * Builds the stack this program runs for. Pulumi calls the exported function and makes its
 * result the stack's outputs; `tarsfed plan` calls the same function under mocks.
 */
async function main(): Promise<StackOutputs> {
  const config = new pulumi.Config("tars-federation");
  const loaded = readFleet(config);
  const fleet = loaded.spec;
  // Recorded by every stack, so `tarsfed up` can tell which fleet revision a stack runs.
  const recorded = {
    [StackOutput.FleetRevision]: fleetRevision(loaded.text) ?? "",
    [StackOutput.HomeRegion]: fleet.homeRegion,
  };
  const scopeText = config.require("scope");
  const scope = parseScope(fleet, scopeText);
  if (scope === undefined) {
    const known = ["global", ...fleet.regions.map((r) => r.name)].join(", ");
    throw new pulumi.RunError(`tars-federation:scope is "${scopeText}", expected one of ${known}`);
  }
  if (scope.kind === "global") return Promise.resolve({ ...deployGlobal(fleet), ...recorded });
  let moving: string[];
  try {
    moving = parseMovingSets(fleet, process.env[MOVING_SETS_ENV]);
  } catch (error) {
    throw new pulumi.RunError((error as Error).message);
  }
  const outputs = deployRegion(config, transitionSlice(fleet, scope.region, moving));
  return Promise.resolve({ ...outputs, ...recorded });
}

export = main;
