/**
 * Plans every stack a fleet implies (or some of them), in dependency order, offline.
 */
import { availableParallelism } from "node:os";
import { type LoadedFleet } from "../../fleet/model/load";
import { placeWorkloads } from "../../fleet/tars/placement";
import { stackWaves, withDependencies } from "../../fleet/stacks/slice";
import { UserError } from "../errors";
import { offlineStackConfig } from "../offline/stack-config";
import { runStack, type RunStackResult, type StackOutputsForReference } from "../offline/run-stack";
import { StackPool } from "../offline/stack-pool";
import { type FleetPlan, type StackPlan } from "../../fleet/stacks/plan-document";

/** Progress of a plan, for a terminal. */
export interface PlanProgress {
  stackStarted(stack: string): void;
  stackDone(stack: string, resources: number, seconds: number): void;
}

/** Options of {@link planFleet}. */
export interface PlanFleetOptions {
  /**
   * Stacks to report; the stacks they read from (`stackDependencies`) are planned too.
   *
   * @default - every stack
   */
  readonly stacks?: readonly string[];
  readonly progress?: PlanProgress;
  /**
   * Worker threads for the stacks of one wave (the regions besides home plan in parallel).
   *
   * Used only when a wave has several stacks and at least {@link PARALLEL_MIN_WORKLOADS} Set
   * Deployments between them: a worker costs about a second to start.
   *
   * @default - half the machine's available parallelism: V8's garbage collector already keeps a
   *   second core busy, and on two cores two workers plan slower than one thread (measured)
   */
  readonly workers?: number;
  /** Passed to every in-process stack run; see `RunStackInput.onRegistration`. @default - none */
  readonly onRegistration?: () => void;
  /**
   * Environment values every stack runs with; see `RunStackInput.env`.
   *
   * @default - the process's environment as it is
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** Set Deployments a wave needs before its stacks are planned in worker threads. */
export const PARALLEL_MIN_WORKLOADS = 250;

/** How many workers a wave gets: none when it is small or the machine has one core. */
function workersFor(fleet: LoadedFleet, wave: readonly string[], limit: number): number {
  if (wave.length < 2 || limit < 2) return 0;
  const inWave = new Set(wave);
  const regionOfCluster = new Map(
    fleet.spec.regions.flatMap((r) => r.clusters.map((c) => [c.name, r.name])),
  );
  const workloads = placeWorkloads(fleet.spec).filter((w) =>
    inWave.has(regionOfCluster.get(w.cluster) ?? ""),
  ).length;
  return workloads >= PARALLEL_MIN_WORKLOADS ? Math.min(limit, wave.length) : 0;
}

/** Plans `fleet`'s stacks offline; policy findings are added by the caller. */
export async function planFleet(
  fleet: LoadedFleet,
  options: PlanFleetOptions = {},
): Promise<FleetPlan> {
  const waves = stackWaves(fleet.spec);
  const order = waves.flat();
  const wanted = options.stacks ?? order;
  for (const stack of wanted) {
    if (!order.includes(stack))
      throw new UserError(`unknown stack "${stack}", expected one of ${order.join(", ")}`, 2);
  }
  // A stack reads the outputs of the stacks it references: plan those first even when not asked.
  const needed = new Set(withDependencies(fleet.spec, wanted));
  const references = new Map<string, StackOutputsForReference>();
  const results = new Map<string, RunStackResult>();
  for (const wave of waves.map((w) => w.filter((s) => needed.has(s)))) {
    const size = workersFor(fleet, wave, options.workers ?? Math.floor(availableParallelism() / 2));
    const pool = size > 0 ? new StackPool(size) : undefined;
    try {
      const run = async (stack: string) => {
        const started = Date.now();
        options.progress?.stackStarted(stack);
        const { config, secretKeys } = offlineStackConfig(fleet.spec, fleet.file, stack);
        const input = {
          stack,
          config,
          secretKeys,
          references,
          onRegistration: options.onRegistration,
          ...(options.env === undefined ? {} : { env: options.env }),
        };
        const result = pool === undefined ? await runStack(input) : await pool.run(input);
        options.progress?.stackDone(stack, result.resources.length, (Date.now() - started) / 1000);
        results.set(stack, result);
      };
      if (pool === undefined) for (const stack of wave) await run(stack);
      else await Promise.all(wave.map(run));
    } finally {
      await pool?.close();
    }
    for (const stack of wave)
      references.set(stack, (results.get(stack) as RunStackResult).referenceOutputs);
  }
  const stacks: StackPlan[] = order
    .filter((s) => wanted.includes(s))
    .map((name) => {
      const result = results.get(name) as RunStackResult;
      return { name, resources: result.resources, outputs: result.outputs, violations: [] };
    });
  return { fleet: fleet.spec.name, stacks };
}
