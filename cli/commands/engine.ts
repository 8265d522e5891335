/**
 * `tarsfed preview` and `tarsfed up`: the real Pulumi engine over the fleet's stacks, in
 * dependency order (and, after a failover, in its two phases), with live progress per stack and
 * the project's own policy pack always enforced.
 *
 * The fleet file is read once: every preview and update of the command deploys that one copy
 * (written to a private directory, removed at the end, with the plans the previews save).
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { type CommandContext } from "../context";
import { automationEngine } from "../engine/automation";
import { type Engine } from "../engine/engine";
import { automationOneOff, type OneOffEngine } from "../engine/one-off";
import {
  apiServerProbe,
  type DatabaseProbe,
  noDatabaseProbe,
  refuseWhileDatabaseDown,
} from "../engine/db-reachability";
import { isTarsStack } from "../../fleet/stacks/slice";
import { type FleetHistory, gitFleetHistory } from "../engine/revision";
import { fleetRevision } from "../../fleet/operations/revision";
import { oldHomeRefusal, promotedReplicaRefusal } from "../../fleet/operations/home-failover";
import { masterGtidRefusal, masterGtidStack } from "../../fleet/network/database-placement";
import { type FleetSpec } from "../../fleet/model/model";
import { InfraOutput } from "../../program/outputs";
import {
  type EngineProgress,
  type EngineRunResult,
  type StackRunResult,
  EngineCommand,
  StackStatus,
  engineExitCode,
  runEngine,
  selectStacks,
} from "../engine/orchestrate";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { colors, type Io } from "../io";
import { json, table } from "../render";

/** What `preview` and `up` need besides their flags. */
export interface EngineDeps {
  readonly engine: Engine;
  /**
   * The project's own policy pack directory, always enforced.
   *
   * @default - {@link PROJECT_POLICY_PACK}
   */
  readonly policyPack?: string;
  /**
   * The history of a fleet file, which `up` checks a stack's revision against.
   *
   * @default - {@link gitFleetHistory}: the file's git history and the revisions this clone applied
   */
  readonly history?: (file: string) => FleetHistory;
  /**
   * The one-off programs of `failover --region <home>` (`../engine/one-off.ts`), which runs its
   * stack updates with `engine`.
   *
   * @default - `automationOneOff(PROJECT_ROOT)`
   */
  readonly oneOff?: OneOffEngine;
  /**
   * Whether the framework database is reachable: `up` of a TARS stack is refused while it is not,
   * unless `--force` (`../engine/db-reachability.ts`).
   *
   * @default - no probe: nothing is refused
   */
  readonly database?: DatabaseProbe;
  /**
   * Reads a stack's recorded outputs: `preview`/`up` of the standby infra stack check the home
   * master's GTID there (fleet/network/database-placement.ts, `masterGtidRefusal`).
   *
   * @default - no reader: nothing is checked
   */
  readonly stackOutputs?: (stack: string) => Promise<Readonly<Record<string, unknown>>>;
}

/** The Pulumi project directory (holding `Pulumi.yaml`): the engine runs the program there. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The project's CrossGuard pack (`policies/`), the rules `tarsfed plan` checks offline. */
export const PROJECT_POLICY_PACK = path.join(PROJECT_ROOT, "policies");

/**
 * `dir` when the Pulumi CLI can load it as a policy pack: it has a `PulumiPolicy.yaml` and its
 * `@pulumi/policy` dependency resolves from it (installed by `npm ci` at the repository root).
 * Throws `UserError` (exit 1) saying what is missing otherwise: preview and up never run without
 * the project's rules.
 */
export function loadablePolicyPack(dir: string): string {
  const refuse = (reason: string) =>
    new UserError(
      `refused: cannot load the project's policy pack ${dir}: ${reason}; ` +
        "tarsfed preview and up always enforce it",
      ExitCode.Refused,
    );
  if (!existsSync(path.join(dir, "PulumiPolicy.yaml"))) throw refuse("no PulumiPolicy.yaml");
  try {
    require.resolve("@pulumi/policy", { paths: [dir] });
  } catch {
    throw refuse("@pulumi/policy is not installed (run npm ci at the repository root)");
  }
  return dir;
}

