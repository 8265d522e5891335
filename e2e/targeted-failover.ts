/**
 * The targeted failover, measured (issue 12, item 4c): on a TARS stack of about 2,000 resources,
 * a Set's failover applied as updates targeted at the Set's own resources
 * (`cli/engine/targets.ts`: `pulumi up --target <urn>… --target-dependents`), against another Set's
 * identical failover applied as whole-stack updates, in the same run on the same stack.
 *
 * The stack: one region, `guangzhou`, home, with two existing clusters, `b1` and `b2` (local
 * clusters of their own, so the other drills' stacks are not touched), so both phases of a move
 * from `b1` to `b2` update this one stack. It holds the framework of both clusters, the home
 * services, many bulk Sets (one replica of each bulk server in each) and two Sets that move,
 * `move.gz.1` and `move.gz.2`, of the same servers and with a cold standby in `b2`: a failover
 * creates their copies in `b2` (phase `gain`, `TARSFED_MOVING_SETS` set) and deletes those in `b1`
 * (phase `remove`).
 *
 * 1. `up` of the whole stack creates it (setup, not measured; checkpoints skipped). The bulk Deployments are created
 *    with `pulumi.com/skipAwait` (a stack transform of this drill alone, see {@link bulkSkipAwait}):
 *    awaiting hundreds of Deployments on this 2-core machine costs minutes and measures nothing
 *    here. The framework's and the moving Sets' objects keep Pulumi's await, and no measured update
 *    touches a bulk object (a targeted update skips it; a whole-stack update diffs it and finds it
 *    the same).
 * 2. `tarsfed failover move.gz.1` (the real CLI) edits the fleet file; both phases run as updates
 *    targeted at the URNs `tarsfed failover --json` prints for the stack.
 * 3. `tarsfed failover move.gz.2`; both phases run as updates of the whole stack.
 * Every update runs with `PULUMI_SKIP_CHECKPOINTS`: the file backend otherwise rewrites the whole
 * state (about 17 MB for this stack) after every step, the same cost in both ways, which hides
 * what targeting saves and made the drill take 25 minutes (a targeted pair took 624.5 s against
 * 256.7 s whole-stack with checkpoints, 181.5 s against 169.9 s without them, in one run).
 *
 * Steps are the engine's own count: every operation of its summary but `same`
 * (`engineSummary`); seconds are the wall time of the `up` calls, each phase's program run, diff
 * and apply included. The copies in `b2` are checked Available and those in `b1` gone, on the API
 * servers, after each failover.
 */
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import main from "../index";
import { RESOURCES_PER_SET_DEPLOYMENT } from "../cli/engine/targets";
import { deploymentName, PULUMI_PROJECT } from "../fleet/model/naming";
import { MOVING_SETS_ENV } from "../fleet/operations/transition";
import { type ClusterTools, type LocalCluster, startCluster } from "./cluster";
import { type Processes } from "./processes";
import { createHostPathVolumes } from "./kube";
import { type Drill, type FailoverMeasurement } from "./report";
import { engineSummary, pulumiEnv, writeRandomStandin } from "./pulumi-smoke";
import { deploymentAvailable } from "./smoke";
import {
  BENCH_SHAPE,
  BENCH_STORAGE_CLASS,
  type BenchShape,
  benchFleet,
  bulkSkipAwait,
  FULL_SET,
  movingServerId,
  SKIP_AWAIT,
  TARGETED_SET,
} from "./bench-fleet";
import { deployments } from "./tars-up";

/** The stack measured: the home region's TARS stack. */
const STACK = "guangzhou";

/** What `tarsfed failover --json` prints, as far as the measurement reads it. */
interface FailoverOutput {
  readonly updates: readonly {
    readonly phase: string;
    readonly stack: string;
    readonly targets: readonly string[];
  }[];
}

/** One `up` of a failover's phase. */
interface PhaseUp {
  readonly set: string;
  readonly phase: string;
  readonly targeted: boolean;
  readonly changes: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly replaced: number;
  readonly seconds: number;
}

