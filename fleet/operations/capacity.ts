/**
 * Capacity: what each cluster's pods request, what its node pools can hold, and whether the fleet
 * survives losing any one region.
 *
 * Demand is the sum of the requests of every pod the manifests create in the cluster: the Set
 * Deployments (active and warm-standby copies, from `placeWorkloads`), the registry in every
 * cluster, a region's base services (tarsconfig, tarslog, tarsstat, tarsproperty) in its services
 * cluster and, in the home region's first cluster, tarsweb, the home framework services and the
 * in-cluster database. Requests equal limits everywhere, so requests are what the scheduler
 * reserves. Capacity is each node pool at `maxSize` (the cluster autoscaler may grow it that far;
 * node pools are created with auto-scaling on) times what one node of the instance type can
 * schedule. The one-off schema Job is left out: it runs once and exits.
 *
 * A region-loss verdict follows the federation practice of checking N+1 headroom before a failover
 * is needed: every Set active in the region moves to the other cluster it can run in, and every
 * remaining cluster must still fit.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/ (requests decide placement)
 * @see https://www.tencentcloud.com/document/product/457/48777 (TKE node allocatable)
 */
import {
  type FrameworkServiceSpec,
  homeFrameworkServices,
  IN_CLUSTER_DB_SIZE,
  regionalFrameworkServices,
  regionalServicesIn,
  REGISTRY_SIZE,
  servicePodSize,
  standbyWeb,
  WEB_SIZE,
} from "../tars/framework";
import { allocatableResources, parseInstanceType } from "../model/instance-types";
import {
  allClusters,
  type ClusterSpec,
  type ExistingCapacitySpec,
  type FleetSpec,
  type ServerSpec,
  type SetSpec,
} from "../model/model";
import { applyFailover, otherCluster } from "./operations";
import { activeCluster, placeWorkloads, WorkloadRole } from "../tars/placement";
import {
  formatMemory,
  parseCpuMilli,
  parseMemoryMiB,
  type QuantityResult,
} from "../model/quantity";
import { DbMode } from "../model/schema";

