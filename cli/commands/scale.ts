/**
 * `tarsfed scale`: a server's replicas in one Set, or a node pool's sizes, changed in the fleet
 * file with the same checks and the same care as `failover` (validation, capacity, comments and
 * layout kept, the file locked, atomic write).
 */
import { Command, InvalidArgumentError } from "commander";
import { planScale, type ScaleRequest } from "../../fleet/operations/operations";
import { type CommandContext } from "../context";
import {
  type DatabaseProbe,
  noDatabaseProbe,
  refuseWhileDatabaseDown,
} from "../engine/db-reachability";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import {
  defaultOperationDeps,
  editFleet,
  type OperationDeps,
  planOrRefuse,
  printOperation,
  runOperation,
} from "./fleet-operation";

/** Reads a whole number of at least 0 from a flag or argument; a usage error otherwise. */
export function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

interface RunFlags {
  readonly dryRun?: boolean;
  readonly force?: boolean;
}

interface PoolFlags extends RunFlags {
  readonly min?: number;
  readonly max?: number;
  readonly desired?: number;
}

/**
 * Loads the fleet (under its lock), plans `request`, runs and prints it. Refused while the
 * database is unreachable (`../engine/db-reachability.ts`): a scale adds pods that cannot
 * register, or removes serving ones (also a node pool's scale-in, which evicts pods).
 */
async function runScale(
  ctx: CommandContext,
  deps: OperationDeps,
  probe: DatabaseProbe,
  command: Command,
  request: ScaleRequest,
  flags: RunFlags,
): Promise<void> {
  const globals = ctx.globals(command);
  const options = { dryRun: flags.dryRun === true, force: flags.force === true };
  if (!options.dryRun) {
    const what =
      request.kind === "replicas"
        ? `scaling ${request.server} in ${request.set}`
        : `scaling ${request.cluster}'s node pool ${request.pool}`;
    await refuseWhileDatabaseDown(probe, ctx.load(globals.fleet), what, options.force, ctx.io);
  }
  const result = editFleet(ctx, deps, globals, options, (loaded) =>
    runOperation(
      loaded,
      planOrRefuse(() => planScale(loaded.spec, request)),
      options,
      deps,
    ),
  );
  printOperation(ctx, result, globals);
}

/** A subcommand whose usage errors throw (exit 2) and whose output goes to the context's streams. */
function subcommand(ctx: CommandContext, name: string): Command {
  return new Command(name)
    .option("--dry-run", "check and print, but do not change the fleet file")
    .option(
      "--force",
      "go ahead even when a cluster would be short of capacity, or the framework database is unreachable",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });
}

/** The `scale` command, with `replicas` and `pool` subcommands. */
export function scaleCommand(
  ctx: CommandContext,
  deps: OperationDeps = defaultOperationDeps,
  probe: DatabaseProbe = noDatabaseProbe,
): Command {
  const replicas = subcommand(ctx, "replicas")
    .description("set a server's replicas in one Set")
    .argument("<server>", "App.Server, e.g. TestApp.HelloServer")
    .argument("<set>", "Set id, e.g. app.gz.1")
    .argument("<replicas>", "pods in that Set", parseCount)
    .action((server: string, set: string, count: number, flags: RunFlags, command: Command) =>
      runScale(
        ctx,
        deps,
        probe,
        command,
        { kind: "replicas", server, set, replicas: count },
        flags,
      ),
    );
  const pool = subcommand(ctx, "pool")
    .description("set a node pool's minSize, maxSize and/or desiredSize")
    .argument("<cluster>", "cluster name, e.g. gz1")
    .argument("<pool>", "node pool name, e.g. general")
    .option("--min <n>", "minSize", parseCount)
    .option("--max <n>", "maxSize", parseCount)
    .option("--desired <n>", "desiredSize", parseCount)
    .action((cluster: string, poolName: string, flags: PoolFlags, command: Command) => {
      if (flags.min === undefined && flags.max === undefined && flags.desired === undefined) {
        throw new UserError("give at least one of --min, --max and --desired", ExitCode.Usage);
      }
      return runScale(
        ctx,
        deps,
        probe,
        command,
        {
          kind: "pool",
          cluster,
          pool: poolName,
          ...(flags.min === undefined ? {} : { minSize: flags.min }),
          ...(flags.max === undefined ? {} : { maxSize: flags.max }),
          ...(flags.desired === undefined ? {} : { desiredSize: flags.desired }),
        },
        flags,
      );
    });
  return new Command("scale")
    .description(
      "change a server's replicas in a Set, or a node pool's sizes, in the fleet file " +
        "(validated, capacity-checked, comments kept)",
    )
    .addCommand(replicas)
    .addCommand(pool);
}
