/**
 * Runs `preview` or `up` over the fleet's stacks in dependency order, over any {@link Engine}.
 *
 * Stacks go wave by wave (`stackWaves`: `global`, the home infra stack, the other infra stacks
 * in parallel, the home TARS stack, the other TARS stacks in parallel); a stack that fails or is
 * refused stops the waves after its own, since those read its outputs. Every run deploys the one copy of the fleet text the command read
 * (`TARSFED_FLEET_SNAPSHOT`), never the file as it is by then. Before an update:
 *
 * 1. the stack's recorded fleet revision is checked: `up` refuses to apply a revision the git
 *    history does not place after it, unless `--force` (`revision.ts`);
 * 2. the stack is previewed, its plan saved (`pulumi preview --save-plan`);
 * 3. the preview is judged: refused when it deletes (or replaces) more than a set share of what
 *    the stack holds, unless `--allow-deletes`, and when it makes a change that loses service or
 *    data (a replaced node pool, load balancer, cluster provider, database or network, a moved
 *    database, a new `homeRegion`: `../diff/critical.ts`) without `--allow-replace` naming it;
 * 4. the update applies that saved plan (`pulumi up --plan`), so it performs nothing the judged
 *    preview did not show.
 *
 * After a failover or failback, `--moving <sets>` splits the run into the operation's two phases
 * (`fleet/operations/operations.ts`), over TARS stacks only (a Set's move touches no cloud resource): first
 * every TARS stack but those that only lose, the moving Sets' old copies kept
 * (`TARSFED_MOVING_SETS`, `fleet/operations/transition.ts`), and only once all of them succeeded (Pulumi's
 * await: the new Deployments are Ready), the stacks that lose, as the fleet file says. Each of
 * those updates (and its preview) is targeted at the moving Sets' own resources in the stack and
 * their dependents (`pulumi up --target <urn>… --target-dependents`, `./targets.ts`), the same
 * list in both phases: nothing else of the stack is diffed or touched. `--whole-stack` updates the
 * whole stacks instead.
 *
 * Every run sets `PULUMI_K8S_SKIP_UPDATE_UNREACHABLE`, which the Kubernetes providers read
 * (`components/cluster-connection.ts` leaves `skipUpdateUnreachable` unset for this): `false`, so an
 * unreachable cluster fails its stack, except for the stacks that only lose in a phased run when
 * `--skip-unreachable` is given (the dark region's).
 */
