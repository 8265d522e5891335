/**
 * The steps of the home-region procedure as they run: a one-off program, a locked fleet edit, a
 * targeted or whole-stack update through the same orchestration as `tarsfed up`, or the Set
 * failover of the lost region. `./home-failover.ts` decides which steps run, prints them and
 * stops at the first failure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { kubeconfigPath } from "../../fleet/model/kubeconfig";
import { FleetError } from "../../fleet/model/issues";
import { type LoadedFleet, parseFleet } from "../../fleet/model/load";
import { EditError, setScalars } from "../../fleet/operations/edit";
import {
  type HomeFailoverStepPlan,
  type OneOffProgram,
  ProcedureOutput,
} from "../../fleet/operations/home-failover";
import { planFailover } from "../../fleet/operations/operations";
import { fleetRevision } from "../../fleet/operations/revision";
import { type CommandContext, type GlobalOptions } from "../context";
import { type Engine } from "../engine/engine";
import { type OneOffEngine, type OneOffInputs } from "../engine/one-off";
import {
  EngineCommand,
  engineExitCode,
  runEngine,
  type StackSelection,
  selectStacks,
} from "../engine/orchestrate";
import { type FleetHistory, gitFleetHistory } from "../engine/revision";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { FileConflictError, FileLockedError } from "../files";
import {
  DEFAULT_MAX_DELETE_SHARE,
  engineProgress,
  loadablePolicyPack,
  PROJECT_POLICY_PACK,
} from "./engine";
import { editFleet, type OperationDeps, planOrRefuse, runOperation } from "./fleet-operation";

/** What the procedure needs besides its flags: engines, made only for a real run. */
export interface HomeFailoverDeps {
  readonly oneOff: () => OneOffEngine;
  readonly engine: () => Engine;
  /** @default - `PROJECT_POLICY_PACK` (`./engine.ts`) */
  readonly policyPack?: string;
  /** @default - `gitFleetHistory` (`../engine/revision.ts`) */
  readonly history?: (file: string) => FleetHistory;
}

/** The flags of `failover` the procedure reads. */
export interface HomeFailoverFlags {
  readonly region?: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly fromStep?: string;
  readonly toStep?: string;
  readonly byHand?: string;
  readonly yes?: boolean;
}

/** A string output, or a clear error naming the stack and output. */
function stringOutput(
  outputs: Readonly<Record<string, unknown>>,
  stack: string,
  key: string,
): string {
  const value = outputs[key];
  if (typeof value !== "string" || value === "")
    throw new Error(
      `stack ${stack} has no output ${key}; apply it first (tarsfed up --stack ${stack})`,
    );
  return value;
}

/** Executes one step's action for `failover --region <home>` (`./home-failover.ts`). */
export class StepRunner {
  private oneOffEngine?: OneOffEngine;
  private engine?: Engine;

  constructor(
    private readonly ctx: CommandContext,
    private readonly globals: GlobalOptions,
    private readonly flags: HomeFailoverFlags,
    private readonly operation: OperationDeps,
    private readonly deps: HomeFailoverDeps,
  ) {}

  private get oneOff(): OneOffEngine {
    return (this.oneOffEngine ??= this.deps.oneOff());
  }

  /** `byHand`: the step's cloud change was made by hand; only its fleet edit is made. */
  async run(step: HomeFailoverStepPlan, loaded: LoadedFleet, byHand = false): Promise<void> {
    const { action } = step;
    if (action.program !== undefined && !byHand) await this.program(action.program, loaded);
    if (action.edits !== undefined) this.edit(action.edits);
    if (action.targeted !== undefined && !byHand) {
      const { stack, targets } = action.targeted;
      await this.up({
        phases: [
          {
            waves: [[stack]],
            moving: [],
            skipUnreachable: [],
            targets: new Map([[stack, targets]]),
          },
        ],
        skipped: [],
        order: [stack],
      });
    }
    if (action.updates !== undefined && action.updates.length > 0) {
      const stacks = action.updates;
      await this.up({
        phases: [{ waves: stacks.map((s) => [s]), moving: [], skipUnreachable: [] }],
        skipped: [],
        order: [...stacks],
      });
    }
    if (action.setFailover !== undefined) await this.failSets(step);
  }

  private async program(program: OneOffProgram, loaded: LoadedFleet): Promise<void> {
    const inputs: OneOffInputs = { fleet: loaded, ...(await this.inputsOf(program, loaded)) };
    await this.oneOff.runProgram(program, inputs, (line) => {
      if (line.trim() !== "") this.ctx.io.err(`[${program.stack}] ${line}`);
    });
  }

