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
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { FleetError } from "./fleet/issues";
import { loadFleet } from "./fleet/load";
import { type FleetSpec } from "./fleet/model";
import { FRAMEWORK_NAMESPACE, SERVER_NAMESPACE } from "./fleet/naming";
import { globalSlice, parseScope, regionSlice, type RegionSlice } from "./fleet/slice";
import { WEB_PORT } from "./fleet/framework";
import { webSources } from "./fleet/security";
import { FleetCcn } from "./components/fleet-ccn";
import { RegionNetwork } from "./components/region-network";
import { TkeCluster } from "./components/tke-cluster";
import { TarsDatabase } from "./components/tars-database";
import { type DbConnection, TarsFramework } from "./components/tars-framework";
import { TarsHomeServices } from "./components/tars-home-services";
import { TarsSetDeployment } from "./components/tars-set-deployment";
import { CvmPool } from "./components/cvm-pool";

/** Stack outputs other stacks and `tarsfed` read. */
type StackOutputs = Record<string, pulumi.Input<unknown>>;

function readFleet(config: pulumi.Config): FleetSpec {
  const file = path.resolve(config.get("fleet") ?? path.join("stacks", "fleet.yaml"));
  try {
    return loadFleet(path.relative(process.cwd(), file) || file).spec;
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
      tags: { "tarsfed-fleet": fleet.name },
    },
    { providers: [provider] },
  );
  return { ccnId: ccn.ccnId };
}

function homeDatabase(
  config: pulumi.Config,
  slice: RegionSlice,
): { home: pulumi.StackReference; db: DbConnection } {
  const home = new pulumi.StackReference("home", {
    name: stackRefName(config, "homeStack", slice.fleet.homeRegion),
  });
  return {
    home,
    db: {
      host: home.requireOutput("dbHost") as pulumi.Output<string>,
      port: home.requireOutput("dbPort") as pulumi.Output<number>,
      user: home.requireOutput("dbUser") as pulumi.Output<string>,
      password: home.requireOutput("dbPassword") as pulumi.Output<string>,
    },
  };
}

