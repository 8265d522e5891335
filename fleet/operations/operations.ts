/**
 * Fleet operations as pure plans: fail Sets over and back, scale replicas and node pools.
 *
 * An operation never touches the cloud. It is a change to the fleet file (DESIGN.md: "Set failover
 * is a fleet-file change") plus the stacks that must be applied for the change to take effect, in
 * two phases that keep every Set serving:
 *
 * 1. `gain`: every stack that gains workloads or capacity. A stack that also loses some applies
 *    only its gains here: it runs the intermediate state of `./transition` (the moving Sets' old
 *    and new copies both), never written to the fleet file. Each update returns once its new
 *    Deployments are Ready (Pulumi's await).
 * 2. `remove`: every stack that loses, once the whole first phase has succeeded.
 *
 * So no Set's old copy goes before its new copy is Ready, whatever the order of the regions. A
 * dark region's stack is never listed; the Sets come up in the standby clusters from the healthy
 * stacks alone. This is Karmada's "Gracefully" purge mode (the old copy stays until the new one
 * is up) done by stack phases.
 * @see https://github.com/karmada-io/karmada/pull/6610 (per-policy `failover.cluster.purgeMode`)
 * @see https://www.pulumi.com/docs/reference/pkg/kubernetes/apps/v1/deployment (a Deployment's
 *   create or update succeeds only once it is `Available` and its new ReplicaSet rolled out)
 */
import { type FieldPath, listAllowed } from "../model/issues";
import { allClusters, clusterByName, type FleetSpec, type SetSpec } from "../model/model";
import { activeCluster, placeWorkloads, WorkloadRole } from "../tars/placement";
import { infraStackName, regionStackName } from "../model/naming";
import { stackOrder } from "../stacks/slice";

/** A value the operations write into the fleet file. */
export type FleetValue = number | boolean;

/** One value changed in the fleet file. */
export interface FleetChange {
  /** Where, from the document root, e.g. `["sets", "app.gz.1", "failedOver"]`. */
  readonly path: FieldPath;
  /** The value before, as the model reads it (defaults applied); null when the key is new. */
  readonly from: FleetValue | null;
  readonly to: FleetValue;
}

/** What a stack's update does to the workloads and node pools it owns. */
export const StackEffect = { Gains: "gains", Loses: "loses", Changes: "changes" } as const;
/** One of {@link StackEffect}. */
export type StackEffect = (typeof StackEffect)[keyof typeof StackEffect];

/** A stack to apply and why. */
export interface StackStep {
  readonly stack: string;
  /** `gains` when it only adds, `loses` when it only removes, `changes` when both. */
  readonly effect: StackEffect;
}

/** What the stacks of one phase do. */
export const PhaseEffect = { Gain: "gain", Remove: "remove" } as const;
/** One of {@link PhaseEffect}. */
export type PhaseEffect = (typeof PhaseEffect)[keyof typeof PhaseEffect];

/** One phase of an operation: its stacks, in deployment order. */
export interface OperationPhase {
  /** `gain` runs first (new copies, more capacity); `remove` once every gain is Ready. */
  readonly effect: PhaseEffect;
  readonly stacks: readonly string[];
}

/** The stacks of an operation: what each does, and the phases they run in. */
export interface StackPhases {
  /** Every stack once, gaining ones first, each group in deployment order. */
  readonly steps: readonly StackStep[];
  /** The non-empty phases in run order: `gain`, then `remove`. */
  readonly phases: readonly OperationPhase[];
}

/** An operation's plan: the file changes, the fleet after them and the stacks to apply. */
export interface OperationPlan {
  /** What the operation does, for messages: `failing over app.gz.1`. */
  readonly description: string;
  readonly changes: readonly FleetChange[];
  /** The fleet once the changes are made. */
  readonly fleet: FleetSpec;
  /**
   * Stacks to apply, in run order: the phases one after the other. A stack that both gains and
   * loses is listed twice, once in each phase.
   */
  readonly stacks: readonly string[];
  /** Every stack once, with what it does. */
  readonly steps: readonly StackStep[];
  /** The phases: the stacks that gain, then (once those are Ready) the stacks that lose. */
  readonly phases: readonly OperationPhase[];
  /**
   * The Sets whose old copies stay during the `gain` phase (`./transition`): the Sets moved.
   * Empty for `scale`, whose stacks only gain or only lose.
   */
  readonly moving: readonly string[];
  /** Stacks deliberately left out: the dark region's. */
  readonly skipped: readonly string[];
  /** Things the user should know that do not stop the operation. */
  readonly notes: readonly string[];
}