  private async inputsOf(
    program: OneOffProgram,
    loaded: LoadedFleet,
  ): Promise<Partial<OneOffInputs>> {
    if (program.kind !== "recovery") {
      const outputs = await this.oneOff.outputs(program.from.stack);
      return { id: stringOutput(outputs, program.from.stack, program.from.output) };
    }
    const standby =
      loaded.spec.tars.db.mode === "tencentdb" ? loaded.spec.tars.db.standbyRegion : undefined;
    const infra = `${standby ?? ""}-infra`;
    const outputs = await this.oneOff.outputs(infra);
    // The promoted instance's own address: the Job runs before the DNS record is repointed.
    const dbHost = { dbHost: stringOutput(outputs, infra, ProcedureOutput.DbDrInstanceHost) };
    if (program.from !== undefined) {
      const kubeconfigs = outputs[program.from.output] as Record<string, unknown> | undefined;
      const kubeconfig = kubeconfigs?.[program.cluster];
      if (typeof kubeconfig !== "string")
        throw new Error(
          `stack ${program.from.stack} has no kubeconfig for ${program.cluster} in its output ${program.from.output}`,
        );
      return { kubeconfig, ...dbHost };
    }
    const cluster = loaded.spec.regions
      .flatMap((r) => r.clusters)
      .find((c) => c.name === program.cluster);
    const source = cluster?.existing?.kubeconfig;
    if (source === undefined || !("file" in source))
      throw new Error(
        `cluster ${program.cluster} reads its kubeconfig from stack config: run the recovery Job by hand (README: Losing the home region)`,
      );
    return {
      kubeconfig: readFileSync(kubeconfigPath(loaded.file, source.file), "utf8"),
      ...dbHost,
    };
  }

  /** The locked, checked scalar edit of the fleet file, as Set failovers make it. */
  private edit(
    edits: readonly { readonly path: readonly string[]; readonly value: string }[],
  ): void {
    const file = this.globals.fleet;
    const refuse = (message: string) => new UserError(`refused: ${message}`, ExitCode.Refused);
    try {
      this.operation.locked(file, () => {
        const loaded = this.ctx.load(file);
        const text = setScalars(
          loaded.text,
          edits.map((e) => ({ path: e.path, value: e.value })),
        );
        if (text === loaded.text) return;
        parseFleet(text, file);
        this.operation.write(file, text, loaded.text);
        this.ctx.io.err(
          `changed ${file}: ${edits.map((e) => `${e.path.join(".")}: ${e.value}`).join(", ")}`,
        );
      });
    } catch (error) {
      if (error instanceof FileLockedError || error instanceof FileConflictError)
        throw refuse(error.message);
      if (error instanceof EditError || error instanceof FleetError) throw refuse(error.message);
      throw error;
    }
  }

  private async failSets(step: HomeFailoverStepPlan): Promise<void> {
    const region = this.flags.region as string;
    const options = { dryRun: false, force: this.flags.force === true };
    const result = editFleet(this.ctx, this.operation, this.globals, options, (loaded) =>
      runOperation(
        loaded,
        planOrRefuse(() => planFailover(loaded.spec, { region })),
        options,
        this.operation,
      ),
    );
    this.ctx.io.err(
      `changed ${result.file}: ${result.changed.map((c) => `${c.path}: ${String(c.to)}`).join(", ")}`,
    );
    const fleet = this.ctx.load(this.globals.fleet);
    const selection = selectStacks(fleet.spec, {
      all: true,
      skipRegions: [region],
      moving: result.moving,
    });
    await this.up(selection, fleet);
    void step;
  }

  /** `tarsfed up` of the selection, as `up` runs it; throws with each stack's reason on failure. */
  private async up(selection: StackSelection, given?: LoadedFleet): Promise<void> {
    const fleet = given ?? this.ctx.load(this.globals.fleet);
    this.engine ??= this.deps.engine();
    await this.engine.checkCli();
    const runDir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-run-"));
    let history: FleetHistory | undefined;
    try {
      const snapshot = path.join(runDir, "fleet.yaml");
      writeFileSync(snapshot, fleet.text, { mode: 0o600 });
      const result = await runEngine(
        {
          command: EngineCommand.Up,
          fleet,
          selection,
          allowDeletes: false,
          maxDeleteShare: DEFAULT_MAX_DELETE_SHARE,
          policyPacks: [loadablePolicyPack(this.deps.policyPack ?? PROJECT_POLICY_PACK)],
          color: false,
          snapshot,
          planDir: runDir,
          revision: fleetRevision(fleet.text) ?? "",
          history: () => (history ??= (this.deps.history ?? gitFleetHistory)(fleet.file)),
          force: this.flags.force === true,
          allowReplace: [],
        },
        this.engine,
        engineProgress(this.ctx.io, EngineCommand.Up),
      );
      if (engineExitCode(result) !== ExitCode.Ok) {
        const bad = result.stacks.filter((s) => s.status !== "ok");
        throw new Error(
          bad
            .map((s) => `${s.name} ${s.status}${s.message === undefined ? "" : `: ${s.message}`}`)
            .join("; "),
        );
      }
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  }
}
