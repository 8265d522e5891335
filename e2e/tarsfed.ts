/**
 * `tarsfed` itself, run in this process for the drills: `main()` of `cli/main.ts` with the
 * arguments a user types. `failover`, `failback` and `scale` are the CLI as it ships; `up` is the
 * CLI's own command and engine path (`cli/commands/engine.ts`, `cli/engine/orchestrate.ts`:
 * selection, phases, revision check, preview with a saved plan, its judgement, then `up --plan`,
 * with the project's policy pack) over Automation API, whose one difference is that the program
 * runs inline (`automationEngine`'s `InlineProject`), since no Node.js language host can be built
 * here (`e2e/tools.ts`).
 */
import { type InlineProject, automationEngine } from "../cli/engine/automation";
import { PROJECT_ROOT, type EngineDeps } from "../cli/commands/engine";
import { type Engine, type EngineStack } from "../cli/engine/engine";
import { type EngineRunResult, type StackRunResult } from "../cli/engine/orchestrate";
import { main } from "../cli/main";
import { engineSummary, type PulumiUpResult } from "./pulumi-smoke";

/** What one `tarsfed` command did. */
export interface TarsfedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `tarsfed <args>` in this process; its progress (stderr) also goes to `output`. `engine`:
 * what `up` and `preview` run with.
 */
export async function tarsfed(
  args: readonly string[],
  options: { readonly engine?: EngineDeps; readonly output?: (line: string) => void } = {},
): Promise<TarsfedRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(
    args,
    {
      out: (text) => stdout.push(text),
      err: (text) => {
        stderr.push(text);
        options.output?.(text.endsWith("\n") ? text : `${text}\n`);
      },
      interactive: false,
    },
    options.engine,
  );
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** Runs `tarsfed <args>` and parses its `--json` document; throws when it exits non-zero. */
export async function tarsfedJson<T>(
  args: readonly string[],
  options: Parameters<typeof tarsfed>[1] = {},
): Promise<T> {
  const run = await tarsfed([...args, "--json"], options);
  if (run.code !== 0)
    throw new Error(
      `tarsfed ${args.join(" ")}: exit ${run.code}: ${(run.stderr.trim().split("\n").slice(-5).join(" | ") || run.stdout).slice(0, 2000)}`,
    );
  return JSON.parse(run.stdout) as T;
}

/** What `tarsfed failover`, `failback` and `scale` print with `--json`, as far as drills read it. */
export interface OperationOutput {
  readonly changed: readonly {
    readonly path: string;
    readonly from: unknown;
    readonly to: unknown;
  }[];
  readonly stacks: readonly string[];
  readonly skipped: readonly string[];
  readonly phases: readonly { readonly effect: string; readonly stacks: readonly string[] }[];
}

/**
 * `up`'s dependencies for the e2e stacks: the CLI's Automation API engine over the inline program
 * and workspace of `e2e/tars-up.ts`; `afterUp` is called after each stack's update, so a drill can
 * read the clusters between phases.
 */
export function e2eEngine(
  inline: InlineProject,
  afterUp: (stack: string) => Promise<void> = () => Promise.resolve(),
): EngineDeps {
  const engine = automationEngine(PROJECT_ROOT, inline);
  const observed: Engine = {
    checkCli: () => engine.checkCli(),
    async openStack(name, fleet) {
      const stack = await engine.openStack(name, fleet);
      const wrapped: EngineStack = {
        preview: (options) => stack.preview(options),
        deployed: () => stack.deployed(),
        async up(options) {
          const result = await stack.up(options);
          await afterUp(name);
          return result;
        },
      };
      return wrapped;
    },
  };
  return { engine: observed };
}

/** One stack's update as `tarsfed up --json` reports it, in the drills' terms. */
export type StackUp = PulumiUpResult & { readonly stack: string; readonly phase: string };

/**
 * The engine's summary of each stack `tarsfed up` updated (`changes` after an update are the
 * engine's own `resourceChanges`, `cli/engine/orchestrate.ts`); throws naming any stack that is
 * not ok or skipped.
 */
export function stackUps(result: EngineRunResult, seconds: number): StackUp[] {
  const bad = result.stacks.filter((s) => s.status !== "ok" && s.status !== "skipped");
  if (bad.length > 0)
    throw new Error(
      `tarsfed up: ${bad.map((s: StackRunResult) => `${s.name} ${s.status}: ${s.message ?? ""}`).join("; ")}`,
    );
  return result.stacks
    .filter((s) => s.status === "ok")
    .map((s) => ({
      stack: s.name,
      phase: s.phase ?? "",
      ...engineSummary({ ...(s.changes ?? {}) }),
      deploymentUid: "",
      replicas: 0,
      seconds,
    }));
}