/** Which Sets an operation acts on: named ones, or every one of a region. */
export type SetTarget = { readonly sets: readonly string[] } | { readonly region: string };

/** A `scale` request: a server's replicas in one Set, or a node pool's sizes. */
export type ScaleRequest =
  | {
      readonly kind: "replicas";
      readonly server: string;
      readonly set: string;
      readonly replicas: number;
    }
  | {
      readonly kind: "pool";
      readonly cluster: string;
      readonly pool: string;
      readonly minSize?: number;
      readonly maxSize?: number;
      readonly desiredSize?: number;
    };

/**
 * An operation the fleet does not allow as asked: unknown names, a Set without a standby, a Set
 * already where it was asked to go. The message names everything; the CLI prints it alone.
 */
export class OperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OperationError";
  }
}

/** The cluster a Set would run in after moving once: its standby, or back home when failed over. */
export function otherCluster(set: SetSpec): string | undefined {
  return set.failedOver ? set.cluster : set.standby;
}

/**
 * Moves each listed Set away from the cluster it is active in now: to its standby when it runs at
 * home, back to its own cluster when it is failed over (`failedOver` toggled).
 *
 * Sets without a standby and unknown ids are left as they are; callers validate first. The
 * function is an involution: applying it twice with the same ids gives the fleet back.
 */
export function applyFailover(fleet: FleetSpec, setIds: readonly string[]): FleetSpec {
  const moving = new Set(setIds);
  return {
    ...fleet,
    sets: fleet.sets.map((s) =>
      moving.has(s.id) && s.standby !== undefined ? { ...s, failedOver: !s.failedOver } : s,
    ),
  };
}

/**
 * The stacks that must be applied to go from `before` to `after`, and their phases.
 *
 * A region's TARS stack (`<region>`) gains when one of its clusters gets a new Deployment, more
 * replicas or a warm copy turned active, and loses on the reverse; its infra stack
 * (`<region>-infra`) gains when a node pool grows and loses when one shrinks. So a failover,
 * failback or replica change names TARS stacks only. Gaining stacks (also those that lose) form
 * the `gain` phase; losing ones (also those that gain) the `remove` phase, each in deployment
 * order (`stackOrder`). Stacks named in `skipped` are left out.
 */
export function phasesToApply(
  before: FleetSpec,
  after: FleetSpec,
  skipped: readonly string[] = [],
): StackPhases {
  const gains = new Set<string>();
  const losses = new Set<string>();
  const regionOf = new Map(allClusters(after).map((c) => [c.name, c.region]));
  const note = (key: string, delta: number, stackOf: (region: string) => string) => {
    const cluster = key.split("\u0000")[0];
    const stack = stackOf(regionOf.get(cluster) ?? clusterByName(before, cluster).region);
    if (delta > 0) gains.add(stack);
    if (delta < 0) losses.add(stack);
  };
  for (const counts of [activeCounts, workloadCounts]) {
    for (const [key, delta] of countDeltas(counts(before), counts(after)))
      note(key, delta, regionStackName);
  }
  for (const [key, delta] of countDeltas(poolSizes(before), poolSizes(after)))
    note(key, delta, infraStackName);
  const order = stackOrder(after).filter((s) => !skipped.includes(s));
  const effect = (s: string): StackEffect =>
    gains.has(s) && losses.has(s)
      ? StackEffect.Changes
      : gains.has(s)
        ? StackEffect.Gains
        : StackEffect.Loses;
  const gaining = order.filter((s) => gains.has(s));
  const losing = order.filter((s) => losses.has(s));
  return {
    steps: [...gaining, ...losing.filter((s) => !gains.has(s))].map((stack) => ({
      stack,
      effect: effect(stack),
    })),
    phases: [
      { effect: PhaseEffect.Gain, stacks: gaining },
      { effect: PhaseEffect.Remove, stacks: losing },
    ].filter((p) => p.stacks.length > 0),
  };
}