function deployRegion(config: pulumi.Config, slice: RegionSlice): StackOutputs {
  const { fleet, region } = slice;
  const provider = tencentProvider(region.tencentRegion);
  const opts = { providers: [provider] };
  const global = new pulumi.StackReference("global", {
    name: stackRefName(config, "globalStack", "global"),
  });
  const ownCidrs = [
    region.vpcCidr,
    ...region.clusters.flatMap((c) => (c.podCidr === undefined ? [] : [c.podCidr])),
  ];
  const sources = webSources(
    fleet.regions.map((r) => r.vpcCidr),
    fleet.tars.webAllowedCidrs,
  );
  const network = new RegionNetwork(
    region.name,
    {
      fleetName: fleet.name,
      region: region.name,
      tencentRegion: region.tencentRegion,
      vpcCidr: region.vpcCidr,
      subnets: slice.subnets,
      ownCidrs,
      fleetCidrs: slice.fleetCidrs,
      servantPorts: slice.servantPorts,
      ccnId: global.requireOutput("ccnId") as pulumi.Output<string>,
      ...(slice.isHome
        ? { webSources: sources, databaseSecurityGroup: fleet.tars.db.mode === "tencentdb" }
        : {}),
    },
    opts,
  );
  const firstNodeSubnet =
    network.subnets[slice.clusters[0]?.nodeSubnetKeys[0] ?? `node-${region.zones[0]}`];
  const clusters = slice.clusters.map(
    (c) =>
      new TkeCluster(
        c.cluster.name,
        {
          fleetName: fleet.name,
          cluster: c.cluster,
          vpcId: network.vpc.id,
          nodeSubnetIds: c.nodeSubnetKeys.map((k) => network.subnets[k].id),
          podSubnetIds: c.podSubnetKeys.map((k) => network.subnets[k].id),
          nodeSecurityGroupId: network.nodeSecurityGroup.id,
          namespaces: [FRAMEWORK_NAMESPACE, SERVER_NAMESPACE],
        },
        opts,
      ),
  );
  const outputs: StackOutputs = {
    vpcId: network.vpc.id,
    subnetIds: Object.fromEntries(Object.entries(network.subnets).map(([key, s]) => [key, s.id])),
    clusterIds: Object.fromEntries(clusters.map((c) => [c.ref.name, c.cluster.id])),
  };

  let db: DbConnection;
  let database: TarsDatabase | undefined;
  let webAddress: pulumi.Input<string>;
  let home: pulumi.StackReference | undefined;
  if (slice.isHome) {
    database = new TarsDatabase(
      "tars-db",
      {
        fleet,
        cluster: clusters[0].ref,
        vpcId: network.vpc.id,
        subnetId: firstNodeSubnet.id,
        availabilityZone: region.zones[0],
        securityGroupId: (network.databaseSecurityGroup ?? network.nodeSecurityGroup).id,
      },
      opts,
    );
    db = database.connection;
    Object.assign(outputs, {
      dbHost: db.host,
      dbPort: db.port,
      dbUser: db.user,
      dbPassword: pulumi.secret(db.password),
    });
  } else {
    ({ home, db } = homeDatabase(config, slice));
  }

  const frameworks = clusters.map(
    (cluster, i) =>
      new TarsFramework(
        `${cluster.ref.name}-tars`,
        {
          fleet,
          cluster: cluster.ref,
          db,
          lbSubnetId: firstNodeSubnet.id,
          vpcId: network.vpc.id,
          lbSecurityGroupId: network.nodeSecurityGroup.id,
        },
        // The home cluster's registries start once the schema Job has run.
        { ...opts, dependsOn: i === 0 && database !== undefined ? [database] : [] },
      ),
  );
  outputs.registryAddresses = Object.fromEntries(
    frameworks.map((f, i) => [clusters[i].ref.name, f.registryAddress]),
  );

  if (slice.isHome) {
    const homeServices = new TarsHomeServices(
      "tars-home",
      {
        fleet,
        cluster: clusters[0].ref,
        vpcId: network.vpc.id,
        lbSubnetId: firstNodeSubnet.id,
        webSecurityGroupId: (network.webSecurityGroup ?? network.nodeSecurityGroup).id,
        webSources: sources,
      },
      { ...opts, dependsOn: [frameworks[0]] },
    );
    webAddress = homeServices.webAddress;
    outputs.webAddress = webAddress;
  } else {
    webAddress = (home as pulumi.StackReference).requireOutput(
      "webAddress",
    ) as pulumi.Output<string>;
  }

  slice.clusters.forEach((c, i) => {
    for (const placement of c.workloads) {
      new TarsSetDeployment(
        `${c.cluster.name}-${placement.name}`,
        { fleet, placement, cluster: clusters[i].ref },
        opts,
      );
    }
  });

  for (const pool of slice.cvmPools) {
    new CvmPool(
      `${region.name}-${pool.name}`,
      {
        fleetName: fleet.name,
        pool,
        vpcId: network.vpc.id,
        subnetIdsByZone: Object.fromEntries(
          pool.zones.map((z) => [z, network.subnets[`node-${z}`].id]),
        ),
        securityGroupId: network.nodeSecurityGroup.id,
        registryAddresses: frameworks.map((f) => f.registryAddress),
        packageUrl: pulumi.interpolate`http://${webAddress}:${WEB_PORT}/files/tarsnode.tgz`,
      },
      opts,
    );
  }
  return outputs;
}

/**
 * Builds the stack this program runs for. Pulumi calls the exported function and makes its
 * result the stack's outputs; `tarsfed plan` calls the same function under mocks.
 */
async function main(): Promise<StackOutputs> {
  const config = new pulumi.Config("tars-federation");
  const fleet = readFleet(config);
  const scopeText = config.require("scope");
  const scope = parseScope(fleet, scopeText);
  if (scope === undefined) {
    const known = ["global", ...fleet.regions.map((r) => r.name)].join(", ");
    throw new pulumi.RunError(`tars-federation:scope is "${scopeText}", expected one of ${known}`);
  }
  return Promise.resolve(
    scope.kind === "global"
      ? deployGlobal(fleet)
      : deployRegion(config, regionSlice(fleet, scope.region)),
  );
}

export = main;
