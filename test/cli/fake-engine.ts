/**
 * A fake Pulumi engine and `tarsfed preview` / `up` run through a program shaped like
 * `cli/main.ts`, for the engine tests.
 */
import { Command, CommanderError } from "commander";
import { previewCommand, upCommand } from "../../cli/commands/engine";
import { createContext, DEFAULT_FLEET } from "../../cli/context";
import { type ResourceStep } from "../../cli/diff/critical";
import {
  type Engine,
  type EnginePreview,
  type EngineRunOptions,
  type EngineStack,
  type OpCounts,
} from "../../cli/engine/engine";
import { type EngineRunResult } from "../../cli/engine/orchestrate";
import { type FleetHistory } from "../../cli/engine/revision";
import { UserError } from "../../cli/errors";
import { memoryIo } from "../../cli/io";
import { FleetError } from "../../fleet/model/issues";

/** How the fake engine behaves for one stack. */
export interface FakeStackSpec {
  changes?: OpCounts;
  /** The resource operations its preview reports. */
  steps?: ResourceStep[];
  resources?: number;
  /** Its outputs as last applied. */
  outputs?: Record<string, unknown>;
  /** The URNs of its state; unknown when absent. */
  urns?: string[];
  previewError?: Error;
  upError?: Error;
  /** Preview waits for this before finishing. */
  gate?: Promise<void>;
  /** Runs at the end of the preview, before it returns. */
  afterPreview?: (options: EngineRunOptions) => void;
  /** Runs when the update starts. */
  beforeUp?: (options: EngineRunOptions) => void;
}

/** One preview or update the fake engine ran, with what it was given. */
export interface FakeRun {
  readonly op: "preview" | "up";
  readonly stack: string;
  readonly options: EngineRunOptions;
}

/** A fake engine recording every call as `<op>:<stack>` in `calls`, and each run in `runs`. */
export function fakeEngine(specs: Record<string, FakeStackSpec> = {}, cliError?: Error) {
  const calls: string[] = [];
  const runs: FakeRun[] = [];
  const engine: Engine = {
    checkCli: () => {
      calls.push("checkCli");
      return cliError === undefined ? Promise.resolve() : Promise.reject(cliError);
    },
    openStack: (name) => {
      calls.push(`open:${name}`);
      const spec = specs[name] ?? {};
      const stack: EngineStack = {
        async preview(options): Promise<EnginePreview> {
          calls.push(`preview-start:${name}`);
          runs.push({ op: "preview", stack: name, options });
          options.onOutput(`previewing ${name}`);
          await spec.gate;
          calls.push(`preview-end:${name}`);
          if (spec.previewError) throw spec.previewError;
          spec.afterPreview?.(options);
          return { changeSummary: spec.changes ?? { create: 2, same: 3 }, steps: spec.steps ?? [] };
        },
        up(options) {
          calls.push(`up:${name}`);
          runs.push({ op: "up", stack: name, options });
          spec.beforeUp?.(options);
          if (spec.upError) return Promise.reject(spec.upError);
          return Promise.resolve({
            summary: {
              result: "succeeded",
              resourceChanges: spec.changes ?? { create: 2, same: 3 },
            },
          });
        },
        deployed: () =>
          Promise.resolve({
            resources: spec.resources ?? 5,
            outputs: spec.outputs ?? {},
            ...(spec.urns === undefined ? {} : { urns: spec.urns }),
          }),
      };
      return Promise.resolve(stack);
    },
  };
  return { engine, calls, runs };
}

/** A fleet file's history for tests that do not read git: it holds nothing, records nothing. */
export const NO_HISTORY: FleetHistory = {
  holds: () => false,
  recordApplied: () => {},
  unavailable: "the test gives no history",
};

/**
 * Runs `tarsfed <argv>` with the two engine commands, handling errors as `cli/main.ts` does.
 *
 * `history` stands for the fleet file's git history: none unless a test passes one, so no test
 * records the revisions it applies in this repository's git directory.
 */
export async function tarsfed(
  argv: string[],
  engine: Engine,
  policyPack?: string,
  history: (file: string) => FleetHistory = () => NO_HISTORY,
) {
  const io = memoryIo();
  let code = 0;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const program = new Command("tarsfed")
    .option("--fleet <file>", "the fleet file", DEFAULT_FLEET)
    .option("--json")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  const deps = { engine, history, ...(policyPack === undefined ? {} : { policyPack }) };
  for (const command of [previewCommand(ctx, deps), upCommand(ctx, deps)])
    program.addCommand(
      command
        .exitOverride()
        .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }),
    );
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) code = 2;
    else if (error instanceof UserError) {
      io.err(error.message);
      code = error.exitCode;
    } else if (error instanceof FleetError) {
      io.err(error.message);
      code = 1;
    } else throw error;
  }
  return { code, stdout: io.stdout.join(""), stderr: io.stderr };
}

export const parse = (stdout: string) => JSON.parse(stdout) as EngineRunResult;
export const statuses = (result: EngineRunResult) =>
  Object.fromEntries(result.stacks.map((s) => [s.name, s.status]));
