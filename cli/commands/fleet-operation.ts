/**
 * The runner every fleet-editing command shares (`failover`, `failback`, `scale`, the home-region
 * procedure's edits): lock the fleet file → read it → plan → edit the text in place (comments and
 * layout kept) → validate the edited text → check capacity → write atomically if the file is
 * unchanged since it was read → unlock → print `{ changed, stacks, skipped, phases, updates }`.
 * Nothing here touches the cloud; `tarsfed up` (or `pulumi up`) applies the stacks.
 */
import {
  capacityRefusal,
  growthNeeded,
  shortfallDetail,
  shortfallsAfter,
} from "../../fleet/operations/capacity";
import { EditError, setScalars } from "../../fleet/operations/edit";
import { FleetError, formatPath } from "../../fleet/model/issues";
import { type LoadedFleet, parseFleet } from "../../fleet/model/load";
import {
  OperationError,
  type OperationPhase,
  type OperationPlan,
  PhaseEffect,
  type StackStep,
  StackEffect,
} from "../../fleet/operations/operations";
import { MOVING_SETS_ENV, readyGaps } from "../../fleet/operations/transition";
import { type CommandContext, DEFAULT_FLEET, type GlobalOptions } from "../context";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { FileConflictError, FileLockedError, replaceFileChecked, withFileLock } from "../files";
import { json } from "../render";
import { setTargets } from "../engine/targets";

/** What the operation commands need besides their flags. */
export interface OperationDeps {
  /**
   * Writes the edited fleet file, only if it still reads `expected` (else throws
   * `FileConflictError`); only called when the edit is valid and fits.
   */
  readonly write: (file: string, text: string, expected: string) => void;
  /** Runs a read-check-write of the fleet file holding its lock. */
  readonly locked: <T>(file: string, edit: () => T) => T;
}

/** The real dependencies: a lock file, and an atomic write after a content check. */
export const defaultOperationDeps: OperationDeps = {
  write: replaceFileChecked,
  locked: (file, edit) => withFileLock(file, edit),
};

/** One changed value, as `--json` prints it. */
export interface ChangedValue {
  /** Fleet path, as `validate` prints paths: `sets["app.gz.1"].failedOver`. */
  readonly path: string;
  /** The value before (defaults applied); null when the key is new. */
  readonly from: number | boolean | null;
  readonly to: number | boolean;
}

/** What an operation did, or would do with `--dry-run`. */
export interface OperationResult {
  readonly file: string;
  readonly description: string;
  readonly changed: readonly ChangedValue[];
  readonly stacks: readonly string[];
  readonly steps: readonly StackStep[];
  readonly phases: readonly OperationPhase[];
  /** The moving Sets: their old copies stay during the `gain` phase. */
  readonly moving: readonly string[];
  /**
   * Per stack to apply, the URNs its updates are targeted at: the moving Sets' own resources
   * there (`../engine/targets.ts`), the same in both phases. Empty without moving Sets.
   */
  readonly targets: Readonly<Record<string, readonly string[]>>;
  readonly skipped: readonly string[];
  readonly notes: readonly string[];
  /** Capacity shortfalls accepted with `--force`. */
  readonly warnings: readonly string[];
  readonly dryRun: boolean;
  /** Whether the fleet file was written. */
  readonly written: boolean;
}

/** How an operation runs. */
export interface OperationOptions {
  /** Plan and check only; write nothing. */
  readonly dryRun: boolean;
  /** Accept capacity shortfalls (never invalid input). */
  readonly force: boolean;
}

/** Runs a pure planner, turning its refusals into user errors. */
export function planOrRefuse<T>(planner: () => T): T {
  try {
    return planner();
  } catch (error) {
    if (error instanceof OperationError) throw new UserError(error.message, ExitCode.Refused);
    throw error;
  }
}

