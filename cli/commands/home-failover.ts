/**
 * `tarsfed failover --region <home>` on a fleet with `tars.db.standbyRegion`: the home-region
 * procedure (`fleet/operations/home-failover.ts`), printed with `--dry-run` and run step by step
 * otherwise, each step printed with what to check, stopping at the first failure with the command
 * that resumes there (`--from-step`), since a real outage may need to be finished by hand.
 *
 * The one-off programs run through `../engine/one-off.ts`; the fleet edits through the same
 * locked, checked write as every Set failover (`./failover.ts`); the updates of the fleet's
 * stacks through the same orchestration as `tarsfed up` (`../engine/orchestrate.ts`: preview,
 * judged, saved plan, the project's policy pack), without the refusals `up` makes while the
 * database is unreachable: the procedure's updates run after the new master is up.
 */
import { type Command } from "commander";
import {
  HomeFailoverStep,
  type HomeFailoverPlan,
  type HomeFailoverStepPlan,
  homeWithoutStandby,
  isHomeFailover,
  planHomeFailover,
  STEP_ORDER,
  stepIndex,
} from "../../fleet/operations/home-failover";
import { type CommandContext, DEFAULT_FLEET, type GlobalOptions } from "../context";
import { automationEngine } from "../engine/automation";
import { automationOneOff } from "../engine/one-off";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { json } from "../render";
import { type EngineDeps, PROJECT_ROOT } from "./engine";
import { type OperationDeps, planOrRefuse } from "./fleet-operation";
import { type HomeFailoverDeps, type HomeFailoverFlags, StepRunner } from "./home-failover-steps";

export type { HomeFailoverDeps, HomeFailoverFlags } from "./home-failover-steps";

/** The real engines over the project directory. */
export const defaultHomeFailoverDeps: HomeFailoverDeps = {
  oneOff: () => automationOneOff(PROJECT_ROOT),
  engine: () => automationEngine(PROJECT_ROOT),
};

/**
 * The procedure's engines from `tarsfed`'s engine dependencies (`npm run e2e` gives inline ones):
 * its stack updates run on `deps.engine`, its one-off programs on `deps.oneOff`.
 */
export function homeFailoverDeps(deps?: EngineDeps): HomeFailoverDeps {
  if (deps === undefined) return defaultHomeFailoverDeps;
  return {
    engine: () => deps.engine,
    oneOff: () => deps.oneOff ?? automationOneOff(PROJECT_ROOT),
    ...(deps.policyPack === undefined ? {} : { policyPack: deps.policyPack }),
    ...(deps.history === undefined ? {} : { history: deps.history }),
  };
}

/**
 * The steps `--by-hand` may name: those that change Tencent Cloud resources (the fence, the
 * promotion, the DNS record's update). A person who made such a change by hand (console, API, or
 * because the provider cannot run where the procedure runs) says so, and the procedure makes only
 * the step's fleet edit, if it has one.
 */
export const BY_HAND_STEPS: readonly HomeFailoverStep[] = [
  HomeFailoverStep.Fence,
  HomeFailoverStep.Promote,
  HomeFailoverStep.RepointDns,
];

/** Adds the procedure's options to `failover`. */
export function withHomeFailoverOptions(command: Command): Command {
  return command
    .option(
      "--from-step <step>",
      "with --region <home>: start the procedure at this step (number or name), to resume it",
    )
    .option("--to-step <step>", "with --region <home>: stop after this step (number or name)")
    .option(
      "--by-hand <steps>",
      `with --region <home>: steps whose cloud change was made by hand, comma-separated (${BY_HAND_STEPS.join(", ")}): their programs and infra updates do not run, their fleet edits are made`,
    )
    .option("--yes", "with --region <home>: confirm: the procedure changes cloud resources");
}

/** The `--dry-run --json` document. */
export function procedureJson(plan: HomeFailoverPlan) {
  return {
    procedure: plan.procedure,
    lostRegion: plan.lostRegion,
    standbyRegion: plan.standbyRegion,
    steps: plan.steps.map((s) => ({
      n: s.n,
      name: s.name,
      summary: s.summary,
      stacks: s.stacks,
      resources: s.resources,
      ...(s.command === undefined ? {} : { command: s.command }),
      ...(s.program === undefined ? {} : { program: s.program }),
      check: s.check,
      ...(s.done === true ? { done: true } : {}),
    })),
  };
}

const fleetFlag = (file: string) => (file === DEFAULT_FLEET ? "" : ` --fleet ${file}`);

