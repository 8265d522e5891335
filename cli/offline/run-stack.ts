/**
 * Runs the real program for one stack under Pulumi's mocks and records what it registers.
 *
 * The mock monitor is Pulumi's own (`pulumi.runtime.setMocks`); this module wraps its
 * registration call to keep what the mocks API leaves out (parent, provider, protect, secret
 * inputs), and marks outputs secret the way the engine does (`additionalSecretOutputs`, and
 * outputs of secret inputs). Stack references are answered from the outputs of earlier stacks.
 */
import * as pulumi from "@pulumi/pulumi";
import { hasErrors } from "@pulumi/pulumi/log";
import { disconnect, getMonitor } from "@pulumi/pulumi/runtime/settings";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import program from "../../index";
import { type Json, type PlannedResource } from "../../fleet/stacks/plan-document";
import { UserError } from "../errors";
import { PULUMI_PROJECT } from "../../fleet/model/naming";
import { FakeCloud } from "./fake-cloud";
import { isWrappedSecret, toDisplay, unwrapSecrets, wrapSecret } from "./values";

/** The organization offline stack references use (a self-managed backend's). */
export const ORGANIZATION = "organization";

/** A stack's outputs as another stack's reference sees them. */
export interface StackOutputsForReference {
  readonly values: Record<string, unknown>;
  readonly secretNames: readonly string[];
}

/** What one stack run needs. */
export interface RunStackInput {
  readonly stack: string;
  /** Flat config, `namespace:key` → value (objects as JSON text). */
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
  /** Outputs of the stacks planned before this one, by stack name. */
  readonly references: ReadonlyMap<string, StackOutputsForReference>;
  /**
   * The Pulumi program to run.
   *
   * @default - this project's program (`index.ts`), as `pulumi up` runs it
   */
  readonly program?: () => Promise<Record<string, unknown>>;
  /**
   * Environment values the program runs with, e.g. `TARSFED_MOVING_SETS` for a failover's first
   * phase (`fleet/operations/transition.ts`), as `pulumi up` would pass them. Set for the run only: a thread
   * runs one stack at a time.
   *
   * @default - the process's environment as it is
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Called after each registration (benchmarks sample memory here: timers don't fire while the
   * program runs, its work is one long chain of microtasks).
   *
   * @default - nothing is called
   */
  readonly onRegistration?: () => void;
}

/** What one stack run produced. */
export interface RunStackResult {
  readonly resources: PlannedResource[];
  readonly outputs: { [key: string]: Json };
  readonly referenceOutputs: StackOutputsForReference;
  readonly warnings: string[];
}

/**
 * The program failed for this stack; `problems` are the engine-style error messages. A user
 * error: the program's own messages (`RunError`s) say what to fix, as under the real engine.
 */
