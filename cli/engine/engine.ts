/**
 * The boundary between `tarsfed preview` / `tarsfed up` and the real Pulumi engine.
 *
 * The commands and the orchestration depend only on these interfaces, so tests drive them with
 * fakes; `automationEngine()` in `./automation` is the implementation over Pulumi's Automation
 * API, which shells out to the Pulumi CLI (there is no mocking support for Automation API
 * itself: https://github.com/pulumi/pulumi/issues/10506).
 */
import { type LoadedFleet } from "../../fleet/model/load";
import { type ResourceStep } from "../diff/critical";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";

/** The message `tarsfed preview` / `up` exit with when the Pulumi CLI is not installed. */
export const PULUMI_CLI_MISSING =
  "the Pulumi CLI was not found on PATH (pulumi); install it from " +
  "https://www.pulumi.com/docs/install/ (e.g. curl -fsSL https://get.pulumi.com | sh), " +
  "log in with `pulumi login`, then run again";

/** The refusal for a missing Pulumi CLI (exit 1). */
export function pulumiCliMissing(): UserError {
  return new UserError(PULUMI_CLI_MISSING, ExitCode.Refused);
}

/**
 * Resource operations counted by the engine, keyed by operation (`create`, `update`, `delete`,
 * `replace`, `same`, …), as Automation API's `OpMap`.
 */
export type OpCounts = Readonly<Partial<Record<string, number>>>;

/** What a preview or an update is run with. */
export interface EngineRunOptions {
  /** Receives the engine's progress output, one line at a time (without the newline). */
  readonly onOutput: (line: string) => void;
  /**
   * CrossGuard policy packs to enforce (directories, absolute).
   *
   * @default - no policy pack
   */
  readonly policyPacks?: readonly string[];
  /**
   * Whether the engine may colour its output.
   *
   * @default false
   */
  readonly color?: boolean;
  /**
   * Environment values for this run only, on top of the process's: the program and the
   * providers read them.
   *
   * @default - the process's environment alone
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A saved update plan: the file a preview writes its plan to (`pulumi preview --save-plan`),
   * and the plan an update is constrained to (`pulumi up --plan`), so the update performs only
   * what the preview showed.
   *
   * @default - no saved plan
   */
  readonly plan?: string;
  /**
   * Resource URNs the operation is limited to, their dependents included (`pulumi preview|up
   * --target <urn>… --target-dependents`): a failover's moving Sets' own resources
   * (`targets.ts`).
   *
   * @default - the whole stack
   */
  readonly targets?: readonly string[];
}

/** The outcome of a preview. */
export interface EnginePreview {
  /** The operations the update would perform. */
  readonly changeSummary: OpCounts;
  /** Each resource operation the update would perform, in the engine's order. */
  readonly steps: readonly ResourceStep[];
}

/** What a stack holds now, before a run changes it. */
export interface DeployedState {
  /** How many resources its state holds; 0 for a new stack. */
  readonly resources: number;
  /** Its outputs as last applied (secret ones as the engine stores them); empty for a new stack. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /**
   * The URNs of its resources, when the engine reads them: a targeted update fails on a target
   * that is neither in the state nor in the program (`checkTargets`, pulumi/pulumi
   * `pkg/resource/deploy/deployment_executor.go`).
   *
   * @default - unknown
   */
  readonly urns?: readonly string[];
}

/** The outcome of an update. */
export interface EngineUpdate {
  readonly summary: {
    /** The operations performed, when the engine reported them. */
    readonly resourceChanges?: OpCounts;
    /** `succeeded` when the update finished; anything else is a failure. */
    readonly result: string;
  };
}

/** One stack of the project, selected (and created when new) in the engine's backend. */
export interface EngineStack {
  /** Previews an update; throws {@link EngineRunError} when the engine fails. */
  preview(options: EngineRunOptions): Promise<EnginePreview>;
  /** Updates the stack; throws {@link EngineRunError} when the engine fails. */
  up(options: EngineRunOptions): Promise<EngineUpdate>;
  /** What the stack's state holds now: its resource count and its outputs. */
  deployed(): Promise<DeployedState>;
}

/** The Pulumi engine as `tarsfed` uses it. */
export interface Engine {
  /** Throws `UserError` (exit 1) saying what to install when the Pulumi CLI is unusable. */
  checkCli(): Promise<void>;
  /**
   * Selects stack `name` of the project, creating it when new, with the config the fleet
   * implies for keys its stack file does not set.
   *
   * Throws `UserError` when the stack cannot run as configured (for example, its config names
   * another fleet file); throws {@link EngineRunError} when the engine fails.
   */
  openStack(name: string, fleet: LoadedFleet): Promise<EngineStack>;
}

/**
 * The message the Kubernetes provider fails a resource with when its cluster cannot be reached
 * and `skipUpdateUnreachable` is off: `configured Kubernetes cluster is unreachable: <reason>`
 * (https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/provider/provider.go).
 */
export const CLUSTER_UNREACHABLE = "configured Kubernetes cluster is unreachable";

/** The engine failed while running a stack. */
export class EngineRunError extends Error {
  constructor(
    message: string,
    /** Mandatory policy violations the engine reported before failing, one line each. */
    readonly policyViolations: readonly string[] = [],
    /**
     * Names of the resources that failed because their Kubernetes cluster was unreachable
     * (the last part of their URNs).
     */
    readonly unreachable: readonly string[] = [],
  ) {
    super(message);
    this.name = "EngineRunError";
  }
}