/** The stacks to apply, each once, gaining ones first: {@link phasesToApply}'s `steps`. */
export function stacksToApply(
  before: FleetSpec,
  after: FleetSpec,
  skipped: readonly string[] = [],
): StackStep[] {
  return [...phasesToApply(before, after, skipped).steps];
}

/** Active (traffic-taking) replicas per `cluster\0deployment`. */
function activeCounts(fleet: FleetSpec): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of placeWorkloads(fleet)) {
    if (w.role !== WorkloadRole.Active) continue;
    const key = `${w.cluster}\u0000${w.name}`;
    counts.set(key, (counts.get(key) ?? 0) + w.replicas);
  }
  return counts;
}

/** Replicas per `cluster\0deployment`. */
function workloadCounts(fleet: FleetSpec): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of placeWorkloads(fleet)) {
    const key = `${w.cluster}\u0000${w.name}`;
    counts.set(key, (counts.get(key) ?? 0) + w.replicas);
  }
  return counts;
}

/** Each node pool size field per `cluster\0pool\0field`. */
function poolSizes(fleet: FleetSpec): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const c of allClusters(fleet)) {
    for (const p of c.nodePools) {
      sizes.set(`${c.name}\u0000${p.name}\u0000min`, p.minSize);
      sizes.set(`${c.name}\u0000${p.name}\u0000max`, p.maxSize);
      sizes.set(`${c.name}\u0000${p.name}\u0000desired`, p.desiredSize);
    }
  }
  return sizes;
}

/** `after − before` for every key of either map, where it is not zero. */
function countDeltas(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const delta = (after.get(key) ?? 0) - (before.get(key) ?? 0);
    if (delta !== 0) deltas.set(key, delta);
  }
  return deltas;
}

/** The `failedOver` change of every Set in `moving`, and the fleet after them. */
function moveSets(
  fleet: FleetSpec,
  moving: readonly SetSpec[],
  description: string,
  { skipped = [], notes = [] }: { skipped?: readonly string[]; notes?: readonly string[] } = {},
): OperationPlan {
  const after = applyFailover(
    fleet,
    moving.map((s) => s.id),
  );
  const { steps, phases } = phasesToApply(fleet, after, skipped);
  return {
    description,
    changes: moving.map((s) => ({
      path: ["sets", s.id, "failedOver"],
      from: s.failedOver,
      to: !s.failedOver,
    })),
    fleet: after,
    stacks: phases.flatMap((p) => p.stacks),
    steps,
    phases,
    moving: moving.map((s) => s.id),
    skipped,
    notes,
  };
}

/** Looks up the named Sets, refusing unknown ones (and listing the known ones). */
function namedSets(fleet: FleetSpec, ids: readonly string[]): SetSpec[] {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new OperationError("name at least one Set, or pass --region");
  const missing = unique.filter((id) => !fleet.sets.some((s) => s.id === id));
  if (missing.length > 0) throw new OperationError(unknown("Set", missing, fleet.sets));
  return unique.map((id) => fleet.sets.find((s) => s.id === id) as SetSpec);
}

/** Refuses an unknown region, listing the known ones. */
function checkRegion(fleet: FleetSpec, region: string): void {
  if (!fleet.regions.some((r) => r.name === region)) {
    throw new OperationError(unknown("region", [region], fleet.regions));
  }
}

/** `unknown Sets "a", "b", expected c, d or e`. */
function unknown(
  kind: string,
  names: readonly string[],
  known: readonly ({ id: string } | { name: string })[],
): string {
  const quoted = names.map((n) => JSON.stringify(n)).join(", ");
  const allowed = listAllowed(known.map((k) => ("id" in k ? k.id : k.name)));
  return `unknown ${kind}${names.length === 1 ? "" : "s"} ${quoted}, expected ${allowed}`;
}

function failIfAny(problems: readonly string[]): void {
  if (problems.length > 0) throw new OperationError(problems.join("\n"));
}

