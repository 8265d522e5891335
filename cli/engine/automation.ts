/**
 * The real {@link Engine}: Pulumi's Automation API over the project's local program.
 *
 * Automation API runs every operation as a Pulumi CLI command in the project directory:
 * `stack.up()` is `pulumi up --yes --skip-preview … --stack <name>` and `stack.preview()` is
 * `pulumi preview … --stack <name>`, both with `cwd` = `workDir` (`Stack.runPulumiCmd` and
 * `PulumiCommand.run` in https://github.com/pulumi/pulumi/tree/v3.248.0/sdk/nodejs/automation).
 * So the CLI reads `Pulumi.yaml` there and honours its `stackConfigDir: stacks`, and config set
 * with `stack.setConfig` (`pulumi config set … --stack <name>`) lands in
 * `stacks/Pulumi.<stack>.yaml`. `LocalWorkspace.stackSettings()` / `saveStackSettings()` and
 * the `stackSettings` workspace option are avoided on purpose: they read and write
 * `Pulumi.<stack>.yaml` in `workDir` itself, ignoring `stackConfigDir`
 * (https://github.com/pulumi/pulumi/issues/10305).
 *
 * Saved plans: `PreviewOptions.plan` makes `stack.preview()` run `pulumi preview --save-plan
 * <file>`, and `UpOptions.plan` makes `stack.up()` run `pulumi up --plan <file>`
 * (node_modules/@pulumi/pulumi/automation/stack.d.ts and stack.js, v3.248.0). The CLI marks both
 * flags experimental and hides them from `--help` unless `PULUMI_EXPERIMENTAL` is set, but runs
 * them either way (`pkg/cmd/pulumi/operations/preview.go` and `up.go` in pulumi/pulumi); an update
 * with a plan fails as soon as it would do anything the plan does not hold
 * (https://www.pulumi.com/docs/iac/operations/stack-management/update-plans/).
 *
 * The SDK is loaded on first use, so commands that never touch the engine start fast.
 */
import {
  type EngineEvent,
  type LocalWorkspaceOptions,
  type PreviewOptions,
  type PulumiCommand,
  type PulumiFn,
  type Stack,
  type UpOptions,
} from "@pulumi/pulumi/automation";
import type * as AutomationApi from "@pulumi/pulumi/automation";
import { type LoadedFleet } from "../../fleet/model/load";
import { type ResourceStep } from "../diff/critical";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import {
  CLUSTER_UNREACHABLE,
  type DeployedState,
  type Engine,
  type EngineRunOptions,
  type EngineStack,
  EngineRunError,
  pulumiCliMissing,
} from "./engine";
import { lineSplitter } from "./lines";
import { stackConfigToSet } from "./stack-setup";

type Automation = typeof AutomationApi;

async function loadAutomation(): Promise<Automation> {
  // The file, not the directory: `bin/tarsfed.js` runs under Node's ESM resolver for import(),
  // which does not resolve directory imports.
  return import("@pulumi/pulumi/automation/index.js");
}

/**
 * The spawn error code behind a failed CLI call, such as `ENOENT` when no `pulumi` is on PATH.
 *
 * `PulumiCommand.get()` runs `pulumi version` through execa; when the spawn itself fails it
 * throws a `CommandError` whose (private) `commandResult.err` is execa's error, carrying the
 * system `code` (`cmd.ts`, `exec()`).
 */
