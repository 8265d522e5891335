/**
 * `tarsfed diff --base <fleet file>`: what changes between two fleet files, per stack, with
 * replacements marked. Both fleets are planned offline and their plans compared.
 */
import { Command } from "commander";
import { type LoadedFleet } from "../../fleet/model/load";
import { stackOrder } from "../../fleet/stacks/slice";
import { type CommandContext } from "../context";
import { diffPlans, type FleetDiff } from "../diff/compare";
import { renderDiffMarkdown, renderDiffText } from "../diff/render";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { type Io } from "../io";
import { planFleet, type PlanProgress } from "../plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { json } from "../render";
import { type PlanDeps } from "./plan";

/** What `diff` needs besides its flags. */
export interface DiffDeps {
  /** The offline planner, as `plan` uses it; policy findings play no part in a diff. */
  readonly plan: PlanDeps["plan"];
}

/** The two fleets to compare. */
export interface DiffInput {
  /** The fleet as it is (deployed, or on the target branch). */
  readonly base: LoadedFleet;
  /** The fleet as it would be. */
  readonly head: LoadedFleet;
  /**
   * Compare only this stack.
   *
   * @default - every stack of either fleet
   */
  readonly stack?: string;
}

/** Which stacks to plan for one side, or `[]` when the side has no such stack. */
function stacksToPlan(fleet: LoadedFleet, stack: string | undefined): string[] | undefined {
  if (stack === undefined) return undefined;
  return stackOrder(fleet.spec).includes(stack) ? [stack] : [];
}

async function planSide(
  fleet: LoadedFleet,
  stacks: string[] | undefined,
  deps: DiffDeps,
  progress: PlanProgress | undefined,
): Promise<FleetPlan> {
  if (stacks !== undefined && stacks.length === 0) return { fleet: fleet.spec.name, stacks: [] };
  return deps.plan(fleet, {
    ...(stacks === undefined ? {} : { stacks }),
    ...(progress ? { progress } : {}),
  });
}

/**
 * Plans the base, then the head, and compares them.
 *
 * The two plans run one after the other: Pulumi's runtime state is global to the process.
 */
export async function runDiff(
  input: DiffInput,
  deps: DiffDeps,
  progress?: (side: "base" | "head") => PlanProgress | undefined,
): Promise<FleetDiff> {
  const baseStacks = stacksToPlan(input.base, input.stack);
  const headStacks = stacksToPlan(input.head, input.stack);
  if (input.stack !== undefined && baseStacks?.length === 0 && headStacks?.length === 0) {
    const known = [...new Set([...stackOrder(input.head.spec), ...stackOrder(input.base.spec)])];
    throw new UserError(
      `unknown stack "${input.stack}", expected one of ${known.join(", ")}`,
      ExitCode.Usage,
    );
  }
  const base = await planSide(input.base, baseStacks, deps, progress?.("base"));
  const head = await planSide(input.head, headStacks, deps, progress?.("head"));
  return diffPlans(base, head);
}

/** Progress lines on a terminal, naming the side; nothing when stderr is not one. */
function diffProgress(io: Io): ((side: "base" | "head") => PlanProgress | undefined) | undefined {
  if (!io.interactive) return undefined;
  return (side) => ({
    stackStarted: (stack) => io.err(`… planning ${side} ${stack}`),
    stackDone: (stack, resources, seconds) =>
      io.err(`✔ ${side} ${stack}: ${resources} resources in ${seconds.toFixed(1)}s`),
  });
}

interface DiffFlags {
  readonly base: string;
  readonly stack?: string;
  readonly markdown?: boolean;
}

/** The `diff` command. */
export function diffCommand(ctx: CommandContext, deps: DiffDeps = { plan: planFleet }): Command {
  return new Command("diff")
    .description("what changes between two fleet files, per stack, with replacements marked")
    .requiredOption("--base <file>", "the fleet file to compare against (e.g. the deployed one)")
    .option("--stack <stack>", "compare only this stack")
    .option("--markdown", "print markdown, for a pull-request comment")
    .action(async (flags: DiffFlags, command: Command) => {
      const globals = ctx.globals(command);
      const base = ctx.load(flags.base);
      const head = ctx.load(globals.fleet);
      const input = { base, head, ...(flags.stack === undefined ? {} : { stack: flags.stack }) };
      const diff = await runDiff(input, deps, diffProgress(ctx.io));
      ctx.io.out(
        globals.json
          ? json(diff)
          : flags.markdown === true
            ? renderDiffMarkdown(diff, { base: flags.base, head: globals.fleet })
            : renderDiffText(diff),
      );
      // Reporting is the whole job: changes, even replacements, are not a refusal.
      ctx.setExitCode(ExitCode.Ok);
    });
}