const setsList = (sets: readonly SetSpec[]) => sets.map((s) => s.id).join(", ");

/**
 * Plans failing Sets over to their standby clusters: named Sets, or every Set active in a region.
 *
 * Named Sets must exist, have a standby and not be failed over already; every problem is reported
 * at once. Their own region is taken to be healthy, so its stack is listed (in the remove phase).
 * With a region, the region is dark: every Set active there moves to the other cluster it can run
 * in (its standby, or back home if it had failed over into the region), the region's stack is
 * skipped, and Sets that cannot leave (no standby, or a standby in the same region) stay, with a
 * note. Throws {@link OperationError}.
 */
export function planFailover(fleet: FleetSpec, target: SetTarget): OperationPlan {
  if ("region" in target) return planRegionFailover(fleet, target.region);
  const sets = namedSets(fleet, target.sets);
  failIfAny(
    sets.flatMap((s) =>
      s.standby === undefined
        ? [
            `Set ${s.id} has no standby cluster to fail over to; set sets["${s.id}"].standby in the fleet file first`,
          ]
        : s.failedOver
          ? [
              `Set ${s.id} is already failed over to ${s.standby}; fail it back first with tarsfed failback ${s.id}`,
            ]
          : [],
    ),
  );
  return moveSets(fleet, sets, `failing over ${setsList(sets)}`);
}

function planRegionFailover(fleet: FleetSpec, region: string): OperationPlan {
  checkRegion(fleet, region);
  const regionOf = new Map(allClusters(fleet).map((c) => [c.name, c.region]));
  const active = fleet.sets.filter((s) => regionOf.get(activeCluster(s)) === region);
  if (active.length === 0) {
    throw new OperationError(`no Set is active in region ${region}, nothing to fail over`);
  }
  const movable = active.filter((s) => {
    const other = otherCluster(s);
    return other !== undefined && regionOf.get(other) !== region;
  });
  const stuck = active.filter((s) => !movable.includes(s));
  const stuckNotes = stuck.map((s) =>
    s.standby === undefined
      ? `Set ${s.id} has no standby cluster and stays down with region ${region}`
      : `Set ${s.id} can only run in ${region} (clusters ${s.cluster} and ${s.standby}) and stays down with it`,
  );
  if (movable.length === 0) {
    throw new OperationError(
      `no Set active in region ${region} can move out of it:\n${stuckNotes.join("\n")}`,
    );
  }
  const notes = [...stuckNotes];
  if (region === fleet.homeRegion) {
    notes.push(
      `${region} is the home region: the framework database, tarsweb, tarsnotify, tarsquerystat and tarsqueryproperty stay there`,
    );
  }
  const description = `failing over region ${region} (${setsList(movable)})`;
  return moveSets(fleet, movable, description, { skipped: [region], notes });
}

/**
 * Plans failing Sets back to their own clusters: named Sets, or every failed-over Set whose own
 * cluster is in a region.
 *
 * Named Sets must exist and be failed over. The Set's own cluster's stack gains (it gets the full
 * replicas back), then the standby's loses (down to the warm copy, or nothing). Throws
 * {@link OperationError}.
 */
export function planFailback(fleet: FleetSpec, target: SetTarget): OperationPlan {
  if ("region" in target) {
    checkRegion(fleet, target.region);
    const sets = fleet.sets.filter(
      (s) => s.failedOver && clusterByName(fleet, s.cluster).region === target.region,
    );
    if (sets.length === 0) {
      throw new OperationError(
        `no Set of region ${target.region} is failed over, nothing to fail back`,
      );
    }
    return moveSets(fleet, sets, `failing back region ${target.region} (${setsList(sets)})`);
  }
  const sets = namedSets(fleet, target.sets);
  failIfAny(
    sets
      .filter((s) => !s.failedOver)
      .map((s) => `Set ${s.id} is not failed over: it runs in its own cluster ${s.cluster}`),
  );
  return moveSets(fleet, sets, `failing back ${setsList(sets)}`);
}

/**
 * Plans a `scale`: a server's replicas in one Set, or a node pool's sizes.
 *
 * Names must exist (unknown ones are refused with the known ones listed). Ranges and
 * `minSize ≤ desiredSize ≤ maxSize` are left to the fleet validator, which checks the edited file.
 * Asking for the values the fleet already has plans no change. Throws {@link OperationError}.
 */