export function spawnErrorCode(error: unknown): string | undefined {
  const result = (error as { commandResult?: { err?: { code?: unknown } } } | null)?.commandResult;
  const code = result?.err?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A short reason from a failed CLI command: the last lines of its stderr.
 *
 * `CommandError` keeps the result private and formats it into its message as
 * `code: N\n stdout: …\n stderr: …\n err?: …` (`cmd.ts`, `CommandResult.toString()`); the full
 * output has already been streamed line by line, so the reason stays short.
 */
export function commandFailureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const match = /^code: (-?\d+)\n stdout: [\s\S]*?\n stderr: ([\s\S]*?)\n err\?: /.exec(
    error.message,
  );
  if (match === null) return error.message.split("\n")[0] ?? error.name;
  const stderr = (match[2] ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return stderr.length > 0 ? stderr.slice(-5).join("\n") : `pulumi exited with code ${match[1]}`;
}

function toEngineError(
  error: unknown,
  violations: readonly string[] = [],
  unreachable: readonly string[] = [],
): Error {
  if (error instanceof UserError || error instanceof EngineRunError) return error;
  return new EngineRunError(commandFailureReason(error), violations, unreachable);
}

/**
 * The name of the resource an error diagnostic says its cluster could not be reached for: the
 * last `::` part of its URN (`urn:pulumi:<stack>::<project>::<type>::<name>`).
 */
export function unreachableResource(event: EngineEvent): string | undefined {
  const diagnostic = event.diagnosticEvent;
  if (diagnostic?.severity !== "error" || !diagnostic.message.includes(CLUSTER_UNREACHABLE))
    return undefined;
  return diagnostic.urn?.split("::").pop() ?? "";
}

/** The resource operation a preview event announces (`resourcePreEvent.metadata`), if any. */
export function resourceStep(event: EngineEvent): ResourceStep | undefined {
  const step = event.resourcePreEvent?.metadata;
  if (step === undefined) return undefined;
  return {
    op: step.op,
    urn: step.urn,
    type: step.type,
    ...(step.keys === undefined ? {} : { keys: step.keys }),
    ...(step.diffs === undefined ? {} : { diffs: step.diffs }),
  };
}

function policyViolation(event: EngineEvent): string | undefined {
  const policy = event.policyEvent;
  if (policy?.enforcementLevel !== "mandatory") return undefined;
  const where = policy.resourceUrn === undefined ? "" : ` (${policy.resourceUrn})`;
  return `${policy.policyPackName}/${policy.policyName}: ${policy.message.trim()}${where}`;
}

/**
 * Runs one engine operation with line-split output and mandatory policy violations kept; each
 * resource operation the engine announces goes to `onStep`.
 */
async function runOperation<T>(
  options: EngineRunOptions,
  operation: (args: PreviewOptions & UpOptions) => Promise<T>,
  onStep: (step: ResourceStep) => void = () => {},
): Promise<T> {
  const stdout = lineSplitter(options.onOutput);
  const stderr = lineSplitter(options.onOutput);
  const violations: string[] = [];
  const unreachable: string[] = [];
  try {
    return await operation({
      onOutput: (chunk) => stdout.write(chunk),
      onError: (chunk) => stderr.write(chunk),
      onEvent: (event) => {
        const violation = policyViolation(event);
        if (violation !== undefined) violations.push(violation);
        const resource = unreachableResource(event);
        if (resource !== undefined) unreachable.push(resource);
        const step = resourceStep(event);
        if (step !== undefined) onStep(step);
      },
      color: options.color === true ? "always" : "never",
      ...(options.policyPacks === undefined ? {} : { policyPacks: [...options.policyPacks] }),
      // preview: --save-plan <file>; up: --plan <file>.
      ...(options.plan === undefined ? {} : { plan: options.plan }),
      // --target <urn>… --target-dependents (`PreviewOptions`/`UpOptions` `target` and
      // `targetDependents`, node_modules/@pulumi/pulumi/automation/stack.d.ts, v3.248.0).
      ...(options.targets === undefined
        ? {}
        : { target: [...options.targets], targetDependents: true }),
    });
  } catch (error) {
    throw toEngineError(
      error,
      violations,
      unreachable.filter((r) => r !== ""),
    );
  } finally {
    stdout.end();
    stderr.end();
  }
}

/**
 * Runs `operation` with `options.env` in the stack's workspace environment, which Automation API
 * adds to every CLI command it runs for the stack (`Stack.runPulumiCmd`); the workspace is the
 * stack's own (`createOrSelectStack` makes one per call), and its runs are sequential.
 */
async function withEnv<T>(
  stack: Stack,
  options: EngineRunOptions,
  operation: () => Promise<T>,
): Promise<T> {
  const saved = { ...stack.workspace.envVars };
  Object.assign(stack.workspace.envVars, options.env ?? {});
  try {
    return await operation();
  } finally {
    for (const key of Object.keys(stack.workspace.envVars)) delete stack.workspace.envVars[key];
    Object.assign(stack.workspace.envVars, saved);
  }
}

/**
 * Runs `operation` with `env` in this process's environment too, restored after: an inline
 * program runs in this process (Automation API's own language server) and reads `process.env`
 * there (`index.ts`, `program/config.ts`, and `@pulumi/kubernetes`' `Provider` for
 * `PULUMI_K8S_SKIP_UPDATE_UNREACHABLE`), as the offline runner does (`cli/offline/run-stack.ts`).
 * The process has one environment, so the caller runs one operation at a time.
 */
async function withProcessEnv<T>(
  env: Readonly<Record<string, string>>,
  operation: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await operation();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * What a stack's exported state holds: its resources, and the outputs of its root
 * `pulumi:pulumi:Stack` resource (`pulumi stack export`: `deployment.resources[]`, each with
 * `type` and `outputs`).
 */
export function deployedState(deployment: unknown): DeployedState {
  const resources = (deployment as { resources?: unknown } | null | undefined)?.resources;
  if (!Array.isArray(resources)) return { resources: 0, outputs: {}, urns: [] };
  const root = resources.find(
    (r): r is { outputs?: unknown } =>
      (r as { type?: unknown } | null)?.type === "pulumi:pulumi:Stack",
  );
  const outputs = root?.outputs;
  return {
    resources: resources.length,
    outputs:
      outputs !== null && typeof outputs === "object" ? (outputs as Record<string, unknown>) : {},
    urns: resources
      .map((r) => (r as { urn?: unknown } | null)?.urn)
      .filter((urn): urn is string => typeof urn === "string"),
  };
}

/** Runs operations one at a time, each after the one before has ended. */
function serialised(): <T>(operation: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(operation: () => Promise<T>) => {
    const next = last.then(operation, operation);
    last = next.catch(() => undefined);
    return next;
  };
}

/** How an operation of a stack runs: in its workspace's environment, and in this process's. */
type Runner = <T>(
  stack: Stack,
  options: EngineRunOptions,
  operation: () => Promise<T>,
) => Promise<T>;

const projectRunner: Runner = (stack, options, operation) => withEnv(stack, options, operation);

function engineStack(stack: Stack, run: Runner = projectRunner): EngineStack {
  return {
    async preview(options) {
      const steps: ResourceStep[] = [];
      const result = await run(stack, options, () =>
        runOperation(
          options,
          (args) => stack.preview(args),
          (step) => steps.push(step),
        ),
      );
      return { changeSummary: result.changeSummary, steps };
    },
    async up(options) {
      const result = await run(stack, options, () =>
        runOperation(options, (args) => stack.up(args)),
      );
      return {
        summary: {
          result: result.summary.result,
          ...(result.summary.resourceChanges === undefined
            ? {}
            : { resourceChanges: result.summary.resourceChanges }),
        },
      };
    },
    async deployed() {
      // `pulumi stack export` of a stack never updated has no resources. The export is read for
      // its length and the root's outputs, and dropped.
      try {
        return deployedState((await stack.exportStack()).deployment);
      } catch (error) {
        throw toEngineError(error);
      }
    },
  };
}

/** Reads the stack's plain config values (`pulumi config --json --stack <name>`). */
async function plainConfig(stack: Stack): Promise<Record<string, string>> {
  const all = await stack.getAllConfig();
  return Object.fromEntries(Object.entries(all).map(([key, value]) => [key, value.value]));
}

/**
 * The project's program run inline, in this process, rather than by the Node.js language host
 * from `Pulumi.yaml`: Automation API's `LocalWorkspace.createOrSelectStack({ stackName,
 * projectName, program })` starts the SDK's own language server and runs `pulumi … --client
 * <address>` (`e2e/pulumi-smoke.ts`). `npm run e2e` drives `tarsfed up` this way, where no
 * language host can be built.
 */
export interface InlineProject {
  /** The program: `index.ts`'s default export. */
  readonly program: PulumiFn;
  readonly projectName: string;
  /**
   * The workspace: its `workDir` (stack config files `Pulumi.<stack>.yaml` there), backend
   * (`projectSettings.backend`), Pulumi home, environment and CLI.
   */
  readonly workspace: LocalWorkspaceOptions & { readonly workDir: string };
}

/**
 * The engine over the Pulumi project in `workDir` (the directory holding `Pulumi.yaml`), or over
 * `inline`'s program and workspace.
 *
 * The Pulumi CLI is looked up on `PATH` as it is when `checkCli()` runs, unless `inline` names
 * one (`workspace.pulumiCommand`). With `inline`, operations run one at a time, each with its
 * run's environment in this process's too, where the program reads it.
 */
export function automationEngine(workDir: string, inline?: InlineProject): Engine {
  let command: PulumiCommand | undefined = inline?.workspace.pulumiCommand;
  const inlineRun = serialised();
  const inlineRunner: Runner = (stack, options, operation) =>
    inlineRun(() => withProcessEnv(options.env ?? {}, () => withEnv(stack, options, operation)));
  async function pulumiCommand(automation: Automation): Promise<PulumiCommand> {
    if (command !== undefined) return command;
    try {
      // Runs `pulumi version`, also checking the CLI is new enough for this SDK.
      command = await automation.PulumiCommand.get();
      return command;
    } catch (error) {
      const code = spawnErrorCode(error);
      if (code === "ENOENT") throw pulumiCliMissing();
      const reason = code === undefined ? commandFailureReason(error) : `cannot run it (${code})`;
      throw new UserError(
        `the Pulumi CLI on PATH (pulumi) cannot be used: ${reason}; ` +
          "install a current one from https://www.pulumi.com/docs/install/",
        ExitCode.Refused,
      );
    }
  }
  return {
    async checkCli() {
      await pulumiCommand(await loadAutomation());
    },
    async openStack(name: string, fleet: LoadedFleet) {
      const automation = await loadAutomation();
      const cli = await pulumiCommand(automation);
      try {
        const stack =
          inline === undefined
            ? await automation.LocalWorkspace.createOrSelectStack(
                { stackName: name, workDir },
                { pulumiCommand: cli },
              )
            : await automation.LocalWorkspace.createOrSelectStack(
                { stackName: name, projectName: inline.projectName, program: inline.program },
                { ...inline.workspace, pulumiCommand: cli },
              );
        const dir = inline?.workspace.workDir ?? workDir;
        const toSet = stackConfigToSet(fleet, name, await plainConfig(stack), dir);
        for (const [key, value] of Object.entries(toSet)) await stack.setConfig(key, { value });
        return inline === undefined ? engineStack(stack) : engineStack(stack, inlineRunner);
      } catch (error) {
        throw toEngineError(error);
      }
    },
  };
}