/** The edited text, re-validated as a fleet file; refuses with the validator's issues. */
function editAndValidate(loaded: LoadedFleet, plan: OperationPlan): LoadedFleet {
  let text: string;
  try {
    text = setScalars(
      loaded.text,
      plan.changes.map((c) => ({ path: c.path, value: c.to })),
    );
  } catch (error) {
    if (error instanceof EditError) {
      throw new UserError(`refused: ${loaded.file}: ${error.message}`, ExitCode.Refused);
    }
    throw error;
  }
  try {
    return parseFleet(text, loaded.file);
  } catch (error) {
    if (error instanceof FleetError) {
      throw new UserError(
        `refused: after ${plan.description}, ${loaded.file} would not be valid:\n${error.message}`,
        ExitCode.Refused,
      );
    }
    throw error;
  }
}

/**
 * Applies a planned operation to the fleet file.
 *
 * The edited text must pass validation, and no cluster may end up short of capacity where it
 * was not before (unless `force`; the shortfalls are then returned as warnings). With `dryRun`,
 * or when nothing changes, nothing is written. Throws `UserError` (exit 1) on refusal.
 */
export function runOperation(
  loaded: LoadedFleet,
  plan: OperationPlan,
  options: OperationOptions,
  deps: OperationDeps,
): OperationResult {
  const after = editAndValidate(loaded, plan);
  const shortfalls = shortfallsAfter(loaded.spec, after.spec);
  if (shortfalls.length > 0 && !options.force) {
    throw new UserError(
      capacityRefusal(after.spec, shortfalls, plan.description),
      ExitCode.Refused,
    );
  }
  // The phases must keep a Ready copy of every Set at every step; a gap here is a bug.
  const gaps = readyGaps(loaded.spec, after.spec, {
    phases: plan.phases,
    moving: plan.moving,
    dark: plan.skipped,
  });
  if (gaps.length > 0) {
    const list = gaps.map((g) => `${g.deployment} (Set ${g.set}) ${g.when}`).join(", ");
    throw new Error(`the phases of ${plan.description} leave no Ready copy of ${list}`);
  }
  const write = plan.changes.length > 0 && !options.dryRun;
  if (write) deps.write(loaded.file, after.text, loaded.text);
  return {
    file: loaded.file,
    description: plan.description,
    changed: plan.changes.map((c) => ({ path: formatPath(c.path), from: c.from, to: c.to })),
    stacks: plan.stacks,
    steps: plan.steps,
    phases: plan.phases,
    moving: plan.moving,
    targets: Object.fromEntries(
      plan.moving.length === 0
        ? []
        : plan.steps.map((s) => [s.stack, setTargets(plan.fleet, s.stack, plan.moving)]),
    ),
    skipped: plan.skipped,
    notes: [...plan.notes, ...growthNeeded(loaded.spec, after.spec)],
    warnings: shortfalls.map(
      (s) => `${shortfallDetail(after.spec, s, plan.description)} (--force)`,
    ),
    dryRun: options.dryRun,
    written: write,
  };
}

/** One stack's targeted update of a failover or failback, as `--json` prints it. */
export interface TargetedUpdate {
  readonly phase: PhaseEffect;
  readonly stack: string;
  /** The `tarsfed up` command that runs it alone. */
  readonly command: string;
  /** The URNs it is targeted at (`--target`, with `--target-dependents`). */
  readonly targets: readonly string[];
}

/** `--fleet F`, or nothing for the default fleet file. */
const fleetFlagOf = (fleetFile: string) =>
  fleetFile === DEFAULT_FLEET ? "" : ` --fleet ${fleetFile}`;

/**
 * Every stack update of a failover or failback, phase by phase, each targeted at the moving Sets'
 * own resources in its stack; none for an operation without moving Sets (`scale`).
 */