export function planScale(fleet: FleetSpec, request: ScaleRequest): OperationPlan {
  const { description, changes, after } =
    request.kind === "replicas" ? scaleReplicas(fleet, request) : scalePool(fleet, request);
  const { steps, phases } = phasesToApply(fleet, after);
  return {
    description,
    changes,
    fleet: after,
    stacks: phases.flatMap((p) => p.stacks),
    steps,
    phases,
    moving: [],
    skipped: [],
    notes: [],
  };
}

interface ScaleResult {
  readonly description: string;
  readonly changes: FleetChange[];
  readonly after: FleetSpec;
}

function scaleReplicas(
  fleet: FleetSpec,
  request: Extract<ScaleRequest, { kind: "replicas" }>,
): ScaleResult {
  const server = fleet.servers.find((s) => s.id === request.server);
  const problems: string[] = [];
  if (server === undefined) problems.push(unknown("server", [request.server], fleet.servers));
  if (!fleet.sets.some((s) => s.id === request.set)) {
    problems.push(unknown("Set", [request.set], fleet.sets));
  }
  failIfAny(problems);
  const current = server?.replicas.find((r) => r.set === request.set)?.count ?? null;
  const description = `scaling ${request.server} in ${request.set} to ${request.replicas} replicas`;
  if (current === request.replicas) return { description, changes: [], after: fleet };
  const replicas =
    current === null
      ? [...(server?.replicas ?? []), { set: request.set, count: request.replicas }]
      : (server?.replicas ?? []).map((r) =>
          r.set === request.set ? { ...r, count: request.replicas } : r,
        );
  return {
    description,
    changes: [
      {
        path: ["servers", request.server, "replicas", request.set],
        from: current,
        to: request.replicas,
      },
    ],
    after: {
      ...fleet,
      servers: fleet.servers.map((s) => (s.id === request.server ? { ...s, replicas } : s)),
    },
  };
}

const POOL_FIELDS = ["minSize", "maxSize", "desiredSize"] as const;

function scalePool(
  fleet: FleetSpec,
  request: Extract<ScaleRequest, { kind: "pool" }>,
): ScaleResult {
  const cluster = allClusters(fleet).find((c) => c.name === request.cluster);
  if (cluster === undefined) {
    throw new OperationError(unknown("cluster", [request.cluster], allClusters(fleet)));
  }
  if (cluster.existing !== undefined) {
    throw new OperationError(
      `cluster ${cluster.name} is an existing cluster: this fleet does not manage its nodes; scale it where it is managed, then update its existing.capacity`,
    );
  }
  const pool = cluster.nodePools.find((p) => p.name === request.pool);
  if (pool === undefined) {
    throw new OperationError(
      `cluster ${cluster.name} has no node pool ${JSON.stringify(request.pool)}, expected ${listAllowed(cluster.nodePools.map((p) => p.name))}`,
    );
  }
  const asked = POOL_FIELDS.filter((f) => request[f] !== undefined);
  if (asked.length === 0)
    throw new OperationError("give at least one of --min, --max and --desired");
  const base = ["regions", cluster.region, "clusters", cluster.name, "nodePools", pool.name];
  const changes: FleetChange[] = asked
    .filter((f) => request[f] !== pool[f])
    .map((f) => ({ path: [...base, f], from: pool[f], to: request[f] as number }));
  const resized = { ...pool, ...Object.fromEntries(asked.map((f) => [f, request[f]])) };
  const after: FleetSpec = {
    ...fleet,
    regions: fleet.regions.map((r) => ({
      ...r,
      clusters: r.clusters.map((c) =>
        c.name !== cluster.name
          ? c
          : { ...c, nodePools: c.nodePools.map((p) => (p.name === pool.name ? resized : p)) },
      ),
    })),
  };
  const sizes = asked.map((f) => `${f} ${request[f]}`).join(", ");
  return {
    description: `setting ${cluster.name}'s node pool ${pool.name} to ${sizes}`,
    changes,
    after,
  };
}
