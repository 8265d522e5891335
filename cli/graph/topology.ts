/**
 * The topology picture's content: what runs where, computed from the fleet file alone.
 *
 * No plan is needed (the picture shows the fleet's intent, not the cloud's resources), so
 * `tarsfed graph` stays fast. Everything is in file order, so one fleet gives one picture.
 */
import { type NetworkType } from "../../fleet/network/carve";
import { homeFrameworkServices, regionalServicesIn } from "../../fleet/tars/framework";
import {
  type DbSpec,
  type ExistingCapacitySpec,
  type FleetSpec,
  type NodePoolSpec,
} from "../../fleet/model/model";
import { DbMode, NetworkSource } from "../../fleet/model/schema";
import { activeCluster, warmStandbyCluster } from "../../fleet/tars/placement";
import { globalSlice, stacksOfRegion } from "../../fleet/stacks/slice";

/** The whole picture. */
export interface Topology {
  /** Fleet name, shown in the title. */
  readonly fleet: string;
  /** The framework database, e.g. `TencentDB MySQL 5.7`; it runs in the home region. */
  readonly frameworkDb: string;
  /** What runs once, in the home cluster, beside the database: tarsweb, tarsnotify, ... */
  readonly homeServices: readonly string[];
  /** Regions in file order. */
  readonly regions: readonly TopologyRegion[];
  /** One CCN bandwidth limit per region pair, pairs sorted by name. */
  readonly links: readonly TopologyLink[];
  /** Every Set, in file order. */
  readonly sets: readonly TopologySet[];
}

/** One region: its VPC, TKE clusters and CVM pools. */
export interface TopologyRegion {
  readonly name: string;
  /** Tencent Cloud region, e.g. `ap-guangzhou`. */
  readonly tencentRegion: string;
  /** Whether the region hosts the framework database and the home services. */
  readonly home: boolean;
  /** The region's stacks, in deployment order: `<region>-infra` (unless its network exists), `<region>`. */
  readonly stacks: readonly string[];
  readonly vpcCidr: string;
  /** Whether the VPC is an existing one the fleet does not create. */
  readonly existingNetwork: boolean;
  readonly zones: readonly string[];
  readonly clusters: readonly TopologyCluster[];
  readonly cvmPools: readonly TopologyCvmPool[];
}

/** One TKE cluster. */
export interface TopologyCluster {
  readonly name: string;
  readonly networkType: NetworkType;
  readonly kubernetesVersion: string;
  /** One line per node pool, e.g. `general SA5.2XLARGE16 ×2–10`. */
  readonly nodePools: readonly string[];
  /**
   * An existing cluster's declared capacity, e.g. `32 CPU · 64Gi`.
   *
   * @default - none: the fleet creates the cluster
   */
  readonly existing?: string;
  /** The region's base services when this cluster runs them (tarsconfig, tarslog, ...), else none. */
  readonly baseServices: readonly string[];
  /** Ids of the Sets whose active copy runs here now. */
  readonly activeSets: readonly string[];
  /** Ids of the Sets whose warm-standby copy runs here now. */
  readonly warmSets: readonly string[];
  /** Ids of the Sets placed here by the fleet file but failed over elsewhere now. */
  readonly awaySets: readonly string[];
}

/** CVM machines running tarsnode outside Kubernetes. */
export interface TopologyCvmPool {
  readonly name: string;
  readonly count: number;
  readonly instanceType: string;
}

/** A CCN bandwidth limit between two regions. */
export interface TopologyLink {
  readonly a: string;
  readonly b: string;
  readonly mbps: number;
}

/** One server of a Set, with its replicas in the Set. */
export interface TopologySetServer {
  /** `App.Server`. */
  readonly id: string;
  readonly replicas: number;
}