export function targetedUpdates(result: OperationResult, fleetFile: string): TargetedUpdate[] {
  const moving = result.moving.join(",");
  if (moving === "") return [];
  return result.phases.flatMap((p) =>
    p.stacks.map((stack) => ({
      phase: p.effect,
      stack,
      command:
        `npx tarsfed up --stack ${stack} --moving ${moving}` +
        `${p.effect === PhaseEffect.Remove ? " --phase remove" : ""} --yes${fleetFlagOf(fleetFile)}`,
      targets: result.targets[stack] ?? [],
    })),
  );
}

/**
 * The `--json` document: DESIGN.md's `{ changed, stacks, skipped }`, plus `phases`, and for a
 * failover or failback `updates`: each stack's targeted update, in run order.
 */
export function operationJson(
  result: OperationResult,
  fleetFile: string = DEFAULT_FLEET,
): {
  changed: readonly ChangedValue[];
  stacks: readonly string[];
  skipped: readonly string[];
  phases: readonly OperationPhase[];
  updates?: readonly TargetedUpdate[];
} {
  const updates = targetedUpdates(result, fleetFile);
  return {
    changed: result.changed,
    stacks: result.stacks,
    skipped: result.skipped,
    phases: result.phases,
    ...(updates.length === 0 ? {} : { updates }),
  };
}

const PHASE_TEXT: Record<PhaseEffect, string> = {
  [PhaseEffect.Gain]: "gain: new copies start, every old copy stays",
  [PhaseEffect.Remove]: "remove: once every stack above is done (its pods Ready), old copies go",
};

/** What one stack does in one phase, for the text rendering. */
function phaseStepText(result: OperationResult, effect: PhaseEffect, stack: string): string {
  const both = result.steps.find((s) => s.stack === stack)?.effect === StackEffect.Changes;
  if (effect === PhaseEffect.Gain) {
    return both ? "scales up, keeping the old copies of the moving Sets" : "scales up";
  }
  return both ? "removes the old copies" : "scales down";
}

/**
 * `pulumi up` of one stack of a failover's phase, targeted at `targets` (each quoted: a URN holds
 * `$`), one `--target` a line.
 */
function pulumiTargetedUp(env: string, stack: string, targets: readonly string[]): string[] {
  const lines = targets.map((urn) => `    --target '${urn}'`);
  return [
    `  ${env}pulumi up --stack ${stack} --target-dependents${lines.length > 0 ? " \\" : ""}`,
    ...lines.map((line, i) => (i < lines.length - 1 ? `${line} \\` : line)),
  ];
}

/**
 * The commands that run the phases: `tarsfed up` (for a failover or failback, also one stack at a
 * time), and the Pulumi CLI one stack at a time (targeted at the moving Sets' resources).
 */
function phaseCommands(result: OperationResult, fleetFile: string): string[] {
  const fleetFlag = fleetFlagOf(fleetFile);
  const moving = result.moving.join(",");
  const movingFlag = moving === "" ? "" : ` --moving ${moving}`;
  const skip = result.skipped.map((s) => ` --skip-region ${s}`).join("");
  const pulumi = result.phases.flatMap((p) =>
    p.stacks.flatMap((s) => {
      if (moving === "") return [`  pulumi up --stack ${s}`];
      const env = p.effect === PhaseEffect.Gain ? `${MOVING_SETS_ENV}=${moving} ` : "";
      return pulumiTargetedUp(env, s, result.targets[s] ?? []);
    }),
  );
  // With the moving Sets, `up --all` runs the TARS stacks only, in the two phases. A scale has no
  // moving Set: its stacks (TARS stacks for replicas, infra stacks for node pools) are named.
  const tarsfed =
    moving === ""
      ? [
          "commands, in order, each after the one before succeeded:",
          ...result.stacks.map((s) => `  npx tarsfed up --stack ${s} --yes${fleetFlag}`),
        ]
      : [
          "commands (both phases, in order, stopping if the first fails; each update is " +
            "targeted at the moving Sets' own resources, --whole-stack updates whole stacks):",
          `  npx tarsfed up --all${movingFlag}${skip} --yes${fleetFlag}`,
          "or one stack at a time, each after the one before succeeded:",
          ...targetedUpdates(result, fleetFile).map((u) => `  ${u.command}`),
        ];
  return [
    ...tarsfed,
    "or with the Pulumi CLI, one stack at a time, each after the one before succeeded:",
    ...pulumi,
  ];
}