/** The numbered list a person can follow. */
export function renderProcedure(plan: HomeFailoverPlan, fleetFile: string): string {
  const lines = [
    `losing the home region ${plan.lostRegion}: the database, tarsweb and the Sets move to ${plan.standbyRegion} (dry run, nothing changed)`,
  ];
  for (const s of plan.steps) {
    lines.push(
      `${s.n}. ${s.name}: ${s.summary}${s.done === true ? " (done: the fleet file says so)" : ""}`,
    );
    lines.push(`   stacks: ${s.stacks.join(", ") || "none"}`);
    for (const r of s.resources)
      lines.push(`   - ${r.type} ${r.name}${r.urn === undefined ? "" : ` (${r.urn})`}`);
    if (s.program !== undefined) lines.push(`   program: ${s.program}`);
    if (s.command !== undefined) lines.push(`   command: ${s.command}`);
    lines.push(`   check before going on: ${s.check}`);
  }
  lines.push(...plan.notes.map((n) => `note: ${n}`));
  const base = `npx tarsfed failover --region ${plan.lostRegion}${fleetFlag(fleetFile)}`;
  lines.push(`run it: ${base} --yes`, `resume at a step: ${base} --from-step <n|name> --yes`);
  return `${lines.join("\n")}\n`;
}

/** The steps `--from-step` and `--to-step` choose, as 1-based bounds; usage error otherwise. */
export function stepRange(flags: HomeFailoverFlags): { from: number; to: number } {
  const parse = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = stepIndex(text);
    if (n === undefined)
      throw new UserError(
        `${flag} ${text}: no such step; give 1 to ${STEP_ORDER.length} or one of ${STEP_ORDER.join(", ")}`,
        ExitCode.Usage,
      );
    return n;
  };
  const from = parse("--from-step", flags.fromStep, 1);
  const to = parse("--to-step", flags.toStep, STEP_ORDER.length);
  if (from > to)
    throw new UserError(`--from-step ${from} comes after --to-step ${to}`, ExitCode.Usage);
  return { from, to };
}

/** The steps `--by-hand` names, by number; usage error for an unknown step or one without a cloud change. */
export function byHandSteps(flags: HomeFailoverFlags): ReadonlySet<number> {
  const steps = new Set<number>();
  for (const text of (flags.byHand ?? "").split(",").map((s) => s.trim())) {
    if (text === "") continue;
    const n = stepIndex(text);
    const name = n === undefined ? undefined : STEP_ORDER[n - 1];
    if (name === undefined || !BY_HAND_STEPS.includes(name))
      throw new UserError(
        `--by-hand ${text}: ${name === undefined ? "no such step" : `${name} changes no cloud resource`}; give steps among ${BY_HAND_STEPS.map((s) => `${STEP_ORDER.indexOf(s) + 1} (${s})`).join(", ")}`,
        ExitCode.Usage,
      );
    steps.add(n as number);
  }
  return steps;
}

/** One step's outcome in a real run. */
export interface StepOutcome {
  readonly n: number;
  readonly name: string;
  /** `by-hand`: `--by-hand` named it; only its fleet edit was made. */
  readonly status: "done" | "by-hand" | "failed" | "skipped";
  readonly message?: string;
}

/**
 * Runs the procedure when `failover --region` names the home region of a fleet with a database
 * standby, and returns true; refuses the home region of a fleet without one (unless `--force`,
 * which fails its Sets over as before); returns false for any other region.
 */
