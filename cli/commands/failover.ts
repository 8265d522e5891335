/**
 * `tarsfed failover` and `tarsfed failback`: move Sets to their standby clusters and back, as an
 * edit of the fleet file (`fleet-operation.ts`), and say which stacks to apply in which order.
 */
import { Command } from "commander";
import { type FleetSpec } from "../../fleet/model/model";
import {
  type OperationPlan,
  planFailback,
  planFailover,
  type SetTarget,
} from "../../fleet/operations/operations";
import { type CommandContext } from "../context";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import {
  type DatabaseProbe,
  noDatabaseProbe,
  refuseWhileDatabaseDown,
} from "../engine/db-reachability";
import {
  defaultOperationDeps,
  editFleet,
  type OperationDeps,
  planOrRefuse,
  printOperation,
  runOperation,
} from "./fleet-operation";
import {
  defaultHomeFailoverDeps,
  type HomeFailoverDeps,
  homeRegionFailover,
  withHomeFailoverOptions,
} from "./home-failover";

interface MoveFlags {
  readonly region?: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly fromStep?: string;
  readonly toStep?: string;
  readonly yes?: boolean;
}

/** Which Sets the arguments name; usage error when both or neither of Sets and `--region`. */
function targetOf(sets: readonly string[], region: string | undefined): SetTarget {
  if (sets.length > 0 && region !== undefined) {
    throw new UserError("name Sets or pass --region, not both", ExitCode.Usage);
  }
  if (sets.length === 0 && region === undefined) {
    throw new UserError("name at least one Set, or pass --region <region>", ExitCode.Usage);
  }
  return region !== undefined ? { region } : { sets };
}

function moveCommand(
  name: string,
  description: string,
  planner: (fleet: FleetSpec, target: SetTarget) => OperationPlan,
  ctx: CommandContext,
  deps: OperationDeps,
  extra: { readonly home?: HomeFailoverDeps; readonly probe?: DatabaseProbe } = {},
): Command {
  return new Command(name)
    .description(description)
    .argument("[sets...]", "Set ids, e.g. app.gz.1")
    .option("--region <region>", "every Set of this region")
    .option("--dry-run", "check and print, but do not change the fleet file")
    .option(
      "--force",
      "go ahead even when a cluster would be short of capacity, or the framework database is " +
        "unreachable; with --region <home>: go on past a fence that failed",
    )
    .action(async (sets: string[], flags: MoveFlags, command: Command) => {
      const globals = ctx.globals(command);
      const target = targetOf(sets, flags.region);
      // `failover --region <home>`: the home-region procedure (README: Losing the home region).
      if (
        extra.home !== undefined &&
        (await homeRegionFailover(ctx, globals, flags, deps, extra.home))
      )
        return;
      const options = { dryRun: flags.dryRun === true, force: flags.force === true };
      // Moved Sets' pods must register: refused while the database is unreachable.
      if (!options.dryRun)
        await refuseWhileDatabaseDown(
          extra.probe ?? noDatabaseProbe,
          ctx.load(globals.fleet),
          `${name} of ${flags.region === undefined ? sets.join(", ") : `region ${flags.region}`}`,
          options.force,
          ctx.io,
        );
      const result = editFleet(ctx, deps, globals, options, (loaded) =>
        runOperation(
          loaded,
          planOrRefuse(() => planner(loaded.spec, target)),
          options,
          deps,
        ),
      );
      printOperation(ctx, result, globals);
    });
}

/** The `failover` command. */
export function failoverCommand(
  ctx: CommandContext,
  deps: OperationDeps = defaultOperationDeps,
  home: HomeFailoverDeps = defaultHomeFailoverDeps,
  probe: DatabaseProbe = noDatabaseProbe,
): Command {
  return withHomeFailoverOptions(
    moveCommand(
      "failover",
      "run Sets (or every Set of a dark region) in their standby clusters: checks capacity, " +
        "edits the fleet file, prints the stacks to apply in order; --region <home> with " +
        "tars.db.standbyRegion runs the home-region procedure (README: Losing the home region)",
      planFailover,
      ctx,
      deps,
      { home, probe },
    ),
  );
}

/** The `failback` command. */
export function failbackCommand(
  ctx: CommandContext,
  deps: OperationDeps = defaultOperationDeps,
  probe: DatabaseProbe = noDatabaseProbe,
): Command {
  return moveCommand(
    "failback",
    "run failed-over Sets (or those of a region) in their own clusters again: checks capacity, " +
      "edits the fleet file, prints the stacks to apply in order",
    planFailback,
    ctx,
    deps,
    { probe },
  );
}