/** The measurement and how it went. */
export interface TargetedFailoverResult {
  readonly measurement: FailoverMeasurement;
  readonly replaced: number;
  readonly setupSeconds: number;
  /** What did not hold; empty when the measurement is valid. */
  readonly problems: readonly string[];
  readonly detail: string;
}

/** The Deployments of `set` in `cluster`, by name, each with whether it is Available. */
async function setDeployments(cluster: LocalCluster, set: string): Promise<Map<string, boolean>> {
  const names = new Set(
    Array.from({ length: BENCH_SHAPE.movingServers }, (_, i) =>
      deploymentName(movingServerId(i), set),
    ),
  );
  const found = new Map<string, boolean>();
  for (const d of await deployments(cluster)) {
    const name = (d.metadata as { name?: string }).name ?? "";
    if (!names.has(name)) continue;
    const replicas = (d.spec as { replicas?: number }).replicas ?? 1;
    found.set(name, deploymentAvailable(d, replicas));
  }
  return found;
}

/** Runs `tarsfed failover <set> --json` on the fleet file, as a user would. */
async function failover(fleetFile: string, set: string): Promise<FailoverOutput> {
  const tsx = path.resolve("node_modules", ".bin", "tsx");
  const { stdout } = await promisify(execFile)(
    tsx,
    [path.resolve("cli", "main.ts"), "failover", set, "--fleet", fleetFile, "--json"],
    { encoding: "utf8" },
  );
  return JSON.parse(stdout) as FailoverOutput;
}

/**
 * Creates the stack on `clusters` (`b1`, `b2`), then fails `TARGETED_SET` over with targeted
 * updates and `FULL_SET` with whole-stack ones, and measures both.
 */
