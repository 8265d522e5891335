/**
 * Runs `preview` or `up` over the fleet's stacks in dependency order, over any {@link Engine}.
 *
 * Stacks go wave by wave (`stackWaves`: `global`, then the home region, then every other region
 * in parallel); a stack that fails or is refused stops the waves after its own, since those read
 * its outputs. Before an update, the stack is previewed and refused when the preview deletes
 * (or replaces) more than a set share of what the stack holds, so a fleet-file slip cannot wipe
 * a region without `--allow-deletes`.
 */
import { performance } from "node:perf_hooks";
import { type LoadedFleet } from "../../fleet/load";
import { type FleetSpec } from "../../fleet/model";
import { GLOBAL_STACK } from "../../fleet/naming";
import { stackOrder, stackWaves } from "../../fleet/slice";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { type Engine, type EngineRunOptions, EngineRunError, type OpCounts } from "./engine";

/** The engine commands. */
export const EngineCommand = { Preview: "preview", Up: "up" } as const;

/** One of {@link EngineCommand}. */
export type EngineCommand = (typeof EngineCommand)[keyof typeof EngineCommand];

/** What happened to one stack. */
export const StackStatus = {
  /** Previewed (or updated) successfully. */
  Ok: "ok",
  /** Not updated: too many deletions, a mandatory policy violation, or a config mismatch. */
  Refused: "refused",
  /** The engine failed (cloud, backend or program error). */
  Failed: "failed",
  /** Left out with `--skip-region`. */
  Skipped: "skipped",
  /** Not run because a stack of an earlier wave did not succeed. */
  NotRun: "not-run",
} as const;

/** One of {@link StackStatus}. */
export type StackStatus = (typeof StackStatus)[keyof typeof StackStatus];

/** Resource operations of one stack, as `--json` prints them. */
export interface ChangeCounts {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  readonly same: number;
}

/** One stack's outcome. */
export interface StackRunResult {
  readonly name: string;
  readonly status: StackStatus;
  /** The operations previewed (or, after `up`, performed); null when the engine never said. */
  readonly changes: ChangeCounts | null;
  /** Why the stack was refused, failed, skipped or not run. */
  readonly message?: string;
}

/** What `preview` and `up` print with `--json`. */
export interface EngineRunResult {
  readonly command: EngineCommand;
  /** Every selected stack, in deployment order, skipped ones included. */
  readonly stacks: readonly StackRunResult[];
}

/** Which stacks a run covers, as given on the command line. */
export interface StackSelectionFlags {
  readonly stack?: string;
  readonly all: boolean;
  readonly skipRegions: readonly string[];
}

/** The stacks to run, as waves, and the ones left out. */
export interface StackSelection {
  /** Stacks to run: each wave after the one before, stacks of a wave in parallel. */
  readonly waves: readonly (readonly string[])[];
  /** Stacks left out with `--skip-region`. */
  readonly skipped: readonly string[];
  /** Every selected stack, in deployment order (what the result reports). */
  readonly order: readonly string[];
}

const usage = (message: string) => new UserError(message, ExitCode.Usage);

function checkSkipRegions(fleet: FleetSpec, skipRegions: readonly string[]): void {
  const regions = fleet.regions.map((r) => r.name);
  for (const region of skipRegions) {
    if (region === GLOBAL_STACK)
      throw usage("--skip-region global: the global stack cannot be skipped (it is not a region)");
    if (!regions.includes(region))
      throw usage(
        `--skip-region ${region}: no region "${region}" in the fleet (regions: ${regions.join(", ")})`,
      );
  }
}