import { performance } from "node:perf_hooks";
import { type LoadedFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { GLOBAL_STACK } from "../../fleet/model/naming";
import { applyFailover, PhaseEffect, phasesToApply } from "../../fleet/operations/operations";
import * as path from "node:path";
import { FLEET_SNAPSHOT_ENV, StackOutput } from "../../fleet/operations/revision";
import {
  isTarsStack,
  regionOfStack,
  stackOrder,
  stacksOfRegion,
  stackWaves,
} from "../../fleet/stacks/slice";
import { MOVING_SETS_ENV } from "../../fleet/operations/transition";
import { reachableTargets, setTargets } from "./targets";
import { consentNotice, consentRefusal, criticalChanges } from "../diff/critical";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import {
  CLUSTER_UNREACHABLE,
  type DeployedState,
  type Engine,
  type EngineRunOptions,
  EngineRunError,
  type OpCounts,
} from "./engine";
import { type FleetHistory, revisionRefusal } from "./revision";

/**
 * The Kubernetes provider's environment switch for `skipUpdateUnreachable`, read by
 * `@pulumi/kubernetes`' `Provider` when the argument is not given
 * (https://github.com/pulumi/pulumi-kubernetes/blob/master/sdk/nodejs/provider.ts).
 */
export const SKIP_UNREACHABLE_ENV = "PULUMI_K8S_SKIP_UPDATE_UNREACHABLE";

/** The engine commands. */
export const EngineCommand = { Preview: "preview", Up: "up" } as const;

/** One of {@link EngineCommand}. */
export type EngineCommand = (typeof EngineCommand)[keyof typeof EngineCommand];

/** What happened to one stack. */
export const StackStatus = {
  /** Previewed (or updated) successfully. */
  Ok: "ok",
  /**
   * Not updated: a stale fleet revision, too many deletions, a change without consent, a
   * mandatory policy violation, or a config mismatch.
   */
  Refused: "refused",
  /** The engine failed (cloud, backend or program error). */
  Failed: "failed",
  /** Left out with `--skip-region`. */
  Skipped: "skipped",
  /** Not run because a stack of an earlier wave did not succeed. */
  NotRun: "not-run",
} as const;

/** One of {@link StackStatus}. */
export type StackStatus = (typeof StackStatus)[keyof typeof StackStatus];

/** Resource operations of one stack, as `--json` prints them. */
export interface ChangeCounts {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  readonly same: number;
}

/** One stack's outcome. */
export interface StackRunResult {
  readonly name: string;
  /** The phase it ran in, with `--moving`; absent for a plain run. */
  readonly phase?: PhaseEffect;
  readonly status: StackStatus;
  /** The operations previewed (or, after `up`, performed); null when the engine never said. */
  readonly changes: ChangeCounts | null;
  /**
   * How many resource URNs its preview and update were targeted at (the moving Sets' own
   * resources); absent for a whole-stack run.
   */
  readonly targets?: number;
  /**
   * Why the stack was refused, failed, skipped or not run; for a preview, what `up` will need
   * consent for.
   */
  readonly message?: string;
}

/** What `preview` and `up` print with `--json`. */
export interface EngineRunResult {
  readonly command: EngineCommand;
  /**
   * Every selected stack, in deployment order, skipped ones included; with `--moving`, phase by
   * phase (a stack that both gains and loses appears in both).
   */
  readonly stacks: readonly StackRunResult[];
}

/** Which stacks a run covers, as given on the command line. */
export interface StackSelectionFlags {
  readonly stack?: string;
  /**
   * A region: both of its stacks, `<region>-infra` (when it has one) then `<region>`.
   *
   * @default - no region
   */
  readonly region?: string;
  readonly all: boolean;
  readonly skipRegions: readonly string[];
  /**
   * The Sets a failover or failback moved: run in two phases (with `all`), or keep their old
   * copies (with `stack`).
   *
   * @default - no Set is moving: one plain run
   */
  readonly moving?: readonly string[];
  /**
   * Let the stacks that only lose skip clusters they cannot reach (with `all` and `moving`).
   *
   * @default false
   */
  readonly skipUnreachable?: boolean;
  /**
   * With `moving`: update whole stacks rather than only the moving Sets' resources.
   *
   * @default false
   */
  readonly wholeStack?: boolean;
  /**
   * With `moving` and `stack` or `region`: the phase to run, `gain` (the old copies kept) or
   * `remove` (the fleet file as it is); as given, checked by {@link selectStacks}.
   *
   * @default "gain"
   */
  readonly phase?: string;
}

/** One phase of a run: its waves and how its stacks run. */
export interface SelectedPhase {
  /** The failover phase; absent for a plain run. */
  readonly effect?: PhaseEffect;
  /** Stacks to run: each wave after the one before, stacks of a wave in parallel. */
  readonly waves: readonly (readonly string[])[];
  /** Sets whose old copies the stacks keep (`TARSFED_MOVING_SETS`); empty for none. */
  readonly moving: readonly string[];
  /** Stacks of this phase that may skip unreachable clusters. */
  readonly skipUnreachable: readonly string[];
  /**
   * Per stack, the URNs its preview and update are targeted at (`--target`, with
   * `--target-dependents`): the moving Sets' own resources. Absent: whole stacks.
   */
  readonly targets?: ReadonlyMap<string, readonly string[]>;
  /** The Sets `targets` are the resources of (the moving Sets, in both phases). */
  readonly targetSets?: readonly string[];
}

/** The stacks to run, phase by phase, and the ones left out. */
export interface StackSelection {
  /** Phases in run order; each starts only when every stack of the one before succeeded. */
  readonly phases: readonly SelectedPhase[];
  /** Stacks left out with `--skip-region` (both stacks of each region named). */
  readonly skipped: readonly string[];
  /** Every selected stack, in deployment order. */
  readonly order: readonly string[];
}

const usage = (message: string) => new UserError(message, ExitCode.Usage);

function checkSkipRegions(fleet: FleetSpec, skipRegions: readonly string[]): void {
  const regions = fleet.regions.map((r) => r.name);
  for (const region of skipRegions) {
    if (region === GLOBAL_STACK)
      throw usage("--skip-region global: the global stack cannot be skipped (it is not a region)");
    if (!regions.includes(region))
      throw usage(
        `--skip-region ${region}: no region "${region}" in the fleet (regions: ${regions.join(", ")})`,
      );
  }
}

function checkMoving(fleet: FleetSpec, moving: readonly string[]): void {
  const movable = fleet.sets.filter((set) => set.standby !== undefined).map((set) => set.id);
  const bad = moving.filter((id) => !movable.includes(id));
  if (bad.length > 0)
    throw usage(
      `--moving ${bad.join(",")}: no Set ${bad.map((id) => `"${id}"`).join(", ")} with a ` +
        `standby in the fleet (Sets with a standby: ${movable.join(", ") || "none"})`,
    );
}

/** The stacks `--stack`, `--region` or `--all` name, in deployment order. */
function chosenStacks(fleet: FleetSpec, flags: StackSelectionFlags, moving: boolean): string[] {
  const given = [flags.stack, flags.region, flags.all ? "--all" : undefined].filter(
    (f) => f !== undefined,
  );
  if (given.length > 1) throw usage("give one of --stack S, --region R or --all");
  if (given.length === 0) throw usage("give --stack S, --region R or --all");
  const all = stackOrder(fleet);
  if (flags.stack !== undefined) {
    if (!all.includes(flags.stack))
      throw usage(
        `--stack ${flags.stack}: no stack "${flags.stack}" in the fleet (stacks: ${all.join(", ")})`,
      );
    if (moving && !isTarsStack(fleet, flags.stack))
      throw usage(
        `--moving applies to TARS stacks, where Sets run; ${flags.stack} holds no Set (TARS stacks: ${all.filter((s) => isTarsStack(fleet, s)).join(", ")})`,
      );
    return [flags.stack];
  }
  if (flags.region !== undefined) {
    const regions = fleet.regions.map((r) => r.name);
    if (!regions.includes(flags.region))
      throw usage(
        `--region ${flags.region}: no region "${flags.region}" in the fleet (regions: ${regions.join(", ")})`,
      );
    return stacksOfRegion(fleet, flags.region).filter((s) => !moving || isTarsStack(fleet, s));
  }
  // A failover's run touches TARS stacks only.
  return moving ? all.filter((s) => isTarsStack(fleet, s)) : all;
}

/**
 * The phase a run of `--stack` or `--region` with `moving` Sets is (`--phase`, default `gain`), or
 * undefined without moving Sets. Throws `UserError` (exit 2) on a bad `--phase`.
 */
function onePhase(flags: StackSelectionFlags, moving: readonly string[]): PhaseEffect | undefined {
  const phases: readonly string[] = Object.values(PhaseEffect);
  if (flags.phase !== undefined && !phases.includes(flags.phase))
    throw usage(`--phase ${flags.phase}: expected ${phases.join(" or ")}`);
  if (moving.length === 0) {
    if (flags.phase !== undefined)
      throw usage(`--phase ${flags.phase} applies only with --moving <sets>`);
    return undefined;
  }
  return (flags.phase as PhaseEffect | undefined) ?? PhaseEffect.Gain;
}

/**
 * Each stack's targets when Sets move and `wholeStack` is not asked (`./targets.ts`): the same
 * list in both phases. Throws `UserError` (exit 2) when `wholeStack` comes without moving Sets,
 * or a chosen stack holds no copy of them (its targeted update would do nothing).
 */
function targetsOf(
  fleet: FleetSpec,
  order: readonly string[],
  moving: readonly string[],
  wholeStack: boolean,
): { targets?: ReadonlyMap<string, readonly string[]>; targetSets?: readonly string[] } {
  if (moving.length === 0) {
    if (wholeStack)
      throw usage(
        "--whole-stack applies only with --moving <sets>: without it every update is whole",
      );
    return {};
  }
  if (wholeStack) return {};
  const targets = new Map(order.map((s) => [s, setTargets(fleet, s, moving)]));
  const empty = order.filter((s) => targets.get(s)?.length === 0);
  if (empty.length > 0)
    throw usage(
      `--moving ${moving.join(",")}: ${empty.join(", ")} holds no copy of these Sets, so an ` +
        "update targeted at them would do nothing; name the stacks that hold them, or pass " +
        "--whole-stack to update the whole stack",
    );
  return { targets, targetSets: moving };
}

/** The stacks `flags` select from `fleet`; throws `UserError` (exit 2) on bad flags. */
export function selectStacks(fleet: FleetSpec, flags: StackSelectionFlags): StackSelection {
  checkSkipRegions(fleet, flags.skipRegions);
  const moving = [...new Set(flags.moving ?? [])];
  checkMoving(fleet, moving);
  const order = chosenStacks(fleet, flags, moving.length > 0);
  const skipped = order.filter((s) => flags.skipRegions.includes(regionOfStack(fleet, s) ?? ""));
  const targets = targetsOf(fleet, order, moving, flags.wholeStack === true);
  const wavesOf = (keep: (stack: string) => boolean) =>
    stackWaves(fleet)
      .map((wave) => wave.filter((s) => order.includes(s) && !skipped.includes(s) && keep(s)))
      .filter((wave) => wave.length > 0);
  if (moving.length === 0 || flags.all !== true) {
    if (flags.skipUnreachable === true)
      throw usage(
        "--skip-unreachable applies only to `--all --moving <sets>`, to the stacks that only " +
          "lose Sets (the dark region's)",
      );
    const phase = onePhase(flags, moving);
    const effect = phase === undefined ? {} : { effect: phase };
    // Phase `remove` deploys the fleet file as it is: no old copy kept.
    const kept = phase === PhaseEffect.Remove ? [] : moving;
    return {
      phases: [
        { ...effect, waves: wavesOf(() => true), moving: kept, skipUnreachable: [], ...targets },
      ],
      skipped,
      order,
    };
  }
  if (flags.phase !== undefined)
    throw usage(
      `--phase ${flags.phase}: --all --moving runs both phases in order; --phase goes with ` +
        "--stack or --region",
    );
  const phases = phasesToApply(applyFailover(fleet, moving), fleet, skipped);
  const losing = phases.phases.find((p) => p.effect === PhaseEffect.Remove)?.stacks ?? [];
  const gaining = phases.phases.find((p) => p.effect === PhaseEffect.Gain)?.stacks ?? [];
  const onlyLosing = losing.filter((s) => !gaining.includes(s));
  if (flags.skipUnreachable === true && onlyLosing.length === 0)
    throw usage(
      `--skip-unreachable: no stack only loses Sets when ${moving.join(", ")} move, ` +
        "so every cluster must be reachable",
    );
  return {
    phases: [
      {
        effect: PhaseEffect.Gain,
        waves: wavesOf((s) => !onlyLosing.includes(s)),
        moving,
        skipUnreachable: [],
        ...targets,
      },
      {
        effect: PhaseEffect.Remove,
        waves: wavesOf((s) => losing.includes(s)),
        moving: [],
        skipUnreachable: flags.skipUnreachable === true ? onlyLosing : [],
        ...targets,
      },
    ].filter((p) => p.waves.length > 0),
    skipped,
    order,
  };
}

/** What a run needs besides the engine. */
export interface RunEngineInput {
  readonly command: EngineCommand;
  readonly fleet: LoadedFleet;
  readonly selection: StackSelection;
  /** Update even when a preview deletes more than `maxDeleteShare` of a stack. */
  readonly allowDeletes: boolean;
  /** The largest share (0 to 1) of a stack's resources an update may delete or replace. */
  readonly maxDeleteShare: number;
  /** CrossGuard policy packs to enforce (absolute directories). */
  readonly policyPacks: readonly string[];
  /** Whether the engine may colour its output. */
  readonly color: boolean;
  /**
   * A file holding `fleet.text`, the one copy every preview and update of the run deploys
   * (`TARSFED_FLEET_SNAPSHOT`).
   */
  readonly snapshot: string;
  /** A private directory for the plans previews save and updates apply. */
  readonly planDir: string;
  /** The fleet revision of `fleet.text` (`fleet/operations/revision.ts`), which every stack records. */
  readonly revision: string;
  /**
   * The fleet file's history: read when a stack records another revision, and told of each
   * revision `up` applies.
   */
  readonly history: () => FleetHistory;
  /** Apply this revision even over one the history does not place before it. */
  readonly force: boolean;
  /** `--allow-replace`: the resources (names or URNs), or `homeRegion`, consented to. */
  readonly allowReplace: readonly string[];
}

/** Where a run reports progress. */
export interface EngineProgress {
  /** One line of the engine's output for `stack`. */
  output(stack: string, line: string): void;
  /** `stack` starts. */
  stackStarted(stack: string): void;
  /** `stack` is done, after `seconds`. */
  stackDone(result: StackRunResult, seconds: number): void;
}

/** The counts `--json` prints, from the engine's operation map. */
export function changeCounts(ops: OpCounts): ChangeCounts {
  return {
    create: ops.create ?? 0,
    update: ops.update ?? 0,
    delete: ops.delete ?? 0,
    replace: ops.replace ?? 0,
    same: ops.same ?? 0,
  };
}

const percent = (share: number) => `${Number((share * 100).toFixed(1))}%`;

/**
 * Why an update of `stack` previewed as `ops` must not go ahead, or undefined when it may.
 *
 * A replacement deletes the old resource too, so it counts as a deletion. A preview of a stack
 * that holds resources always counts them (at least as `same`); an empty summary means the
 * engine's summary event was lost (Automation API then returns `{}`, `Stack.preview` in
 * https://github.com/pulumi/pulumi/blob/v3.248.0/sdk/nodejs/automation/stack.ts), so the
 * deletions are unknown and the update is refused too.
 */
export function deletionRefusal(
  stack: string,
  ops: OpCounts,
  currentResources: number,
  input: Pick<RunEngineInput, "allowDeletes" | "maxDeleteShare">,
): string | undefined {
  if (input.allowDeletes) return undefined;
  const override = `review it with \`tarsfed preview --stack ${stack}\`, then pass --allow-deletes to go ahead`;
  if (currentResources > 0 && Object.keys(ops).length === 0)
    return `the preview of ${stack} reported no change summary, so what up would delete is unknown; ${override}`;
  const changes = changeCounts(ops);
  const deletions = changes.delete + changes.replace;
  const share = deletions / Math.max(1, currentResources);
  if (share <= input.maxDeleteShare) return undefined;
  return (
    `up of ${stack} would delete or replace ${deletions} of its ${currentResources} resources ` +
    `(${percent(share)}), more than the ${percent(input.maxDeleteShare)} --max-delete-share ` +
    `allows; ${override}`
  );
}

/** What a stack run needs to know besides its name. */
interface StackRun {
  readonly name: string;
  readonly phase: SelectedPhase;
}

/** The fleet clusters whose resources `names` are (children are named `<cluster>-<role>`). */
function clustersNamed(fleet: FleetSpec, stack: string, names: readonly string[]): string[] {
  const region = regionOfStack(fleet, stack);
  const clusters = (fleet.regions.find((r) => r.name === region)?.clusters ?? [])
    .map((c) => c.name)
    .sort((a, b) => b.length - a.length);
  const found = names.map((n) => clusters.find((c) => n.startsWith(`${c}-`)) ?? n);
  return [...new Set(found)].sort();
}

function unreachableMessage(run: StackRun, fleet: FleetSpec, error: EngineRunError): string {
  const clusters = clustersNamed(fleet, run.name, error.unreachable);
  const which = clusters.length > 0 ? `cluster ${clusters.join(", ")}` : "a cluster";
  const phase =
    run.phase.effect === PhaseEffect.Gain
      ? "; this stack must gain, so the failover stops here and no old copy is removed"
      : "";
  return `${which} of stack ${run.name} is unreachable (${CLUSTER_UNREACHABLE})${phase}`;
}

function failure(
  run: StackRun,
  fleet: FleetSpec,
  changes: ChangeCounts | null,
  error: unknown,
): StackRunResult {
  const targets = run.phase.targets?.get(run.name);
  const base = {
    name: run.name,
    ...(run.phase.effect === undefined ? {} : { phase: run.phase.effect }),
    ...(targets === undefined ? {} : { targets: targets.length }),
    changes,
  };
  if (error instanceof EngineRunError && error.policyViolations.length > 0) {
    const lines = error.policyViolations.map((v) => `  ${v}`).join("\n");
    const message = `mandatory policy violations:\n${lines}`;
    return { ...base, status: StackStatus.Refused, message };
  }
  if (error instanceof UserError)
    return { ...base, status: StackStatus.Refused, message: error.message };
  if (
    error instanceof EngineRunError &&
    (error.unreachable.length > 0 || error.message.includes(CLUSTER_UNREACHABLE))
  )
    return { ...base, status: StackStatus.Failed, message: unreachableMessage(run, fleet, error) };
  if (error instanceof EngineRunError)
    return { ...base, status: StackStatus.Failed, message: error.message };
  // Anything else is a bug in tarsfed, not a cloud failure.
  throw error;
}

/**
 * The environment of one stack's run: the fleet copy it deploys, its phase, and whether it may
 * skip unreachable clusters.
 */
function runEnv(run: StackRun, input: RunEngineInput): Record<string, string> {
  return {
    // Always set, so no value leaks in from the caller's shell.
    [MOVING_SETS_ENV]: run.phase.moving.join(","),
    [SKIP_UNREACHABLE_ENV]: String(run.phase.skipUnreachable.includes(run.name)),
    [FLEET_SNAPSHOT_ENV]: input.snapshot,
  };
}

/** The string output `key` of a deployed stack, or undefined. */
function deployedOutput(state: DeployedState, key: string): string | undefined {
  const value = state.outputs[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Why the update of `name`, previewed as `preview`, must not go ahead, or undefined. */
function updateRefusal(
  name: string,
  changeSummary: OpCounts,
  critical: ReturnType<typeof criticalChanges>,
  state: DeployedState,
  input: RunEngineInput,
): string | undefined {
  const reasons = [
    deletionRefusal(name, changeSummary, state.resources, input),
    consentRefusal(name, critical, input.allowReplace),
  ].filter((r): r is string => r !== undefined);
  return reasons.length > 0 ? reasons.join("\n") : undefined;
}

/** What up will need consent for, as a preview's note; nothing when nothing. */
function consentNote(name: string, critical: ReturnType<typeof criticalChanges>) {
  const notice = consentNotice(name, critical);
  return notice === undefined ? {} : { message: notice };
}

async function runStack(
  run: StackRun,
  input: RunEngineInput,
  engine: Engine,
  progress: EngineProgress,
): Promise<StackRunResult> {
  const { name } = run;
  const listed = run.phase.targets?.get(name);
  let phase = {
    ...(run.phase.effect === undefined ? {} : { phase: run.phase.effect }),
    ...(listed === undefined ? {} : { targets: listed.length }),
  };
  const up = input.command === EngineCommand.Up;
  let changes: ChangeCounts | null = null;
  try {
    const stack = await engine.openStack(name, input.fleet);
    const state = await stack.deployed();
    const targets =
      listed === undefined
        ? undefined
        : reachableTargets(
            input.fleet.spec,
            name,
            run.phase.targetSets ?? [],
            run.phase.effect,
            listed,
            state.urns,
          );
    if (targets !== undefined) phase = { ...phase, targets: targets.length };
    // Never an update without targets in a targeted run: it would update the whole stack.
    if (targets?.length === 0)
      return {
        name,
        ...phase,
        status: StackStatus.Ok,
        changes,
        message: "the moving Sets' old copies are already gone from this stack: nothing to update",
      };
    const options: EngineRunOptions = {
      onOutput: (line) => progress.output(name, line),
      color: input.color,
      env: runEnv(run, input),
      ...(input.policyPacks.length > 0 ? { policyPacks: input.policyPacks } : {}),
      ...(targets === undefined ? {} : { targets }),
    };
    const stale = up ? revisionOf(name, state, input) : undefined;
    if (stale !== undefined)
      return { name, ...phase, status: StackStatus.Refused, changes, message: stale };
    // The preview saves its plan; the update below applies exactly that plan.
    const plan = path.join(
      input.planDir,
      `${name}${run.phase.effect === undefined ? "" : `-${run.phase.effect}`}.plan.json`,
    );
    const { changeSummary, steps } = await stack.preview(up ? { ...options, plan } : options);
    changes = changeCounts(changeSummary);
    const critical = criticalChanges(steps, {
      resources: state.resources,
      homeRegion: input.fleet.spec.homeRegion,
      ...optional("deployedHomeRegion", deployedOutput(state, StackOutput.HomeRegion)),
    });
    if (!up)
      return { name, ...phase, status: StackStatus.Ok, changes, ...consentNote(name, critical) };
    const refusal = updateRefusal(name, changeSummary, critical, state, input);
    if (refusal !== undefined)
      return { name, ...phase, status: StackStatus.Refused, changes, message: refusal };
    // Noted first: even an update that fails part-way may leave the stack at this revision.
    input.history().recordApplied(input.revision);
    const { summary } = await stack.up({ ...options, plan });
    if (summary.result !== "succeeded") {
      const message = `the update ended with result "${summary.result}"`;
      return { name, ...phase, status: StackStatus.Failed, changes, message };
    }
    // What the update did, when the engine reported it; else what the preview said it would do.
    if (summary.resourceChanges !== undefined) changes = changeCounts(summary.resourceChanges);
    return { name, ...phase, status: StackStatus.Ok, changes };
  } catch (error) {
    return failure(run, input.fleet.spec, changes, error);
  }
}

/** `{ [key]: value }`, or nothing when `value` is undefined. */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Why `up` must not apply this run's fleet revision over the stack's (`revision.ts`), or undefined. */
function revisionOf(name: string, state: DeployedState, input: RunEngineInput): string | undefined {
  if (input.force) return undefined;
  const deployed = deployedOutput(state, StackOutput.FleetRevision);
  if (deployed === undefined || deployed === input.revision) return undefined;
  return revisionRefusal({
    stack: name,
    deployed,
    current: input.revision,
    file: input.fleet.file,
    history: input.history(),
  });
}

async function timed(
  name: string,
  progress: EngineProgress,
  run: () => Promise<StackRunResult>,
): Promise<StackRunResult> {
  const startedMs = performance.now();
  progress.stackStarted(name);
  const result = await run();
  progress.stackDone(result, (performance.now() - startedMs) / 1000);
  return result;
}

/** Runs every stack of one wave in parallel; waits for all before reporting a bug in any. */
async function runWave(
  wave: readonly string[],
  phase: SelectedPhase,
  input: RunEngineInput,
  engine: Engine,
  progress: EngineProgress,
): Promise<StackRunResult[]> {
  const settled = await Promise.allSettled(
    wave.map((name) =>
      timed(name, progress, () => runStack({ name, phase }, input, engine, progress)),
    ),
  );
  const bug = settled.find((s) => s.status === "rejected");
  if (bug !== undefined) throw bug.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<StackRunResult>).value);
}

/** Runs `input.command` over the selected stacks, phase by phase, wave by wave. */
export async function runEngine(
  input: RunEngineInput,
  engine: Engine,
  progress: EngineProgress,
): Promise<EngineRunResult> {
  const { selection } = input;
  const firstPhase = selection.phases[0]?.effect;
  const skipped: StackRunResult[] = selection.skipped.map((name) => ({
    name,
    ...(firstPhase === undefined ? {} : { phase: firstPhase }),
    status: StackStatus.Skipped,
    changes: null,
    message: `left out with --skip-region ${regionOfStack(input.fleet.spec, name) ?? name}`,
  }));
  const blockers: string[] = [];
  const reported: StackRunResult[] = [];
  for (const [index, phase] of selection.phases.entries()) {
    const results = new Map<string, StackRunResult>(
      index === 0 ? skipped.map((r) => [r.name, r]) : [],
    );
    const tag = phase.effect === undefined ? {} : { phase: phase.effect };
    const earlier = blockers.length;
    for (const wave of phase.waves) {
      if (blockers.length > 0) {
        const message =
          blockers.length === earlier
            ? `phase gain did not succeed (${blockers.join(", ")}), so no old copy is removed`
            : `${blockers.join(", ")} did not succeed`;
        for (const name of wave)
          results.set(name, { name, ...tag, status: StackStatus.NotRun, changes: null, message });
        continue;
      }
      for (const result of await runWave(wave, phase, input, engine, progress)) {
        results.set(result.name, result);
        if (result.status !== StackStatus.Ok) blockers.push(result.name);
      }
    }
    const ran = new Set(phase.waves.flat());
    reported.push(
      ...selection.order.flatMap((name) =>
        ran.has(name) || (index === 0 && selection.skipped.includes(name))
          ? (results.get(name) ?? [])
          : [],
      ),
    );
  }
  return { command: input.command, stacks: reported };
}

/** The exit code of a run: 3 when the engine failed anywhere, 1 when a stack was refused. */
export function engineExitCode(result: EngineRunResult): ExitCode {
  const statuses = new Set(result.stacks.map((s) => s.status));
  if (statuses.has(StackStatus.Failed)) return ExitCode.Remote;
  if (statuses.has(StackStatus.Refused)) return ExitCode.Refused;
  return ExitCode.Ok;
}