/** Where one Set runs now and where it goes on failover. */
export interface TopologySet {
  /** `setName.setArea.setGroup`. */
  readonly id: string;
  /** The cluster running the Set now (its standby when failed over). */
  readonly activeCluster: string;
  /** The cluster the fleet file places the Set in: where failing back returns it. */
  readonly homeCluster: string;
  /** The cluster that takes over on failover; absent when failed over or when none is set. */
  readonly standbyCluster?: string;
  /** Whether the standby cluster runs a warm copy (one replica per server, no traffic). */
  readonly warm: boolean;
  readonly failedOver: boolean;
  /** Servers with replicas in this Set, in file order. */
  readonly servers: readonly TopologySetServer[];
}

/** Summarises a node pool on one line: name, instance type and size range. */
export function nodePoolSummary(pool: NodePoolSpec): string {
  return `${pool.name} ${pool.instanceType} ×${pool.minSize}–${pool.maxSize}`;
}

/** Summarises an existing cluster's declared capacity: `32 CPU · 64Gi` or `3 × SA5.2XLARGE16`. */
export function existingCapacitySummary(capacity: ExistingCapacitySpec): string {
  return "instanceType" in capacity
    ? `${capacity.nodes} × ${capacity.instanceType}`
    : `${capacity.cpu} CPU · ${capacity.memory}`;
}

/** Names the framework database the way the picture shows it. */
export function frameworkDbSummary(db: DbSpec): string {
  return db.mode === DbMode.TencentDb
    ? `TencentDB MySQL ${db.engineVersion}`
    : "MySQL in the home cluster";
}

/** Builds the picture's content from a validated fleet. */
export function buildTopology(fleet: FleetSpec): Topology {
  const sets = fleet.sets.map((set): TopologySet => {
    const standby = set.failedOver ? undefined : set.standby;
    return {
      id: set.id,
      activeCluster: activeCluster(set),
      homeCluster: set.cluster,
      ...(standby === undefined ? {} : { standbyCluster: standby }),
      warm: warmStandbyCluster(set) !== undefined,
      failedOver: set.failedOver && set.standby !== undefined,
      servers: fleet.servers.flatMap((server) =>
        server.replicas
          .filter((r) => r.set === set.id)
          .map((r) => ({ id: server.id, replicas: r.count })),
      ),
    };
  });
  const regions = fleet.regions.map((region): TopologyRegion => ({
    name: region.name,
    tencentRegion: region.tencentRegion,
    home: region.name === fleet.homeRegion,
    stacks: stacksOfRegion(fleet, region.name),
    vpcCidr: region.vpcCidr,
    existingNetwork: region.network === NetworkSource.Existing,
    zones: region.zones,
    clusters: region.clusters.map((cluster) => ({
      name: cluster.name,
      networkType: cluster.networkType,
      kubernetesVersion: cluster.kubernetesVersion,
      nodePools: cluster.nodePools.map(nodePoolSummary),
      ...(cluster.existing === undefined
        ? {}
        : { existing: existingCapacitySummary(cluster.existing.capacity) }),
      baseServices: regionalServicesIn(fleet, cluster.name).map((s) => s.server),
      activeSets: sets.filter((s) => s.activeCluster === cluster.name).map((s) => s.id),
      warmSets: sets.filter((s) => s.warm && s.standbyCluster === cluster.name).map((s) => s.id),
      awaySets: sets.filter((s) => s.failedOver && s.homeCluster === cluster.name).map((s) => s.id),
    })),
    cvmPools: region.cvmPools.map((pool) => ({
      name: pool.name,
      count: pool.count,
      instanceType: pool.instanceType,
    })),
  }));
  const links = globalSlice(fleet).bandwidthLimits.map((limit) => ({
    a: limit.regions[0],
    b: limit.regions[1],
    mbps: limit.mbps,
  }));
  return {
    fleet: fleet.name,
    frameworkDb: frameworkDbSummary(fleet.tars.db),
    homeServices: ["tarsweb", ...homeFrameworkServices(fleet).map((s) => s.server)],
    regions,
    links,
    sets,
  };
}