/** The stacks `flags` select from `fleet`; throws `UserError` (exit 2) on bad flags. */
export function selectStacks(fleet: FleetSpec, flags: StackSelectionFlags): StackSelection {
  if (flags.stack !== undefined && flags.all) throw usage("give --stack S or --all, not both");
  if (flags.stack === undefined && !flags.all) throw usage("give --stack S or --all");
  const all = stackOrder(fleet);
  if (flags.stack !== undefined && !all.includes(flags.stack))
    throw usage(
      `--stack ${flags.stack}: no stack "${flags.stack}" in the fleet (stacks: ${all.join(", ")})`,
    );
  checkSkipRegions(fleet, flags.skipRegions);
  const order = flags.stack === undefined ? all : [flags.stack];
  const skipped = order.filter((s) => flags.skipRegions.includes(s));
  const waves = stackWaves(fleet)
    .map((wave) => wave.filter((s) => order.includes(s) && !skipped.includes(s)))
    .filter((wave) => wave.length > 0);
  return { waves, skipped, order };
}

/** What a run needs besides the engine. */
export interface RunEngineInput {
  readonly command: EngineCommand;
  readonly fleet: LoadedFleet;
  readonly selection: StackSelection;
  /** Update even when a preview deletes more than `maxDeleteShare` of a stack. */
  readonly allowDeletes: boolean;
  /** The largest share (0 to 1) of a stack's resources an update may delete or replace. */
  readonly maxDeleteShare: number;
  /** CrossGuard policy packs to enforce (absolute directories). */
  readonly policyPacks: readonly string[];
  /** Whether the engine may colour its output. */
  readonly color: boolean;
}

/** Where a run reports progress. */
export interface EngineProgress {
  /** One line of the engine's output for `stack`. */
  output(stack: string, line: string): void;
  /** `stack` starts. */
  stackStarted(stack: string): void;
  /** `stack` is done, after `seconds`. */
  stackDone(result: StackRunResult, seconds: number): void;
}

/** The counts `--json` prints, from the engine's operation map. */
export function changeCounts(ops: OpCounts): ChangeCounts {
  return {
    create: ops.create ?? 0,
    update: ops.update ?? 0,
    delete: ops.delete ?? 0,
    replace: ops.replace ?? 0,
    same: ops.same ?? 0,
  };
}

const percent = (share: number) => `${Number((share * 100).toFixed(1))}%`;

/**
 * Why an update of `stack` previewed as `ops` must not go ahead, or undefined when it may.
 *
 * A replacement deletes the old resource too, so it counts as a deletion. A preview of a stack
 * that holds resources always counts them (at least as `same`); an empty summary means the
 * engine's summary event was lost (Automation API then returns `{}`, `Stack.preview` in
 * https://github.com/pulumi/pulumi/blob/v3.248.0/sdk/nodejs/automation/stack.ts), so the
 * deletions are unknown and the update is refused too.
 */
export function deletionRefusal(
  stack: string,
  ops: OpCounts,
  currentResources: number,
  input: Pick<RunEngineInput, "allowDeletes" | "maxDeleteShare">,
): string | undefined {
  if (input.allowDeletes) return undefined;
  const override = `review it with \`tarsfed preview --stack ${stack}\`, then pass --allow-deletes to go ahead`;
  if (currentResources > 0 && Object.keys(ops).length === 0)
    return `the preview of ${stack} reported no change summary, so what up would delete is unknown; ${override}`;
  const changes = changeCounts(ops);
  const deletions = changes.delete + changes.replace;
  const share = deletions / Math.max(1, currentResources);
  if (share <= input.maxDeleteShare) return undefined;
  return (
    `up of ${stack} would delete or replace ${deletions} of its ${currentResources} resources ` +
    `(${percent(share)}), more than the ${percent(input.maxDeleteShare)} --max-delete-share ` +
    `allows; ${override}`
  );
}

function failure(name: string, changes: ChangeCounts | null, error: unknown): StackRunResult {
  if (error instanceof EngineRunError && error.policyViolations.length > 0) {
    const lines = error.policyViolations.map((v) => `  ${v}`).join("\n");
    const message = `mandatory policy violations:\n${lines}`;
    return { name, status: StackStatus.Refused, changes, message };
  }
  if (error instanceof UserError)
    return { name, status: StackStatus.Refused, changes, message: error.message };
  if (error instanceof EngineRunError)
    return { name, status: StackStatus.Failed, changes, message: error.message };
  // Anything else is a bug in tarsfed, not a cloud failure.
  throw error;
}