export async function homeRegionFailover(
  ctx: CommandContext,
  globals: GlobalOptions,
  flags: HomeFailoverFlags,
  operation: OperationDeps,
  deps: HomeFailoverDeps,
): Promise<boolean> {
  const stepFlags =
    flags.fromStep !== undefined || flags.toStep !== undefined || flags.byHand !== undefined;
  if (flags.region === undefined) {
    if (stepFlags)
      throw new UserError(
        "--from-step, --to-step and --by-hand go with --region <home>",
        ExitCode.Usage,
      );
    return false;
  }
  const loaded = ctx.load(globals.fleet);
  if (!isHomeFailover(loaded.spec, flags.region)) {
    const refusal = homeWithoutStandby(loaded.spec, flags.region);
    if (refusal !== undefined && flags.force !== true)
      throw new UserError(refusal, ExitCode.Refused);
    if (stepFlags)
      throw new UserError(
        `--from-step, --to-step and --by-hand name steps of the home-region procedure; ${flags.region} fails its Sets over in one edit`,
        ExitCode.Usage,
      );
    return false;
  }
  const plan = planOrRefuse(() => planHomeFailover(loaded.spec, flags.region as string));
  const range = stepRange(flags);
  const byHand = byHandSteps(flags);
  if (flags.dryRun === true) {
    for (const n of plan.notes) if (globals.json) ctx.io.err(`note: ${n}`);
    ctx.io.out(globals.json ? json(procedureJson(plan)) : renderProcedure(plan, globals.fleet));
    ctx.setExitCode(ExitCode.Ok);
    return true;
  }
  if (flags.yes !== true)
    throw new UserError(
      `the home-region procedure changes cloud resources; review it with --dry-run, then pass --yes`,
      ExitCode.Usage,
    );
  const outcomes = await runProcedure(ctx, globals, flags, operation, deps, { ...range, byHand });
  const failed = outcomes.find((o) => o.status === "failed");
  const document = {
    procedure: plan.procedure,
    lostRegion: plan.lostRegion,
    standbyRegion: plan.standbyRegion,
    steps: outcomes,
  };
  ctx.io.out(
    globals.json
      ? json(document)
      : outcomes
          .map(
            (o) =>
              `${o.n}. ${o.name}: ${o.status}${o.message === undefined ? "" : ` (${o.message})`}`,
          )
          .join("\n") + "\n",
  );
  ctx.setExitCode(failed === undefined ? ExitCode.Ok : failedExit(failed));
  return true;
}

const failedExit = (o: StepOutcome): ExitCode =>
  o.message?.startsWith("refused") === true ? ExitCode.Refused : ExitCode.Remote;

/** Runs steps `range.from` to `range.to`, re-reading the fleet before each. */
async function runProcedure(
  ctx: CommandContext,
  globals: GlobalOptions,
  flags: HomeFailoverFlags,
  operation: OperationDeps,
  deps: HomeFailoverDeps,
  range: { from: number; to: number; byHand: ReadonlySet<number> },
): Promise<StepOutcome[]> {
  const region = flags.region as string;
  const runner = new StepRunner(ctx, globals, flags, operation, deps);
  const outcomes: StepOutcome[] = [];
  for (let n = range.from; n <= range.to; n++) {
    const loaded = ctx.load(globals.fleet);
    const step: HomeFailoverStepPlan | undefined = planHomeFailover(loaded.spec, region).steps[
      n - 1
    ];
    if (step === undefined) break;
    ctx.io.err(`step ${n}/${STEP_ORDER.length} ${step.name}: ${step.summary}`);
    const byHand = range.byHand.has(n);
    try {
      if (byHand)
        ctx.io.err(
          `step ${n}: its cloud change was made by hand (--by-hand), not run here: ${step.program ?? step.command ?? ""}`,
        );
      await runner.run(step, loaded, byHand);
      outcomes.push({
        n,
        name: step.name,
        status: byHand ? "by-hand" : "done",
        ...(byHand
          ? {
              message: `cloud change made by hand${step.action.edits === undefined ? "" : "; fleet edit made"}`,
            }
          : {}),
      });
      ctx.io.err(`step ${n} ${byHand ? "by hand" : "done"}; check before going on: ${step.check}`);
    } catch (error) {
      if (!(error instanceof Error) || error.name === "TypeError" || error.name === "RangeError")
        throw error;
      const reason = error.message;
      if (step.name === HomeFailoverStep.Fence && flags.force === true) {
        ctx.io.err(
          `warning: step ${n} ${step.name} failed (${reason}); going on unfenced (--force): the old master comes back writable with ${region}, and servers still connected to it may write there. Fence it as soon as the region's API answers: npx tarsfed failover --region ${region}${fleetFlag(globals.fleet)} --from-step ${step.name} --to-step ${step.name} --yes`,
        );
        outcomes.push({
          n,
          name: step.name,
          status: "skipped",
          message: `failed, --force: ${reason}`,
        });
        continue;
      }
      const resume = `npx tarsfed failover --region ${region}${fleetFlag(globals.fleet)} --from-step ${step.name} --yes`;
      const force =
        step.name === HomeFailoverStep.Fence
          ? `; or, accepting that the old master comes back writable with ${region}, go on with --force`
          : "";
      ctx.io.err(
        `step ${n} ${step.name} failed: ${reason}\nnothing after it ran. Fix the cause, or do the step by hand (${step.command ?? step.program ?? ""}), then resume with: ${resume}${force}`,
      );
      outcomes.push({ n, name: step.name, status: "failed", message: reason });
      break;
    }
  }
  return outcomes;
}
