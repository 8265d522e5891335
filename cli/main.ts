/**
 * `tarsfed`: build and run one TARS platform across Tencent Cloud regions.
 *
 * Commands parse their flags, call a pure `run…()` with their dependencies, and render the
 * result as text or one JSON document. User errors print their message alone; anything else
 * prints one line and where the full trace was written.
 */
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { FleetError } from "../fleet/model/issues";
import { createContext, DEFAULT_FLEET } from "./context";
import { UserError } from "./errors";
import { ExitCode } from "./exit-codes";
import { processIo, type Io } from "./io";
import { capacityCommand } from "./commands/capacity";
import { diffCommand } from "./commands/diff";
import { type EngineDeps, previewCommand, upCommand } from "./commands/engine";
import { failbackCommand, failoverCommand } from "./commands/failover";
import { defaultOperationDeps } from "./commands/fleet-operation";
import { homeFailoverDeps } from "./commands/home-failover";
import { reprotectCommand } from "./commands/reprotect";
import { PROJECT_ROOT } from "./commands/engine";
import { apiServerProbe } from "./engine/db-reachability";
import { automationOneOff } from "./engine/one-off";
import { graphCommand } from "./commands/graph";
import { manifestsCommand } from "./commands/manifests";
import { planCommand } from "./commands/plan";
import { scaleCommand } from "./commands/scale";
import { validateCommand } from "./commands/validate";

/**
 * Builds the command tree. `engineDeps`, when given, is what `preview` and `up` run with instead
 * of the project's own engine (`npm run e2e` gives an inline one: `cli/engine/automation.ts`).
 */
export function buildProgram(
  io: Io,
  onExit: (code: ExitCode) => void,
  engineDeps?: EngineDeps,
): Command {
  const ctx = createContext(io, onExit);
  const program = new Command("tarsfed")
    .description("TARS Federation: one TARS platform across Tencent Cloud regions")
    .option("--fleet <file>", "the fleet file", DEFAULT_FLEET)
    .option("--json", "print one JSON document on stdout")
    .option("--debug", "print stack traces of internal errors")
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  program.addCommand(validateCommand(ctx));
  program.addCommand(planCommand(ctx));
  program.addCommand(manifestsCommand(ctx));
  program.addCommand(diffCommand(ctx));
  program.addCommand(graphCommand(ctx));
  program.addCommand(capacityCommand(ctx));
  // Set moves are refused while the database is unreachable (cli/engine/db-reachability.ts).
  const probe = apiServerProbe((stack) => automationOneOff(PROJECT_ROOT).outputs(stack));
  program.addCommand(
    failoverCommand(ctx, defaultOperationDeps, homeFailoverDeps(engineDeps), probe),
  );
  program.addCommand(failbackCommand(ctx, defaultOperationDeps, probe));
  program.addCommand(reprotectCommand(ctx));
  program.addCommand(scaleCommand(ctx, defaultOperationDeps, probe));
  program.addCommand(
    engineDeps === undefined ? previewCommand(ctx) : previewCommand(ctx, engineDeps),
  );
  program.addCommand(engineDeps === undefined ? upCommand(ctx) : upCommand(ctx, engineDeps));
  for (const command of program.commands)
    command
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  program.exitOverride();
  return program;
}

function reportInternal(error: unknown, io: Io, debug: boolean): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const log = path.join(os.tmpdir(), `tarsfed-${process.pid}-${Date.now()}.log`);
  try {
    writeFileSync(log, `${text}\n`);
    io.err(
      `tarsfed: internal error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)} (details in ${log})`,
    );
  } catch {
    io.err(`tarsfed: internal error: ${text}`);
  }
  if (debug) io.err(text);
}

/**
 * Runs `tarsfed` with `argv` (without `node` and the script); resolves to the exit code.
 * `engineDeps`: see {@link buildProgram}.
 */
export async function main(
  argv: readonly string[],
  io: Io = processIo,
  engineDeps?: EngineDeps,
): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    engineDeps,
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; every other commander error is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (error instanceof FleetError || error instanceof UserError) {
      io.err(error.message);
      return error instanceof UserError ? (error.exitCode as ExitCode) : ExitCode.Refused;
    }
    reportInternal(error, io, argv.includes("--debug"));
    return ExitCode.Internal;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