/** The largest share of a stack's resources `up` deletes or replaces without `--allow-deletes`. */
export const DEFAULT_MAX_DELETE_SHARE = 0.2;

const defaultDeps = (): EngineDeps => ({
  engine: automationEngine(PROJECT_ROOT),
  database: apiServerProbe((stack) => automationOneOff(PROJECT_ROOT).outputs(stack)),
  stackOutputs: (stack) => automationOneOff(PROJECT_ROOT).outputs(stack),
});

/**
 * Why a run of `stacks` is refused for the home master's recorded GTID, or undefined; a stack
 * with no outputs to read (not deployed yet) checks nothing.
 */
async function masterGtidCheck(
  deps: EngineDeps,
  fleet: FleetSpec,
  stacks: readonly string[],
): Promise<string | undefined> {
  const home = masterGtidStack(fleet, stacks);
  if (home === undefined || deps.stackOutputs === undefined) return undefined;
  const outputs = await deps.stackOutputs(home).catch(() => undefined);
  return masterGtidRefusal(fleet, outputs?.[InfraOutput.DbGtid]);
}

interface EngineFlags {
  readonly stack?: string;
  readonly region?: string;
  readonly all?: boolean;
  readonly skipRegion: string[];
  readonly policyPack?: string;
  readonly allowDeletes?: boolean;
  readonly maxDeleteShare?: string;
  readonly yes?: boolean;
  readonly moving?: string;
  readonly wholeStack?: boolean;
  readonly phase?: string;
  readonly skipUnreachable?: boolean;
  readonly force?: boolean;
  readonly allowReplace?: string[];
}

const usage = (message: string) => new UserError(message, ExitCode.Usage);

/** `--max-delete-share`: a fraction from 0 to 1; throws `UserError` (exit 2) otherwise. */
export function parseDeleteShare(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_DELETE_SHARE;
  const share = /^\s*\d*\.?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(share >= 0 && share <= 1))
    throw usage(`--max-delete-share must be a fraction from 0 to 1 (e.g. 0.2), got "${text}"`);
  return share;
}

/** The project's pack, plus the one `--policy-pack` names when it is another. */
function policyPacks(own: string, dir: string | undefined): string[] {
  if (dir === undefined) return [loadablePolicyPack(own)];
  // The engine runs in the project directory; the user's path is relative to theirs.
  const absolute = path.resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory())
    throw usage(`--policy-pack ${dir}: no such directory`);
  const packs = [loadablePolicyPack(own)];
  return absolute === path.resolve(own) ? packs : [...packs, absolute];
}

/** `--moving a,b`: the Set ids, without blanks. */
function movingSets(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
}

const counts = (r: StackRunResult) =>
  r.changes === null
    ? ""
    : `+${r.changes.create} ~${r.changes.update} -${r.changes.delete} ±${r.changes.replace}`;

/** Engine output on stderr, prefixed with its stack; a status line per stack on a terminal. */
export function engineProgress(io: Io, command: EngineCommand): EngineProgress {
  return {
    output: (stack, line) => {
      if (line.trim() !== "") io.err(`[${stack}] ${line}`);
    },
    stackStarted: (stack) => {
      if (io.interactive) io.err(`… ${command} ${stack}`);
    },
    stackDone: (result, seconds) => {
      if (!io.interactive) return;
      const ok = result.status === StackStatus.Ok;
      const mark = ok ? colors.green("✔") : colors.red("✖");
      const what = ok ? counts(result) : result.status;
      io.err(`${mark} ${result.name}: ${what} in ${seconds.toFixed(1)}s`);
    },
  };
}

