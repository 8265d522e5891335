/**
 * The intermediate state of a failover's first phase, and the check that no Set drops to zero.
 *
 * Failing Sets over (or back) toggles their `failedOver`; the fleet file then says where they run
 * afterwards. During the `gain` phase (`./operations`) a stack that both gains and loses must not
 * yet remove the old copies: it deploys the moving Sets in both clusters, the old copy as it was
 * and the new one as it will be. That state is computed here from the fleet after the change and
 * the ids of the moving Sets (the fleet before is the same fleet with those Sets toggled back:
 * `applyFailover` is an involution). It is never written to the fleet file.
 *
 * The program learns it runs a stack's first phase from {@link MOVING_SETS_ENV}, which
 * `tarsfed up`, the offline runner and a user running `pulumi up` by hand all set the same way.
 */
import { type FleetSpec } from "../model/model";
import { applyFailover, type OperationPhase, PhaseEffect } from "./operations";
import { placeWorkloads, WorkloadRole, type WorkloadSpec } from "../tars/placement";
import { regionSlice, type RegionSlice } from "../stacks/slice";

/**
 * The environment variable that puts a TARS stack in a failover's first phase.
 *
 * Its value is the moving Sets' ids, comma-separated (`pay.cd.1,pay.nj.2`): the stack deploys
 * the fleet file's placement plus, for each of those Sets, the copy it had before the change.
 * Unset or empty: the fleet file's placement, as is. An environment value rather than stack
 * config because Pulumi writes stack config to `stacks/Pulumi.<stack>.yaml`, where a leftover
 * would keep old copies forever; an environment value lasts one run.
 */
export const MOVING_SETS_ENV = "TARSFED_MOVING_SETS";

/**
 * Reads {@link MOVING_SETS_ENV}'s value: Set ids, each known to `fleet` and with a standby.
 *
 * Returns the ids, or throws an `Error` whose message names the bad ids and the valid ones.
 */
export function parseMovingSets(fleet: FleetSpec, text: string | undefined): string[] {
  const ids = (text ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  const movable = fleet.sets.filter((s) => s.standby !== undefined).map((s) => s.id);
  const bad = ids.filter((id) => !movable.includes(id));
  if (bad.length > 0) {
    throw new Error(
      `${MOVING_SETS_ENV} names ${bad.map((id) => JSON.stringify(id)).join(", ")}, ` +
        `expected Sets with a standby: ${movable.join(", ") || "(none)"}`,
    );
  }
  return [...new Set(ids)];
}

/**
 * Every Deployment of the first phase: the union of the placements before and after the move.
 *
 * Per cluster and Deployment, the larger replica count of the two, active when it is active in
 * either (so an old copy keeps taking traffic until the second phase removes it, and a warm copy
 * being promoted is already active). With no moving Set this is `placeWorkloads(after)`.
 */
export function transitionWorkloads(after: FleetSpec, moving: readonly string[]): WorkloadSpec[] {
  if (moving.length === 0) return placeWorkloads(after);
  const before = applyFailover(after, moving);
  const merged = new Map<string, WorkloadSpec>();
  for (const w of [...placeWorkloads(after), ...placeWorkloads(before)]) {
    const key = `${w.cluster}\u0000${w.name}`;
    const seen = merged.get(key);
    if (seen === undefined) {
      merged.set(key, w);
      continue;
    }
    const active = seen.role === WorkloadRole.Active || w.role === WorkloadRole.Active;
    merged.set(key, {
      ...seen,
      role: active ? WorkloadRole.Active : WorkloadRole.WarmStandby,
      replicas: Math.max(seen.replicas, w.replicas),
    });
  }
  return [...merged.values()];
}

/**
 * A TARS stack's share of the fleet in a failover's first phase: {@link transitionWorkloads}
 * in its clusters, everything else as `regionSlice(after, region)`.
 */
export function transitionSlice(
  after: FleetSpec,
  region: string,
  moving: readonly string[],
): RegionSlice {
  const slice = regionSlice(after, region);
  if (moving.length === 0) return slice;
  const workloads = transitionWorkloads(after, moving);
  return {
    ...slice,
    clusters: slice.clusters.map((c) => ({
      ...c,
      workloads: workloads.filter((w) => w.cluster === c.cluster.name),
    })),
  };
}

/** One moment of an operation at which some Deployment has no active copy anywhere. */
export interface ReadyGap {
  /** `before phase gain`, or `after <stack> (<phase>)`. */
  readonly when: string;
  /** The Deployment name (one server of one Set). */
  readonly deployment: string;
  readonly set: string;
}

/**
 * Steps through an operation's phases, stack by stack, and reports every moment at which a
 * Deployment that runs before and after the operation has no active replica in any reachable
 * cluster.
 *
 * The state starts as `before`'s placement in every region but the `dark` ones (whose clusters
 * count as gone). A stack of the `gain` phase then deploys {@link transitionSlice} (with
 * `moving`), a stack of the `remove` phase `after`'s own slice. A Deployment that has no active
 * copy outside the dark regions to begin with is not checked: the operation cannot make that
 * worse. An empty result means no Set is ever without a Ready copy.
 */
export function readyGaps(
  before: FleetSpec,
  after: FleetSpec,
  input: {
    readonly phases: readonly OperationPhase[];
    readonly moving: readonly string[];
    readonly dark?: readonly string[];
  },
): ReadyGap[] {
  const dark = new Set(input.dark ?? []);
  const state = new Map<string, readonly WorkloadSpec[]>(
    after.regions
      .filter((r) => !dark.has(r.name))
      .map((r) => [r.name, regionSlice(before, r.name).clusters.flatMap((c) => c.workloads)]),
  );
  const serving = () => {
    const names = new Map<string, string>();
    for (const w of [...state.values()].flat()) {
      if (w.role === WorkloadRole.Active && w.replicas > 0) names.set(w.name, w.set.id);
    }
    return names;
  };
  const kept = new Set(
    placeWorkloads(after)
      .filter((w) => w.role === WorkloadRole.Active && w.replicas > 0)
      .map((w) => w.name),
  );
  const watched = new Map([...serving()].filter(([name]) => kept.has(name)));
  const gaps: ReadyGap[] = [];
  for (const phase of input.phases) {
    for (const stack of phase.stacks) {
      if (!state.has(stack)) continue; // `global`: no workloads
      const slice =
        phase.effect === PhaseEffect.Gain
          ? transitionSlice(after, stack, input.moving)
          : regionSlice(after, stack);
      state.set(
        stack,
        slice.clusters.flatMap((c) => c.workloads),
      );
      const now = serving();
      for (const [deployment, set] of watched) {
        if (!now.has(deployment)) {
          gaps.push({ when: `after ${stack} (${phase.effect})`, deployment, set });
        }
      }
    }
  }
  return gaps;
}
