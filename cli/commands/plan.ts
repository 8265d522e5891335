/**
 * `tarsfed plan`: the offline plan of every stack (or one), with policy findings.
 */
import * as path from "node:path";
import { Command } from "commander";
import { type LoadedFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { evaluatePolicies } from "../../policies/evaluate";
import { type CommandContext } from "../context";
import { ExitCode } from "../exit-codes";
import { writeFilesAtomic } from "../files";
import { planFleet, type PlanProgress } from "../plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { json } from "../render";
import { type Io } from "../io";
import { planTotals, renderPlanMarkdown, renderPlanText } from "./plan-render";

/** What `plan` needs besides its flags. */
export interface PlanDeps {
  readonly plan: (
    fleet: LoadedFleet,
    options: { stacks?: readonly string[]; progress?: PlanProgress },
  ) => Promise<FleetPlan>;
  /**
   * Fills each stack's `violations` with the policy rules' findings.
   *
   * @default - `evaluatePolicies`, the rules in `policies/`
   */
  readonly evaluate?: (plan: FleetPlan, fleet: FleetSpec) => FleetPlan;
}

/** The real planner and the real policy rules. */
export const defaultPlanDeps: PlanDeps = { plan: planFleet, evaluate: evaluatePolicies };

/** Progress lines on a terminal; nothing when stderr is not one. */
export function terminalProgress(io: Io): PlanProgress | undefined {
  if (!io.interactive) return undefined;
  return {
    stackStarted: (stack) => io.err(`… planning ${stack}`),
    stackDone: (stack, resources, seconds) =>
      io.err(`✔ ${stack}: ${resources} resources in ${seconds.toFixed(1)}s`),
  };
}

/** Plans `fleet` (one stack when `stack` is given) and checks it against the policy rules. */
export async function runPlan(
  fleet: LoadedFleet,
  stack: string | undefined,
  deps: PlanDeps,
  progress?: PlanProgress,
): Promise<FleetPlan> {
  const plan = await deps.plan(fleet, {
    ...(stack === undefined ? {} : { stacks: [stack] }),
    ...(progress ? { progress } : {}),
  });
  return (deps.evaluate ?? evaluatePolicies)(plan, fleet.spec);
}

interface PlanFlags {
  readonly stack?: string;
  readonly markdown?: boolean;
  readonly out?: string;
}

/** The `plan` command. */
export function planCommand(ctx: CommandContext, deps: PlanDeps = defaultPlanDeps): Command {
  return new Command("plan")
    .description("offline plan of every stack (or one): resources, outputs, policy findings")
    .option("--stack <stack>", "plan only this stack (and report only it)")
    .option("--markdown", "print markdown, for a pull-request comment")
    .option("--out <dir>", "also write plan.json and plan.md into this directory")
    .action(async (flags: PlanFlags, command: Command) => {
      const globals = ctx.globals(command);
      const fleet = ctx.load(globals.fleet);
      const plan = await runPlan(fleet, flags.stack, deps, terminalProgress(ctx.io));
      if (flags.out !== undefined) {
        const files = new Map([
          [path.join(flags.out, "plan.json"), json(plan)],
          [path.join(flags.out, "plan.md"), renderPlanMarkdown(plan)],
        ]);
        writeFilesAtomic(files);
        ctx.io.err(`wrote ${[...files.keys()].join(" and ")}`);
      }
      ctx.io.out(
        globals.json
          ? json(plan)
          : flags.markdown === true
            ? renderPlanMarkdown(plan)
            : renderPlanText(plan),
      );
      ctx.setExitCode(planTotals(plan).mandatory > 0 ? ExitCode.Refused : ExitCode.Ok);
    });
}