export async function targetedFailover(options: {
  readonly clusters: readonly [LocalCluster, LocalCluster];
  readonly runDir: string;
  readonly pulumiRoot: string;
  readonly kubernetesProviderDir: string;
  readonly shape?: BenchShape;
  readonly output?: (line: string) => void;
}): Promise<TargetedFailoverResult> {
  const { runDir } = options;
  const shape = options.shape ?? BENCH_SHAPE;
  const [b1, b2] = options.clusters;
  const fleetDir = path.join(runDir, "bench-fleet");
  mkdirSync(path.join(fleetDir, "kubeconfigs"), { recursive: true });
  writeFileSync(path.join(fleetDir, "kubeconfigs", "b1.yaml"), b1.kubeconfig, { mode: 0o600 });
  writeFileSync(path.join(fleetDir, "kubeconfigs", "b2.yaml"), b2.kubeconfig, { mode: 0o600 });
  const fleetFile = path.join(fleetDir, "fleet.yaml");
  writeFileSync(fleetFile, benchFleet(shape));
  for (const cluster of options.clusters)
    await createHostPathVolumes(cluster, BENCH_STORAGE_CLASS, "e2e-bench", 4);

  // The random stand-in (e2e/random-standin.ts) as the plugin the engine finds on PATH.
  const binDir = path.join(runDir, "bench-bin");
  mkdirSync(binDir, { recursive: true });
  writeRandomStandin(binDir);

  const state = path.join(runDir, "bench-state");
  const workDir = path.join(runDir, "bench-work");
  for (const dir of [state, workDir, path.join(runDir, "pulumi-home")])
    mkdirSync(dir, { recursive: true });
  const envVars = pulumiEnv(runDir, [options.kubernetesProviderDir, binDir]);
  const pulumiCommand = await PulumiCommand.get({
    root: options.pulumiRoot,
    skipVersionCheck: true,
  });
  const program = () => {
    pulumi.runtime.registerResourceTransform(bulkSkipAwait);
    return main();
  };
  const stack: Stack = await LocalWorkspace.createOrSelectStack(
    { stackName: STACK, projectName: PULUMI_PROJECT, program },
    {
      workDir,
      pulumiHome: envVars.PULUMI_HOME,
      pulumiCommand,
      envVars,
      projectSettings: {
        name: PULUMI_PROJECT,
        runtime: "nodejs",
        backend: { url: `file://${state}` },
      },
    },
  );
  await stack.setAllConfig({
    "tars-federation:scope": { value: STACK },
    "tars-federation:fleet": { value: fleetFile },
  });

  /**
   * One `up`, with `TARSFED_MOVING_SETS` as given (in this process too: the program runs here)
   * and `env` in the CLI's environment for this run only.
   */
  const up = async (
    moving: string,
    targets?: readonly string[],
    env: Readonly<Record<string, string>> = {},
  ) => {
    const saved = process.env[MOVING_SETS_ENV];
    process.env[MOVING_SETS_ENV] = moving;
    const savedEnv = { ...stack.workspace.envVars };
    Object.assign(stack.workspace.envVars, { [MOVING_SETS_ENV]: moving, ...env });
    const started = Date.now();
    try {
      const result = await stack.up({
        color: "never",
        onOutput: (out) => options.output?.(out),
        ...(targets === undefined ? {} : { target: [...targets], targetDependents: true }),
      });
      return {
        ...engineSummary(result.summary.resourceChanges ?? {}),
        seconds: (Date.now() - started) / 1000,
      };
    } finally {
      if (saved === undefined) delete process.env[MOVING_SETS_ENV];
      else process.env[MOVING_SETS_ENV] = saved;
      for (const key of Object.keys(stack.workspace.envVars)) delete stack.workspace.envVars[key];
      Object.assign(stack.workspace.envVars, savedEnv);
    }
  };

  const setupStarted = Date.now();
  const SKIP_CHECKPOINTS = { PULUMI_SKIP_CHECKPOINTS: "true", PULUMI_EXPERIMENTAL: "true" };
  // The setup saves the state once at the end rather than after each of its ~2,000 steps: with the
  // file backend every checkpoint rewrites the whole state, which made a first try take over
  // 12 minutes for 500 steps on this machine (`PULUMI_SKIP_CHECKPOINTS`, "Skip saving state
  // checkpoints and only save the final deployment", pulumi/pulumi `sdk/go/common/env/env.go`;
  // experimental in older CLIs, hence `PULUMI_EXPERIMENTAL`). The measured updates skip them too,
  // in both ways alike (see the file's comment).
  const setup = await up("", undefined, SKIP_CHECKPOINTS);
  const setupSeconds = (Date.now() - setupStarted) / 1000;
  const exported = (await stack.exportStack()).deployment as { resources?: unknown[] } | undefined;
  const stackResources = exported?.resources?.length ?? 0;

  const problems: string[] = [];
  const ups: PhaseUp[] = [];
  let setResources = 0;
  for (const [set, targeted] of [
    [TARGETED_SET, true],
    [FULL_SET, false],
  ] as const) {
    const before = await setDeployments(b1, set);
    if (before.size !== shape.movingServers || [...before.values()].some((ok) => !ok))
      problems.push(
        `${set}: ${before.size} of ${shape.movingServers} Deployments Available in b1 before`,
      );
    const edit = await failover(fleetFile, set);
    const updates = edit.updates.filter((u) => u.stack === STACK);
    const phases = updates.map((u) => u.phase).join(",");
    if (phases !== "gain,remove" || updates.length !== edit.updates.length)
      throw new Error(
        `tarsfed failover ${set} printed updates ${JSON.stringify(edit.updates.map((u) => [u.phase, u.stack]))}`,
      );
    if (targeted) setResources = updates[0]?.targets.length ?? 0;
    for (const update of updates) {
      const moving = update.phase === "gain" ? set : "";
      const result = await up(moving, targeted ? update.targets : undefined, SKIP_CHECKPOINTS);
      ups.push({ set, phase: update.phase, targeted, ...result });
    }
    const standby = await setDeployments(b2, set);
    const own = await setDeployments(b1, set);
    if (standby.size !== shape.movingServers || [...standby.values()].some((ok) => !ok))
      problems.push(
        `${set}: ${standby.size} of ${shape.movingServers} Deployments Available in b2 after`,
      );
    if (own.size > 0) problems.push(`${set}: ${own.size} Deployments still in b1 after remove`);
  }
  const sum = (targeted: boolean, key: "steps" | "seconds" | "replaced") =>
    ups.filter((u) => u.targeted === targeted).reduce((total, u) => total + u[key], 0);
  const measurement: FailoverMeasurement = {
    targetedSteps: sum(true, "steps"),
    setResources,
    fullSteps: sum(false, "steps"),
    targetedSeconds: Number(sum(true, "seconds").toFixed(1)),
    fullSeconds: Number(sum(false, "seconds").toFixed(1)),
    ratio: Number((sum(true, "seconds") / Math.max(0.001, sum(false, "seconds"))).toFixed(3)),
    stackResources,
  };
  const expected = shape.movingServers * RESOURCES_PER_SET_DEPLOYMENT * 2;
  if (setResources !== expected)
    problems.push(
      `tarsfed failover targeted ${setResources} URNs, expected ${expected} (2 clusters × ${shape.movingServers} servers × ${RESOURCES_PER_SET_DEPLOYMENT})`,
    );
  if (measurement.targetedSteps !== setResources)
    problems.push(`targetedSteps ${measurement.targetedSteps} ≠ setResources ${setResources}`);
  const replaced = sum(true, "replaced") + sum(false, "replaced");
  if (measurement.fullSteps !== setResources)
    problems.push(
      `fullSteps ${measurement.fullSteps} ≠ setResources ${setResources}: the Sets' moves differ`,
    );
  if (replaced !== 0) problems.push(`${replaced} replaced`);
  const detail = [
    `stack ${STACK}: ${stackResources} resources (setup ${JSON.stringify(setup.changes)} in ${setupSeconds.toFixed(1)}s, bulk Deployments with ${SKIP_AWAIT})`,
    ...ups.map(
      (u) =>
        `${u.targeted ? "targeted" : "whole-stack"} ${u.phase} of ${u.set}: ${JSON.stringify(u.changes)} in ${u.seconds.toFixed(1)}s`,
    ),
  ].join("; ");
  return { measurement, replaced, setupSeconds, problems, detail };
}