/** The result as text: a table of stacks, then the reason for each stack that is not ok. */
export function renderEngineText(result: EngineRunResult): string {
  const phased = result.stacks.some((s) => s.phase !== undefined);
  const rows = result.stacks.map((s) => [
    s.name,
    ...(phased ? [s.phase ?? ""] : []),
    s.status,
    ...(s.changes === null
      ? ["", "", "", "", ""]
      : [s.changes.create, s.changes.update, s.changes.delete, s.changes.replace, s.changes.same]),
  ]);
  const head = [
    "stack",
    ...(phased ? ["phase"] : []),
    "status",
    ...["create", "update", "delete", "replace", "same"],
  ];
  const notes = result.stacks
    .filter((s) => s.message !== undefined)
    .map(
      (s) => `${s.name} (${s.phase === undefined ? "" : `${s.phase}, `}${s.status}): ${s.message}`,
    );
  return [table(head, rows), ...notes].join("\n") + "\n";
}

async function runEngineCommand(
  ctx: CommandContext,
  deps: EngineDeps,
  name: EngineCommand,
  flags: EngineFlags,
  command: Command,
): Promise<void> {
  const globals = ctx.globals(command);
  // First: without the CLI nothing else matters, and the message says what to install.
  await deps.engine.checkCli();
  if (name === EngineCommand.Up && flags.yes !== true)
    throw usage("tarsfed up changes cloud resources; pass --yes to confirm");
  const maxDeleteShare = parseDeleteShare(flags.maxDeleteShare);
  const packs = policyPacks(deps.policyPack ?? PROJECT_POLICY_PACK, flags.policyPack);
  const fleet = ctx.load(globals.fleet);
  const selection = selectStacks(fleet.spec, {
    ...(flags.stack === undefined ? {} : { stack: flags.stack }),
    ...(flags.region === undefined ? {} : { region: flags.region }),
    all: flags.all === true,
    skipRegions: flags.skipRegion,
    moving: movingSets(flags.moving),
    skipUnreachable: flags.skipUnreachable === true,
    wholeStack: flags.wholeStack === true,
    ...(flags.phase === undefined ? {} : { phase: flags.phase }),
  });
  // A promoted DR instance crashes the provider's read (fleet/operations/home-failover.ts).
  const promoted = promotedReplicaRefusal(
    fleet.spec,
    selection.order.filter((s) => !selection.skipped.includes(s)),
  );
  if (promoted !== undefined) throw new UserError(promoted, ExitCode.Refused);
  // The standby's DR replica needs GTID on the home master (fleet/network/database-placement.ts).
  const gtid = await masterGtidCheck(
    deps,
    fleet.spec,
    selection.order.filter((s) => !selection.skipped.includes(s)),
  );
  if (gtid !== undefined) throw new UserError(gtid, ExitCode.Refused);
  // The old home's stacks hold the pieces with no standby (fleet/operations/home-failover.ts).
  const oldHome =
    name === EngineCommand.Up && flags.force !== true
      ? oldHomeRefusal(
          fleet.spec,
          selection.order.filter((s) => !selection.skipped.includes(s)),
        )
      : undefined;
  if (oldHome !== undefined) throw new UserError(oldHome, ExitCode.Refused);
  // New or rolled TARS pods cannot register while the database is unreachable.
  if (name === EngineCommand.Up) {
    const tars = selection.order.filter(
      (s) => isTarsStack(fleet.spec, s) && !selection.skipped.includes(s),
    );
    if (tars.length > 0)
      await refuseWhileDatabaseDown(
        deps.database ?? noDatabaseProbe,
        fleet,
        `up of ${tars.join(", ")}`,
        flags.force === true,
        ctx.io,
      );
  }
  // A file that loaded is YAML, so it has a revision.
  const revision = fleetRevision(fleet.text) ?? "";
  const runDir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-run-"));
  let history: FleetHistory | undefined;
  try {
    const snapshot = path.join(runDir, "fleet.yaml");
    writeFileSync(snapshot, fleet.text, { mode: 0o600 });
    const input = {
      command: name,
      fleet,
      selection,
      allowDeletes: flags.allowDeletes === true,
      maxDeleteShare,
      policyPacks: packs,
      color: ctx.io.interactive && colors.isColorSupported,
      snapshot,
      planDir: runDir,
      revision,
      history: () => (history ??= (deps.history ?? gitFleetHistory)(fleet.file)),
      force: flags.force === true,
      allowReplace: flags.allowReplace ?? [],
    };
    const result = await runEngine(input, deps.engine, engineProgress(ctx.io, name));
    ctx.io.out(globals.json ? json(result) : renderEngineText(result));
    ctx.setExitCode(engineExitCode(result));
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

const collect = (value: string, previous: string[]) => [...previous, value];

function stackOptions(command: Command): Command {
  return command
    .option("--stack <stack>", "run only this stack (global, <region>-infra or <region>)")
    .option(
      "--region <region>",
      "run both stacks of this region, in order: <region>-infra (when it has one), then <region>",
    )
    .option("--all", "run every stack of the fleet, in dependency order")
    .option(
      "--skip-region <region>",
      "leave out this region's stacks, infra and TARS (repeatable)",
      collect,
      [],
    )
    .option(
      "--moving <sets>",
      "Sets a failover or failback moved (comma-separated): only TARS stacks run; with --all, " +
        "stacks that gain run first keeping the old copies, then the stacks that lose; with " +
        "--stack or --region, the old copies stay; each preview and update is targeted at " +
        "the moving Sets' own resources (--target <urn>… --target-dependents)",
    )
    .option(
      "--whole-stack",
      "with --moving: preview and update the whole TARS stacks rather than only the moving " +
        "Sets' resources (the phases stay)",
    )
    .option(
      "--phase <phase>",
      "with --stack or --region and --moving: the failover phase to run, gain (default: the " +
        "old copies stay) or remove (the fleet file as it is: the old copies go)",
    )
    .option(
      "--policy-pack <dir>",
      "also enforce this CrossGuard policy pack (the project's policies/ always is)",
    );
}

/** The `preview` command. */
export function previewCommand(ctx: CommandContext, deps: EngineDeps = defaultDeps()): Command {
  return stackOptions(new Command("preview"))
    .description("preview the stacks with the real Pulumi engine, in dependency order")
    .action((flags: EngineFlags, command: Command) =>
      runEngineCommand(ctx, deps, EngineCommand.Preview, flags, command),
    );
}

/** The `up` command. */
export function upCommand(ctx: CommandContext, deps: EngineDeps = defaultDeps()): Command {
  return stackOptions(new Command("up"))
    .description("update the stacks with the real Pulumi engine, in dependency order")
    .option("--allow-deletes", "update even when a preview deletes many of a stack's resources")
    .option(
      "--max-delete-share <fraction>",
      `largest share of a stack's resources an update may delete or replace (default ${DEFAULT_MAX_DELETE_SHARE})`,
    )
    .option(
      "--skip-unreachable",
      "with --all --moving: stacks that only lose Sets leave clusters they cannot reach as " +
        "they are (a dark region's); every other stack fails on an unreachable cluster",
    )
    .option(
      "--allow-replace <resource>",
      "consent to a change that loses service or data: a replaced node pool, load balancer, " +
        "cluster, Kubernetes provider, network or database, a moved database (name or URN, as " +
        "the refusal prints it), or homeRegion (repeatable)",
      collect,
      [],
    )
    .option(
      "--force",
      "apply this fleet revision even over a stack last applied from one its git history does " +
        "not hold (a newer or diverged revision); update TARS stacks even while the framework " +
        "database is unreachable",
    )
    .option("--yes", "confirm: up changes cloud resources")
    .action((flags: EngineFlags, command: Command) =>
      runEngineCommand(ctx, deps, EngineCommand.Up, flags, command),
    );
}