async function runStack(
  name: string,
  input: RunEngineInput,
  engine: Engine,
  progress: EngineProgress,
): Promise<StackRunResult> {
  const options: EngineRunOptions = {
    onOutput: (line) => progress.output(name, line),
    color: input.color,
    ...(input.policyPacks.length > 0 ? { policyPacks: input.policyPacks } : {}),
  };
  let changes: ChangeCounts | null = null;
  try {
    const stack = await engine.openStack(name, input.fleet);
    const { changeSummary } = await stack.preview(options);
    changes = changeCounts(changeSummary);
    if (input.command === EngineCommand.Preview) return { name, status: StackStatus.Ok, changes };
    const refusal = deletionRefusal(name, changeSummary, await stack.resourceCount(), input);
    if (refusal !== undefined)
      return { name, status: StackStatus.Refused, changes, message: refusal };
    const { summary } = await stack.up(options);
    if (summary.result !== "succeeded") {
      const message = `the update ended with result "${summary.result}"`;
      return { name, status: StackStatus.Failed, changes, message };
    }
    // What the update did, when the engine reported it; else what the preview said it would do.
    if (summary.resourceChanges !== undefined) changes = changeCounts(summary.resourceChanges);
    return { name, status: StackStatus.Ok, changes };
  } catch (error) {
    return failure(name, changes, error);
  }
}

async function timed(
  name: string,
  progress: EngineProgress,
  run: () => Promise<StackRunResult>,
): Promise<StackRunResult> {
  const startedMs = performance.now();
  progress.stackStarted(name);
  const result = await run();
  progress.stackDone(result, (performance.now() - startedMs) / 1000);
  return result;
}

/** Runs every stack of one wave in parallel; waits for all before reporting a bug in any. */
async function runWave(
  wave: readonly string[],
  input: RunEngineInput,
  engine: Engine,
  progress: EngineProgress,
): Promise<StackRunResult[]> {
  const settled = await Promise.allSettled(
    wave.map((name) => timed(name, progress, () => runStack(name, input, engine, progress))),
  );
  const bug = settled.find((s) => s.status === "rejected");
  if (bug !== undefined) throw bug.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<StackRunResult>).value);
}

/** Runs `input.command` over the selected stacks, wave by wave. */
export async function runEngine(
  input: RunEngineInput,
  engine: Engine,
  progress: EngineProgress,
): Promise<EngineRunResult> {
  const results = new Map<string, StackRunResult>();
  for (const name of input.selection.skipped) {
    const message = `left out with --skip-region ${name}`;
    results.set(name, { name, status: StackStatus.Skipped, changes: null, message });
  }
  const blockers: string[] = [];
  for (const wave of input.selection.waves) {
    if (blockers.length > 0) {
      const message = `${blockers.join(", ")} did not succeed`;
      for (const name of wave)
        results.set(name, { name, status: StackStatus.NotRun, changes: null, message });
      continue;
    }
    for (const result of await runWave(wave, input, engine, progress)) {
      results.set(result.name, result);
      if (result.status !== StackStatus.Ok) blockers.push(result.name);
    }
  }
  return {
    command: input.command,
    stacks: input.selection.order.flatMap((name) => results.get(name) ?? []),
  };
}

/** The exit code of a run: 3 when the engine failed anywhere, 1 when a stack was refused. */
export function engineExitCode(result: EngineRunResult): ExitCode {
  const statuses = new Set(result.stacks.map((s) => s.status));
  if (statuses.has(StackStatus.Failed)) return ExitCode.Remote;
  if (statuses.has(StackStatus.Refused)) return ExitCode.Refused;
  return ExitCode.Ok;
}
