/**
 * `tarsfed reprotect`: after a home-region failover, the plan to protect the other way
 * (`fleet/operations/reprotect.ts`): the Pulumi state moves, with their exact commands, and the
 * fleet edits. `--dry-run` prints it; `--yes` makes the fleet edits only (locked and checked as
 * every fleet edit) and prints the state moves, which a person runs before any `up`: they move
 * a production database between stacks, and each is checked by the preview that follows.
 */
import { Command } from "commander";
import { FleetError } from "../../fleet/model/issues";
import { parseFleet } from "../../fleet/model/load";
import { EditError, setScalars } from "../../fleet/operations/edit";
import { planReprotect, type ReprotectPlan } from "../../fleet/operations/reprotect";
import { type CommandContext } from "../context";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { FileConflictError, FileLockedError } from "../files";
import { json } from "../render";
import { defaultOperationDeps, type OperationDeps, planOrRefuse } from "./fleet-operation";

interface ReprotectFlags {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
}

/** The text rendering. */
export function renderReprotect(plan: ReprotectPlan, written: boolean): string {
  const lines = [
    `re-protecting: ${plan.newHome} becomes the home region (its promoted instance the master), ${plan.newStandby} the standby with a new replica`,
    "state moves, run by a person in this order BEFORE any up (tarsfed does not run them):",
    ...plan.stateMoves.flatMap((m) => [
      `${m.n}. ${m.description}`,
      ...m.commands.map((c) => `   ${c}`),
    ]),
    written ? "fleet edits (made):" : "fleet edits (tarsfed reprotect --yes makes them):",
    ...plan.fleetEdits.map((e) => `  ${e.path.join(".")}: ${e.from} → ${e.to}`),
    "then:",
    ...plan.after.map((a) => `  ${a}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** The `reprotect` command. */
export function reprotectCommand(
  ctx: CommandContext,
  deps: OperationDeps = defaultOperationDeps,
): Command {
  return new Command("reprotect")
    .description(
      "after tarsfed failover --region <home>: plan protecting the other way (state moves, fleet " +
        "edits); --yes makes the fleet edits only",
    )
    .option("--dry-run", "print the plan, change nothing (the default without --yes)")
    .option("--yes", "make the fleet edits (homeRegion and tars.db.standbyRegion swapped)")
    .action((flags: ReprotectFlags, command: Command) => {
      const globals = ctx.globals(command);
      const plan = planOrRefuse(() => planReprotect(ctx.load(globals.fleet).spec));
      const write = flags.yes === true && flags.dryRun !== true;
      if (write) edit(ctx, deps, globals.fleet, plan);
      ctx.io.out(
        globals.json
          ? json({ ...plan, executed: write ? "fleet edits only" : "nothing" })
          : renderReprotect(plan, write),
      );
      ctx.setExitCode(ExitCode.Ok);
    });
}

function edit(ctx: CommandContext, deps: OperationDeps, file: string, plan: ReprotectPlan): void {
  try {
    deps.locked(file, () => {
      const loaded = ctx.load(file);
      const text = setScalars(
        loaded.text,
        plan.fleetEdits.map((e) => ({ path: e.path, value: e.to })),
      );
      parseFleet(text, file);
      deps.write(file, text, loaded.text);
    });
  } catch (error) {
    if (
      error instanceof FileLockedError ||
      error instanceof FileConflictError ||
      error instanceof EditError ||
      error instanceof FleetError
    )
      throw new UserError(`refused: ${error.message}`, ExitCode.Refused);
    throw error;
  }
}