/** The drill's name in the report. */
export const TARGETED_FAILOVER_DRILL = "targeted-failover";

/**
 * The measurement as one drill of the e2e report: starts the two clusters it runs on (4 fake
 * nodes each, room for about 200 pods per cluster), measures, stops them, and returns the drill (ok
 * when every check held and nothing was replaced) and the report's `failover`, null when it did
 * not finish.
 */
export async function targetedFailoverDrill(options: {
  readonly tools: ClusterTools;
  readonly processes: Processes;
  readonly runDir: string;
  readonly pulumiRoot: string;
  readonly kubernetesProviderDir: string;
  readonly output?: (line: string) => void;
  readonly progress?: (line: string) => void;
}): Promise<{ readonly drill: Drill; readonly measurement: FailoverMeasurement | null }> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const clusters: LocalCluster[] = [];
  const start = async (name: string) => {
    const cluster = await startCluster({
      name,
      runDir: options.runDir,
      tools: options.tools,
      processes: options.processes,
      progress: options.progress ?? (() => {}),
      nodes: 4,
    });
    clusters.push(cluster);
    return cluster;
  };
  try {
    const b1 = await start("bench1");
    const b2 = await start("bench2");
    const result = await targetedFailover({ ...options, clusters: [b1, b2] });
    const m = result.measurement;
    return {
      drill: {
        name: TARGETED_FAILOVER_DRILL,
        ok: result.problems.length === 0,
        seconds: seconds(),
        replaced: result.replaced,
        steps: m.targetedSteps + m.fullSteps,
        detail: [
          ...result.problems,
          `targeted ${m.targetedSteps} steps (the Set's ${m.setResources} resources) in ${m.targetedSeconds}s, whole-stack ${m.fullSteps} steps in ${m.fullSeconds}s, ratio ${m.ratio}`,
          result.detail,
        ].join("; "),
      },
      measurement: m,
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : JSON.stringify(error);
    return {
      drill: {
        name: TARGETED_FAILOVER_DRILL,
        ok: false,
        seconds: seconds(),
        replaced: null,
        steps: null,
        detail,
      },
      measurement: null,
    };
  } finally {
    for (const cluster of clusters) await cluster.stop();
  }
}