/** The text rendering: what changed, the stacks by phase, and the commands to run. */
export function renderOperation(result: OperationResult, fleetFile: string): string {
  if (result.changed.length === 0) return `${result.description}: nothing to change\n`;
  const lines = [
    result.dryRun
      ? `${result.description}: would change ${result.file} (dry run, nothing written)`
      : `${result.description}: changed ${result.file}`,
    ...result.changed.map((c) => `  ${c.path}: ${String(c.from ?? "(unset)")} → ${String(c.to)}`),
    ...result.warnings.map((w) => `warning: ${w}`),
    ...result.notes.map((n) => `note: ${n}`),
  ];
  if (result.stacks.length > 0) {
    const width = Math.max(...result.stacks.map((s) => s.length));
    let step = 0;
    lines.push("apply these stacks, in order:");
    result.phases.forEach((phase, i) => {
      lines.push(`phase ${i + 1}, ${PHASE_TEXT[phase.effect]}`);
      for (const stack of phase.stacks) {
        step += 1;
        lines.push(
          `  ${step}. ${stack.padEnd(width)}  ${phaseStepText(result, phase.effect, stack)}`,
        );
      }
    });
  }
  for (const s of result.skipped) {
    lines.push(
      `skipped: ${s} (region down: its stack is not applied; the Sets come up from the stacks above)`,
    );
  }
  if (result.stacks.length > 0) lines.push(...phaseCommands(result, fleetFile));
  return `${lines.join("\n")}\n`;
}

/** Prints a result: one JSON document, or text; notes and warnings go to stderr with `--json`. */
export function printOperation(
  ctx: CommandContext,
  result: OperationResult,
  globals: { readonly fleet: string; readonly json: boolean },
): void {
  if (globals.json) {
    for (const w of result.warnings) ctx.io.err(`warning: ${w}`);
    for (const n of result.notes) ctx.io.err(`note: ${n}`);
    ctx.io.out(json(operationJson(result, globals.fleet)));
  } else {
    ctx.io.out(renderOperation(result, globals.fleet));
  }
  ctx.setExitCode(ExitCode.Ok);
}

/** How many times an edit is made again after the file changed under it. */
const CONFLICT_RETRIES = 1;

/**
 * Runs one read-plan-write of the fleet file, holding its lock unless `dryRun`.
 *
 * The file is read under the lock, so an edit that waited for another sees that one's result
 * (and is planned on it, or refused by it). When the file changed between the read and the
 * write anyway (a writer that takes no lock), the edit is made again from a fresh read, once,
 * with a note on stderr; a second conflict is refused. Throws `UserError` (exit 1) then, and
 * when the lock stays taken.
 */
export function editFleet(
  ctx: CommandContext,
  deps: OperationDeps,
  globals: GlobalOptions,
  options: OperationOptions,
  edit: (loaded: LoadedFleet) => OperationResult,
): OperationResult {
  const file = globals.fleet;
  if (options.dryRun) return edit(ctx.load(file));
  for (let attempt = 0; ; attempt++) {
    try {
      return deps.locked(file, () => edit(ctx.load(file)));
    } catch (error) {
      if (error instanceof FileLockedError) {
        throw new UserError(`refused: ${error.message}`, ExitCode.Refused);
      }
      if (!(error instanceof FileConflictError)) throw error;
      if (attempt >= CONFLICT_RETRIES) {
        throw new UserError(
          `refused: ${error.message} (twice); run the command again`,
          ExitCode.Refused,
        );
      }
      ctx.io.err(`note: ${error.message}; reading it again and redoing the edit`);
    }
  }
}