/** An amount of CPU and memory. */
export interface Resources {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

/** Demand of one cluster, by what asks for it. */
export interface DemandBreakdown {
  /** Replicas of the Sets active in the cluster. */
  readonly active: Resources;
  /** The one-replica warm copies of Sets whose standby the cluster is. */
  readonly warmStandby: Resources;
  /**
   * Registry; the region's base services in its services cluster; and in the home cluster
   * tarsweb, the home services and an in-cluster DB.
   */
  readonly framework: Resources;
}

/** One cluster's line of the capacity report. */
export interface ClusterCapacity {
  readonly cluster: string;
  readonly region: string;
  /** What every pod in the cluster requests. */
  readonly demand: Resources;
  readonly breakdown: DemandBreakdown;
  /** What the node pools can schedule at `maxSize`. */
  readonly capacity: Resources;
  /** What the node pools can schedule at `desiredSize` (what runs now, before autoscaling). */
  readonly capacityNow: Resources;
  /** `capacity − demand`; negative when the cluster cannot hold its pods. */
  readonly headroom: Resources;
  /** Whether demand fits in capacity, CPU and memory both. */
  readonly fits: boolean;
}

/** How much a cluster lacks: the positive part of `demand − capacity` (0 where it fits). */
export interface Shortfall {
  readonly cluster: string;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

/** Whether the fleet survives losing one region. */
export interface RegionLossVerdict {
  readonly region: string;
  /** True when no Set is lost and every remaining cluster fits. */
  readonly survivable: boolean;
  /** Sets active in the region that move out of it. */
  readonly movedSets: readonly string[];
  /** Sets active in the region with nowhere else to run (no standby, or a standby there too). */
  readonly lostSets: readonly string[];
  /** Remaining clusters that would not fit once the Sets moved in. */
  readonly shortfalls: readonly Shortfall[];
  /**
   * What makes the loss not survivable besides lost Sets and shortfalls: the home region's
   * framework database without a standby (`tars.db.standbyRegion`). Empty otherwise.
   */
  readonly blockers: readonly string[];
  /** What else goes with the region (the home region's framework services). */
  readonly notes: readonly string[];
}

/** The `capacity` report. */
export interface CapacityReport {
  readonly clusters: readonly ClusterCapacity[];
  readonly regions: readonly RegionLossVerdict[];
}

const ZERO: Resources = { cpuMilli: 0, memoryMiB: 0 };

const add = (a: Resources, b: Resources): Resources => ({
  cpuMilli: a.cpuMilli + b.cpuMilli,
  memoryMiB: a.memoryMiB + b.memoryMiB,
});

const times = (r: Resources, n: number): Resources => ({
  cpuMilli: r.cpuMilli * n,
  memoryMiB: r.memoryMiB * n,
});

const minus = (a: Resources, b: Resources): Resources => add(a, times(b, -1));

/** Whether `demand` fits in `capacity`, CPU and memory both. */
export function fitsIn(demand: Resources, capacity: Resources): boolean {
  return demand.cpuMilli <= capacity.cpuMilli && demand.memoryMiB <= capacity.memoryMiB;
}

function quantity(result: QuantityResult, what: string): number {
  if (!result.ok)
    throw new Error(`${what}: ${result.reason} (the validator should have caught it)`);
  return result.value;
}

/** Requests of one pod of a server. */
export function serverPodSize(server: ServerSpec): Resources {
  return {
    cpuMilli: quantity(parseCpuMilli(server.resources.cpu), `${server.id} cpu`),
    memoryMiB: quantity(parseMemoryMiB(server.resources.memory), `${server.id} memory`),
  };
}

/** The cluster that runs tarsweb, the home services and an in-cluster DB: the home region's first. */
export function homeClusterName(fleet: FleetSpec): string | undefined {
  return fleet.regions.find((r) => r.name === fleet.homeRegion)?.clusters[0]?.name;
}

/** What the pods of `services` request together, every replica and container counted. */
export function servicesDemand(services: readonly FrameworkServiceSpec[]): Resources {
  return services.reduce((sum, s) => add(sum, times(servicePodSize(s), s.replicas)), ZERO);
}

/**
 * Framework demand of one cluster: its registry, its region's base services when it runs them,
 * the home services in the home cluster, and in the database's standby region's first cluster the
 * standby web (tarsweb and the query services: nothing at 0 replicas, their full replicas once
 * `tars.db.servingRegion` is the standby region).
 */
export function frameworkDemand(fleet: FleetSpec, cluster: string): Resources {
  const registryPod = add(REGISTRY_SIZE.cppRegistry, REGISTRY_SIZE.goRegistry);
  let demand = times(registryPod, fleet.tars.registryReplicas);
  demand = add(demand, servicesDemand(regionalServicesIn(fleet, cluster)));
  const standby = standbyWeb(fleet);
  if (standby?.cluster === cluster) {
    demand = add(demand, times(WEB_SIZE, standby.webReplicas));
    demand = add(demand, servicesDemand(standby.services));
  }
  if (cluster !== homeClusterName(fleet)) return demand;
  demand = add(demand, times(WEB_SIZE, fleet.tars.webReplicas));
  demand = add(demand, servicesDemand(homeFrameworkServices(fleet)));
  return fleet.tars.db.mode === DbMode.InCluster ? add(demand, IN_CLUSTER_DB_SIZE) : demand;
}

/** Demand of every cluster of the fleet, by cluster name. */
export function clusterDemands(fleet: FleetSpec): Map<string, DemandBreakdown> {
  const demands = new Map<string, DemandBreakdown>(
    allClusters(fleet).map((c) => [
      c.name,
      { active: ZERO, warmStandby: ZERO, framework: frameworkDemand(fleet, c.name) },
    ]),
  );
  for (const w of placeWorkloads(fleet)) {
    const current = demands.get(w.cluster);
    if (current === undefined)
      throw new Error(`workload ${w.name} is in unknown cluster ${w.cluster}`);
    const pods = times(serverPodSize(w.server), w.replicas);
    demands.set(
      w.cluster,
      w.role === WorkloadRole.Active
        ? { ...current, active: add(current.active, pods) }
        : { ...current, warmStandby: add(current.warmStandby, pods) },
    );
  }
  return demands;
}

/** Total of a breakdown. */
export function totalDemand(breakdown: DemandBreakdown): Resources {
  return add(add(breakdown.active, breakdown.warmStandby), breakdown.framework);
}

/**
 * What an existing cluster declares it can schedule (`existing.capacity`): its cpu and memory, or
 * `nodes` × what one node of `instanceType` schedules. It is both its capacity now and at most.
 */
export function existingCapacity(capacity: ExistingCapacitySpec): Resources {
  if ("instanceType" in capacity) {
    const parsed = parseInstanceType(capacity.instanceType);
    if (!parsed.ok) throw new Error(`${capacity.instanceType}: ${parsed.reason}`);
    return times(allocatableResources(parsed.type), capacity.nodes);
  }
  return {
    cpuMilli: quantity(parseCpuMilli(capacity.cpu), "existing cluster cpu"),
    memoryMiB: quantity(parseMemoryMiB(capacity.memory), "existing cluster memory"),
  };
}

/**
 * What a cluster's node pools can schedule with every pool at `maxSize` or at `desiredSize`; for
 * an existing cluster, the capacity it declares (`existingCapacity`).
 */
export function clusterCapacity(cluster: ClusterSpec, at: "maxSize" | "desiredSize"): Resources {
  if (cluster.existing !== undefined) return existingCapacity(cluster.existing.capacity);
  return cluster.nodePools.reduce((total, pool) => {
    const parsed = parseInstanceType(pool.instanceType);
    if (!parsed.ok) throw new Error(`${cluster.name}/${pool.name}: ${parsed.reason}`);
    return add(total, times(allocatableResources(parsed.type), pool[at]));
  }, ZERO);
}

/** Every cluster's demand, capacity and headroom, in file order. */
export function clusterCapacities(fleet: FleetSpec): ClusterCapacity[] {
  const demands = clusterDemands(fleet);
  return allClusters(fleet).map((c) => {
    const breakdown = demands.get(c.name) as DemandBreakdown;
    const demand = totalDemand(breakdown);
    const capacity = clusterCapacity(c, "maxSize");
    return {
      cluster: c.name,
      region: c.region,
      demand,
      breakdown,
      capacity,
      capacityNow: clusterCapacity(c, "desiredSize"),
      headroom: minus(capacity, demand),
      fits: fitsIn(demand, capacity),
    };
  });
}

function shortfallOf(line: ClusterCapacity): Shortfall {
  return {
    cluster: line.cluster,
    cpuMilli: Math.max(0, -line.headroom.cpuMilli),
    memoryMiB: Math.max(0, -line.headroom.memoryMiB),
  };
}

/** Every cluster whose pods do not fit at node-pool max, with how much it lacks. */
export function checkFits(fleet: FleetSpec): Shortfall[] {
  return clusterCapacities(fleet)
    .filter((c) => !c.fits)
    .map(shortfallOf);
}

/**
 * Clusters an operation leaves short: short after it, and worse off than before (more demand or
 * less capacity). A cluster that was already short and did not get worse is not the operation's
 * doing, and does not stop it.
 */
export function shortfallsAfter(before: FleetSpec, after: FleetSpec): Shortfall[] {
  const previous = new Map(clusterCapacities(before).map((c) => [c.cluster, c.headroom]));
  return clusterCapacities(after)
    .filter((c) => {
      const was = previous.get(c.cluster);
      const worse =
        was === undefined ||
        c.headroom.cpuMilli < was.cpuMilli ||
        c.headroom.memoryMiB < was.memoryMiB;
      return !c.fits && worse;
    })
    .map(shortfallOf);
}

/**
 * Clusters that, after an operation, need more nodes than their pools run now: demand above the
 * capacity at `desiredSize`, and more demand than before. They fit at `maxSize` (or the operation
 * was refused), but only once the autoscaler adds nodes, which takes minutes and can fail when a
 * zone is out of stock in a regional incident; pre-scaling avoids both.
 */
export function growthNeeded(before: FleetSpec, after: FleetSpec): string[] {
  const previous = new Map(clusterCapacities(before).map((c) => [c.cluster, c.demand]));
  const amount = (r: Resources) => `${r.cpuMilli / 1000} CPU / ${formatMemory(r.memoryMiB)}`;
  return clusterCapacities(after)
    .filter((c) => {
      const was = previous.get(c.cluster);
      const more =
        was === undefined || c.demand.cpuMilli > was.cpuMilli || c.demand.memoryMiB > was.memoryMiB;
      return more && !fitsIn(c.demand, c.capacityNow);
    })
    .map(
      (c) =>
        `cluster ${c.cluster} needs more nodes than it runs now (demand ${amount(c.demand)}, ` +
        `capacity at desiredSize ${amount(c.capacityNow)}); the autoscaler adds them, or ` +
        `pre-scale with tarsfed scale pool ${c.cluster} <pool> --desired <n>`,
    );
}

/**
 * The fleet once `region` is lost and everything that can fail over has: its Sets moved to
 * `movedSets`' other clusters and, when the home region is lost and the database has a standby,
 * the standby region serving (`tars.db.servingRegion`), so its tarsweb and query services count at
 * their full replicas.
 */
export function fleetAfterRegionLoss(
  fleet: FleetSpec,
  region: string,
  movedSets: readonly string[],
): FleetSpec {
  const after = applyFailover(fleet, movedSets);
  const standby = standbyWeb(after);
  const db = after.tars.db;
  if (region !== fleet.homeRegion || standby === undefined || db.mode !== DbMode.TencentDb) {
    return after;
  }
  return { ...after, tars: { ...after.tars, db: { ...db, servingRegion: standby.region } } };
}

/**
 * The verdict for losing `region`: its Sets moved out, the rest of the fleet checked.
 *
 * A Set active in the region moves to the other cluster it can run in (its standby, or its own
 * cluster when it had failed over into the region); it is lost when it has none outside the region.
 * The home region's loss is survivable only with a database standby (`tars.db.standbyRegion`),
 * whose cluster must also hold tarsweb and the query services at their full replicas: without one
 * every registration in every region stops with the database.
 */
export function regionLoss(fleet: FleetSpec, region: string): RegionLossVerdict {
  const regionOf = new Map(allClusters(fleet).map((c) => [c.name, c.region]));
  const active = fleet.sets.filter((s) => regionOf.get(activeCluster(s)) === region);
  const canMove = (set: SetSpec) => {
    const other = otherCluster(set);
    return other !== undefined && regionOf.get(other) !== region;
  };
  const movedSets = active.filter(canMove).map((s) => s.id);
  const lostSets = active.filter((s) => !canMove(s)).map((s) => s.id);
  const after = fleetAfterRegionLoss(fleet, region, movedSets);
  const shortfalls = clusterCapacities(after)
    .filter((c) => c.region !== region && !c.fits)
    .map(shortfallOf);
  const blockers = regionLossBlockers(fleet, region);
  return {
    region,
    survivable: lostSets.length === 0 && shortfalls.length === 0 && blockers.length === 0,
    movedSets,
    lostSets,
    shortfalls,
    blockers,
    notes: regionLossNotes(fleet, region, movedSets),
  };
}

/** Why losing `region` is not survivable whatever the capacity: the home region with no standby. */
function regionLossBlockers(fleet: FleetSpec, region: string): string[] {
  if (region !== fleet.homeRegion || standbyWeb(fleet) !== undefined) return [];
  const why =
    fleet.tars.db.mode === DbMode.InCluster
      ? "the in-cluster framework database can have no standby (only tars.db.mode tencentdb " +
        "can, with tars.db.standbyRegion)"
      : "the framework database has no standby (tars.db.standbyRegion)";
  return [
    `home region: ${why}; losing it stops every registration in every region, and tarsweb ` +
      "with it",
  ];
}

/**
 * What goes with a region besides its Sets: the home services never move, and the Sets that move
 * out report to, log to and read config from the base services of the regions they move to.
 */
function regionLossNotes(fleet: FleetSpec, region: string, movedSets: readonly string[]): string[] {
  const notes: string[] = [];
  const standby = standbyWeb(fleet);
  if (region === fleet.homeRegion && standby !== undefined) {
    const moving = new Set(standby.services.map((s) => s.server));
    const staying = homeFrameworkServices(fleet)
      .map((s) => s.server)
      .filter((s) => !moving.has(s));
    notes.push(
      `home region: the framework database fails over to its replica in ${standby.region} ` +
        `(tarsfed failover --region ${region}; writes not yet replicated are lost), and ` +
        `${listText(["tarsweb", ...moving])} scale up in ${standby.cluster}; ` +
        `${listText(staying)} do not fail over`,
    );
  } else if (region === fleet.homeRegion) {
    const home = [
      "the framework database",
      "tarsweb",
      ...homeFrameworkServices(fleet).map((s) => s.server),
    ];
    notes.push(`home region: ${listText(home)} do not fail over`);
  }
  if (movedSets.length > 0) {
    const base = listText(regionalFrameworkServices(fleet).map((s) => s.server));
    notes.push(`its ${base} go with it: the Sets that move use those of the region they move to`);
  }
  return notes;
}

/** `a`, `a and b`, `a, b and c`. */
function listText(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** The `capacity` report: every cluster, and the verdict for losing each region. */
export function capacityReport(fleet: FleetSpec): CapacityReport {
  return {
    clusters: clusterCapacities(fleet),
    regions: fleet.regions.map((r) => regionLoss(fleet, r.name)),
  };
}

/** Cores for people: `2500` → `2.5 CPU`. */
export function formatCores(milli: number): string {
  return `${milli / 1000} CPU`;
}

/** A shortfall for people: `2.5 CPU and 1.2Gi memory`, naming only what is short. */
export function formatShortfall(shortfall: Shortfall): string {
  const parts = [
    ...(shortfall.cpuMilli > 0 ? [formatCores(shortfall.cpuMilli)] : []),
    ...(shortfall.memoryMiB > 0 ? [`${formatMemory(shortfall.memoryMiB)} memory`] : []),
  ];
  return parts.join(" and ");
}

/**
 * One short cluster for people: how much it lacks after an operation, its demand and capacity.
 *
 * @example
 * shortfallDetail(after, shortfall, "failing over app.gz.1")
 * // cluster sh1 would be short of 2.5 CPU and 1.2Gi memory after failing over app.gz.1
 * // (demand 84.5 CPU / 160Gi, capacity at node-pool max 82 CPU / 158.8Gi)
 */
export function shortfallDetail(
  after: FleetSpec,
  shortfall: Shortfall,
  description: string,
): string {
  const line = clusterCapacities(after).find((c) => c.cluster === shortfall.cluster);
  if (line === undefined) throw new Error(`no cluster ${shortfall.cluster} in fleet ${after.name}`);
  const amount = (r: Resources) => `${r.cpuMilli / 1000} CPU / ${formatMemory(r.memoryMiB)}`;
  return (
    `cluster ${shortfall.cluster} would be short of ${formatShortfall(shortfall)} after ` +
    `${description} (demand ${amount(line.demand)}, capacity at node-pool max ${amount(line.capacity)})`
  );
}

/** Why an operation is refused for capacity: one line per short cluster (see {@link shortfallDetail}). */
export function capacityRefusal(
  after: FleetSpec,
  shortfalls: readonly Shortfall[],
  description: string,
): string {
  return shortfalls
    .map(
      (s) =>
        `refused: ${shortfallDetail(after, s, description)}; ` +
        `scale ${s.cluster}'s node pools first or pass --force`,
    )
    .join("\n");
}