export class StackRunError extends UserError {
  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(`stack ${stack} failed to plan:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "StackRunError";
  }
}

type Callback = (err: unknown, response: unknown) => void;
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getCustom(): boolean;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getObject(): Struct | undefined;
}
interface RegisterResponse {
  getUrn(): string;
  getObject(): Struct | undefined;
  setObject(value: Struct): void;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): Struct | undefined;
}
interface WrappableMonitor {
  registerResource(req: RegisterRequest, callback: Callback): unknown;
  registerResourceOutputs(req: OutputsRequest, callback: Callback): unknown;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The provider's URN from a provider reference, `<urn>::<id>` (a URN holds `::`, an id never). */
function urnOf(reference: string): string | null {
  return reference === "" ? null : reference.slice(0, reference.lastIndexOf("::"));
}

function recordRegistrations(
  monitor: WrappableMonitor,
  resources: PlannedResource[],
  stackOutputs: { wire?: Record<string, unknown> },
  onRegistration: (() => void) | undefined,
): void {
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, response) => {
      const res = response as RegisterResponse | undefined;
      if ((err === null || err === undefined) && res !== undefined) {
        const inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
        markSecretOutputs(req, inputs, res);
        if (req.getType() !== STACK_TYPE) {
          resources.push({
            urn: res.getUrn(),
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() === "" ? null : req.getParent(),
            provider: urnOf(req.getProvider()),
            inputs: toDisplay(inputs) as { [key: string]: Json },
            custom: req.getCustom(),
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
            dependencies: req.getDependenciesList(),
            ignoreChanges: req.getIgnorechangesList(),
          });
        }
      }
      onRegistration?.();
      callback(err, response);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    if (req.getUrn().includes(`::${STACK_TYPE}::`)) {
      stackOutputs.wire = req.getOutputs()?.toJavaScript() ?? {};
    }
    return registerOutputs(req, callback);
  };
}

/** Marks outputs secret as the engine would: declared secret outputs and outputs of secret inputs. */
function markSecretOutputs(
  req: RegisterRequest,
  inputs: Record<string, unknown>,
  res: RegisterResponse,
): void {
  const secret = new Set([
    ...req.getAdditionalsecretoutputsList(),
    ...Object.keys(inputs).filter((k) => isWrappedSecret(inputs[k])),
  ]);
  if (secret.size === 0) return;
  const state = (res.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
  for (const key of secret) {
    if (key in state && !isWrappedSecret(state[key])) state[key] = wrapSecret(state[key]);
  }
  res.setObject(Struct.fromJavaScript(state as Parameters<typeof Struct.fromJavaScript>[0]));
}

function mocks(input: RunStackInput, cloud: FakeCloud): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      if (args.type === "pulumi:pulumi:StackReference") {
        const name = String((args.inputs as { name?: unknown }).name);
        const stack = name.slice(name.lastIndexOf("/") + 1);
        const outputs = input.references.get(stack);
        if (outputs === undefined) {
          throw new Error(
            `stack ${input.stack} reads stack ${name}, which has not been planned before it`,
          );
        }
        return {
          id: name,
          state: { name, outputs: outputs.values, secretOutputNames: [...outputs.secretNames] },
        };
      }
      return cloud.create(
        args.type,
        args.name,
        unwrapSecrets(args.inputs) as Record<string, unknown>,
      );
    },
    call(args) {
      throw new Error(`the offline plan has no answer for the invoke ${args.token}`);
    },
  };
}

/**
 * Runs `run` with the runtime's diagnostics captured: errors Pulumi logs (it prints them when no
 * engine is attached), warnings, and rejections nothing awaited. Returns the errors.
 */
async function capturingDiagnostics(
  run: () => Promise<void>,
  warnings: string[],
): Promise<string[]> {
  const problems: string[] = [];
  const text = (args: unknown[], prefix: RegExp) => args.map(String).join(" ").replace(prefix, "");
  const onRejection = (reason: unknown) =>
    problems.push(reason instanceof Error ? reason.message : String(reason));
  const { error, warn } = console;
  console.error = (...args: unknown[]) => problems.push(text(args, /^error: \[runtime\] /));
  console.warn = (...args: unknown[]) => warnings.push(text(args, /^warning: \[runtime\] /));
  process.on("unhandledRejection", onRejection);
  // The SDK captures a stack trace for every promise and resource (source positions and leak
  // reports for the engine); offline nobody reads them, and mapping them through source maps
  // (tsx turns those on) is most of the run.
  const stackTraceLimit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  Error.stackTraceLimit = 0;
  process.setSourceMapsEnabled(false);
  try {
    await run();
  } catch (failure) {
    problems.push(failure instanceof Error ? failure.message : String(failure));
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    process.setSourceMapsEnabled(sourceMaps);
    process.off("unhandledRejection", onRejection);
    console.error = error;
    console.warn = warn;
  }
  return problems;
}

/** Runs the program for one stack under mocks; throws {@link StackRunError} when it fails. */
export async function runStack(input: RunStackInput): Promise<RunStackResult> {
  const resources: PlannedResource[] = [];
  const stackOutputs: { wire?: Record<string, unknown> } = {};
  const warnings: string[] = [];
  await pulumi.runtime.setMocks(
    mocks(input, new FakeCloud()),
    PULUMI_PROJECT,
    input.stack,
    false,
    ORGANIZATION,
  );
  const monitor = getMonitor() as unknown as WrappableMonitor;
  recordRegistrations(monitor, resources, stackOutputs, input.onRegistration);
  pulumi.runtime.setAllConfig({ ...input.config }, [...input.secretKeys]);
  const saved = Object.keys(input.env ?? {}).map((key) => [key, process.env[key]] as const);
  Object.assign(process.env, input.env ?? {});
  const run = input.program ?? program;
  let failure: unknown;
  const problems = await capturingDiagnostics(async () => {
    // The program's own failure is kept aside rather than thrown into the stack resource, whose
    // derived promises would then reject with nobody listening (the engine's language host
    // reports those; offline they would surface as unhandled rejections).
    await runInPulumiStack(async () => {
      try {
        return await run();
      } catch (error) {
        failure = error;
        return {};
      }
    });
    // Waits for every registration to finish, then lets go of the mock monitor.
    await disconnect();
  }, warnings).finally(() => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  if (failure !== undefined)
    problems.unshift(failure instanceof Error ? failure.message : JSON.stringify(failure));
  if (problems.length > 0 || hasErrors()) {
    throw new StackRunError(
      input.stack,
      problems.length > 0 ? problems : ["the program logged errors"],
    );
  }
  const wire = stackOutputs.wire ?? {};
  return {
    resources,
    outputs: toDisplay(wire) as { [key: string]: Json },
    referenceOutputs: {
      values: unwrapSecrets(wire) as Record<string, unknown>,
      secretNames: Object.keys(wire).filter((k) => isWrappedSecret(wire[k])),
    },
    warnings,
  };
}
