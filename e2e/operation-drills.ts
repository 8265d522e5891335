/**
 * The operation drills after `failover-warm-set` (issue 12, item 4b), each the real CLI's edit of
 * the fleet file and `tarsfed up` (`e2e/tarsfed.ts`), checked by reading both API servers:
 *
 * - `failback`: `tarsfed failback app.gz.1`, then `tarsfed up --all --moving app.gz.1` as it
 *   prints: the fleet file is back byte for byte, and the Deployments are as before the failover
 *   (same names, replicas and `TARS_DISABLE_FLOW`; same uids, but for the active copy the failover
 *   removed and the failback made again).
 * - `scale-replicas`: `tarsfed scale replicas TestApp.HelloServer app.gz.1 3`, then the `up` it
 *   prints: the Deployment keeps its uid and is Available with 3 replicas when `up` returns.
 * - `dark-region`: shanghai's kube-apiserver stopped, `tarsfed failover --region shanghai`, then
 *   the `up` it prints (`--skip-region shanghai`): guangzhou runs app.sh.1; the shanghai stack's
 *   state is exactly as before (same last update, same export); after the API server is started
 *   again, sh1's Deployments are as before (same uids and resourceVersions).
 *
 * Each edit is committed in the fleet's repository, as a platform team does, since `tarsfed up`
 * orders fleet revisions by that history (`cli/engine/revision.ts`).
 */
import { readFileSync } from "node:fs";
import { type Stack } from "@pulumi/pulumi/automation";
import { type InlineProject } from "../cli/engine/automation";
import { type EngineRunResult } from "../cli/engine/orchestrate";
import { deploymentName } from "../fleet/model/naming";
import { type LocalCluster } from "./cluster";
import { type KubeObject } from "./kube";
import { deploymentAvailable } from "./smoke";
import { commitFleet, deployments } from "./tars-up";
import {
  e2eEngine,
  type OperationOutput,
  type StackUp,
  stackUps,
  tarsfed,
  tarsfedJson,
} from "./tarsfed";

const SERVER = "TestApp.HelloServer";
const WARM_SET = "app.gz.1";
const COLD_SET = "app.sh.1";
const NO_FLOW_ENV = "TARS_DISABLE_FLOW";

/** One Deployment as a cluster holds it. */
export interface DeploymentState {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly replicas: number;
  readonly noFlow: boolean;
  readonly available: boolean;
}

/** Every Deployment of both clusters' TARS namespaces, by `<cluster>/<namespace>/<name>`. */
export type ClusterState = ReadonlyMap<string, DeploymentState>;

function stateOf(deployment: KubeObject): DeploymentState {
  const meta = deployment.metadata as { uid?: string; resourceVersion?: string };
  const spec = deployment.spec as {
    replicas?: number;
    template?: { spec?: { containers?: { env?: { name?: string }[] }[] } };
  };
  const replicas = spec.replicas ?? 1;
  return {
    uid: meta.uid ?? "",
    resourceVersion: meta.resourceVersion ?? "",
    replicas,
    noFlow: (spec.template?.spec?.containers ?? []).some((c) =>
      (c.env ?? []).some((e) => e.name === NO_FLOW_ENV),
    ),
    available: deploymentAvailable(deployment, replicas),
  };
}

/** Reads every Deployment of `clusters` (TARS namespaces only). */
export async function clusterState(clusters: readonly LocalCluster[]): Promise<ClusterState> {
  const state = new Map<string, DeploymentState>();
  for (const cluster of clusters)
    for (const deployment of await deployments(cluster)) {
      const meta = deployment.metadata as { namespace?: string; name?: string };
      state.set(`${cluster.name}/${meta.namespace ?? ""}/${meta.name ?? ""}`, stateOf(deployment));
    }
  return state;
}

/** The Set's server Deployment in `cluster`, by its key in a {@link ClusterState}. */
function setKey(state: ClusterState, cluster: LocalCluster, set: string): string | undefined {
  const name = deploymentName(SERVER, set);
  return [...state.keys()].find(
    (key) => key.startsWith(`${cluster.name}/`) && key.endsWith(`/${name}`),
  );
}

/** The Set's server Deployment in `cluster`, or undefined. */
function setDeployment(
  state: ClusterState,
  cluster: LocalCluster,
  set: string,
): DeploymentState | undefined {
  const key = setKey(state, cluster, set);
  return key === undefined ? undefined : state.get(key);
}

const show = (d: DeploymentState | undefined) =>
  d === undefined
    ? "absent"
    : `uid ${d.uid.slice(0, 8)}, ${d.replicas} replicas${d.noFlow ? `, ${NO_FLOW_ENV}` : ""}${d.available ? ", Available" : ""}`;

/** What a drill did: the engine's summary of each update, what it saw, and what did not hold. */
export interface OperationDrillResult {
  readonly ups: readonly StackUp[];
  readonly detail: string;
  readonly problems: readonly string[];
}

/** What the drills share. */
export interface DrillContext {
  /** gz1 (region guangzhou, home) and sh1 (region shanghai). */
  readonly clusters: readonly [LocalCluster, LocalCluster];
  readonly fleetFile: string;
  readonly inline: InlineProject;
  /** The stacks `tars-up` made, to read their state (never to update them). */
  readonly stacks: ReadonlyMap<string, Stack>;
  readonly output?: (line: string) => void;
}

/**
 * `tarsfed up <args> --yes --fleet <file> --json`; `afterUp` is called after each stack's update.
 * Throws when it exits non-zero or a stack is not ok.
 */
async function up(
  context: DrillContext,
  args: readonly string[],
  afterUp?: (stack: string) => Promise<void>,
): Promise<{ readonly result: EngineRunResult; readonly ups: StackUp[] }> {
  const started = Date.now();
  const run = await tarsfed(["up", ...args, "--yes", "--fleet", context.fleetFile, "--json"], {
    engine: e2eEngine(context.inline, afterUp),
    ...(context.output === undefined ? {} : { output: context.output }),
  });
  let result: EngineRunResult;
  try {
    result = JSON.parse(run.stdout) as EngineRunResult;
  } catch {
    throw new Error(
      `tarsfed up ${args.join(" ")}: exit ${run.code}, no JSON: ${run.stderr.trim().split("\n").slice(-5).join(" | ")}`,
    );
  }
  const ups = stackUps(result, (Date.now() - started) / 1000);
  if (run.code !== 0) throw new Error(`tarsfed up ${args.join(" ")}: exit ${run.code}`);
  return { result, ups };
}

/** `tarsfed <operation> … --fleet <file> --json`, the edit committed. */
async function operation(context: DrillContext, args: readonly string[]): Promise<OperationOutput> {
  const output = await tarsfedJson<OperationOutput>([...args, "--fleet", context.fleetFile], {
    ...(context.output === undefined ? {} : { output: context.output }),
  });
  commitFleet(context.fleetFile, `tarsfed ${args.join(" ")}`);
  return output;
}

const phasesText = (edit: OperationOutput) =>
  edit.phases.map((p) => `${p.effect} [${p.stacks.join(", ")}]`).join(", ");

const upsText = (ups: readonly StackUp[]) =>
  ups
    .map((u) => `${u.phase === "" ? "" : `${u.phase} `}${u.stack} ${JSON.stringify(u.changes)}`)
    .join("; ");

function replacedProblem(ups: readonly StackUp[]): string[] {
  const replaced = ups.reduce((sum, u) => sum + u.replaced, 0);
  return replaced === 0 ? [] : [`${replaced} replaced`];
}

/**
 * Failback of the warm Set after `failover-warm-set`. `before`: the fleet text and the clusters
 * before that failover.
 */
export async function failback(
  context: DrillContext,
  before: { readonly fleetText: string; readonly state: ClusterState },
): Promise<OperationDrillResult> {
  const [gz, sh] = context.clusters;
  const problems: string[] = [];
  const notes: string[] = [];
  // The failover's edit, committed as a team does before the next change.
  commitFleet(context.fleetFile, `tarsfed failover ${WARM_SET}`);
  const edit = await operation(context, ["failback", WARM_SET]);
  notes.push(
    `tarsfed failback: ${edit.changed.map((c) => c.path).join(", ")}; ${phasesText(edit)}`,
  );
  if (readFileSync(context.fleetFile, "utf8") !== before.fleetText)
    problems.push("the fleet file is not back byte for byte to its text before the failover");
  const order = edit.phases.map((p) => p.effect).join(",");
  if (order !== "gain,remove") throw new Error(`tarsfed failback printed phases ${order}`);

  const { ups } = await up(context, ["--all", "--moving", WARM_SET], async (stack) => {
    const now = await clusterState(context.clusters);
    const active = setDeployment(now, gz, WARM_SET);
    const warm = setDeployment(now, sh, WARM_SET);
    notes.push(`after up ${stack}: gz1 ${show(active)}; sh1 ${show(warm)}`);
    if (edit.phases[0]?.stacks.includes(stack) === true) {
      // Gain: the active copy is back and Ready; the standby still serves until remove.
      if (active === undefined || !active.available || active.noFlow)
        problems.push(`gz1 ${WARM_SET}: not back, Available and serving after gain`);
      if (warm === undefined || warm.noFlow)
        problems.push(`sh1 ${WARM_SET}: must still serve until remove`);
    }
  });

  const after = await clusterState(context.clusters);
  const recreated = setKey(before.state, gz, WARM_SET);
  for (const [key, was] of before.state) {
    const now = after.get(key);
    if (now === undefined) {
      problems.push(`${key} is gone`);
      continue;
    }
    if (now.replicas !== was.replicas)
      problems.push(`${key}: ${now.replicas} replicas, ${was.replicas} before the failover`);
    if (now.noFlow !== was.noFlow)
      problems.push(`${key}: ${NO_FLOW_ENV} ${now.noFlow ? "set" : "unset"}, not as before`);
    if (!now.available) problems.push(`${key} is not Available`);
    if (key !== recreated && now.uid !== was.uid)
      problems.push(`${key}: uid ${was.uid} became ${now.uid}`);
  }
  for (const key of after.keys())
    if (!before.state.has(key)) problems.push(`${key} was not there before the failover`);
  notes.push(
    `after: gz1 ${show(setDeployment(after, gz, WARM_SET))}; sh1 ${show(setDeployment(after, sh, WARM_SET))}; ${after.size} Deployments, ${before.state.size} before the failover`,
  );
  problems.push(...replacedProblem(ups));
  return { ups, detail: [...notes, upsText(ups)].join("; "), problems };
}

/** `tarsfed scale replicas TestApp.HelloServer app.gz.1 3`, applied with the `up` it prints. */
export async function scaleReplicas(context: DrillContext): Promise<OperationDrillResult> {
  const [gz] = context.clusters;
  const problems: string[] = [];
  const replicas = 3;
  const before = await clusterState(context.clusters);
  const key = setKey(before, gz, WARM_SET);
  const was = key === undefined ? undefined : before.get(key);
  if (key === undefined || was === undefined) throw new Error(`gz1: no ${WARM_SET} Deployment`);
  const edit = await operation(context, ["scale", "replicas", SERVER, WARM_SET, String(replicas)]);
  const stacks = edit.phases.flatMap((p) => p.stacks);
  if (stacks.join(",") !== "guangzhou")
    throw new Error(`tarsfed scale printed stacks ${stacks.join(", ")}, expected guangzhou`);
  const { ups } = await up(context, ["--stack", "guangzhou"]);
  // Read at once: `up` returned after Pulumi's await saw the Deployment Available.
  const now = (await clusterState(context.clusters)).get(key);
  if (now === undefined) problems.push(`${key} is gone`);
  else {
    if (now.uid !== was.uid) problems.push(`${key}: uid ${was.uid} became ${now.uid}`);
    if (now.replicas !== replicas) problems.push(`${key}: ${now.replicas} replicas`);
    if (!now.available) problems.push(`${key} not Available with ${replicas} replicas`);
  }
  problems.push(...replacedProblem(ups));
  const detail = [
    `tarsfed scale: ${edit.changed.map((c) => `${c.path} ${String(c.from)} → ${String(c.to)}`).join(", ")}; ${phasesText(edit)}`,
    `before: ${show(was)}; after up: ${show(now)}`,
    upsText(ups),
  ].join("; ");
  return { ups, detail, problems };
}

/** The state of a stack as its backend holds it: its updates so far and its whole export. */
async function stackRecord(
  stack: Stack,
): Promise<{ updates: string; resources: number; text: string }> {
  const history = await stack.history();
  const last = history[0];
  const deployment = (await stack.exportStack()).deployment as { resources?: unknown[] };
  return {
    updates: `${history.length} updates, the last ${last === undefined ? "none" : `${last.kind} at ${last.startTime.toISOString()}`}`,
    resources: deployment.resources?.length ?? 0,
    text: JSON.stringify(deployment),
  };
}

/**
 * shanghai goes dark (its kube-apiserver stopped); `tarsfed failover --region shanghai` and the
 * `up` it prints run for guangzhou alone. The API server is started again at the end, to read sh1.
 */
export async function darkRegion(context: DrillContext): Promise<OperationDrillResult> {
  const [gz, sh] = context.clusters;
  const dark = "shanghai";
  const problems: string[] = [];
  const notes: string[] = [];
  const darkStack = context.stacks.get(dark);
  if (darkStack === undefined) throw new Error(`no stack ${dark}`);
  const recordBefore = await stackRecord(darkStack);
  const shBefore = await clusterState([sh]);
  if (setKey(shBefore, sh, COLD_SET) === undefined) throw new Error(`sh1: no ${COLD_SET} before`);

  await sh.stopApiserver();
  let ups: StackUp[];
  try {
    const edit = await operation(context, ["failover", "--region", dark]);
    notes.push(
      `tarsfed failover --region ${dark}: ${edit.changed.map((c) => c.path).join(", ")}; ${phasesText(edit)}; skipped [${edit.skipped.join(", ")}]`,
    );
    if (edit.stacks.includes(dark)) problems.push(`tarsfed failover lists the dark stack ${dark}`);
    if (!edit.skipped.includes(dark)) problems.push(`tarsfed failover does not skip ${dark}`);
    const moving = edit.changed.map((c) => /^sets\["([^"]+)"\]/.exec(c.path)?.[1] ?? c.path);
    // The command it prints: up --all --moving <sets> --skip-region <dark>.
    const run = await up(context, [
      "--all",
      "--moving",
      moving.join(","),
      ...edit.skipped.flatMap((s) => ["--skip-region", s]),
    ]);
    ups = run.ups;
    const ran = run.result.stacks.filter((s) => s.status === "ok").map((s) => s.name);
    notes.push(
      `tarsfed up: ${run.result.stacks.map((s) => `${s.name} ${s.phase ?? ""} ${s.status}`).join(", ")}`,
    );
    if (ran.includes(dark)) problems.push(`tarsfed up ran the dark stack ${dark}`);
    const movedState = setDeployment(await clusterState([gz]), gz, COLD_SET);
    notes.push(`gz1 ${COLD_SET}: ${show(movedState)}`);
    if (movedState === undefined || !movedState.available || movedState.noFlow)
      problems.push(`gz1 does not run ${COLD_SET} (Available, serving) after up`);
    const recordAfter = await stackRecord(darkStack);
    notes.push(
      `${dark} stack: ${recordBefore.updates} → ${recordAfter.updates}; ${recordBefore.resources} → ${recordAfter.resources} resources; export ${recordAfter.text === recordBefore.text ? "identical" : "changed"}`,
    );
    if (recordAfter.text !== recordBefore.text || recordAfter.updates !== recordBefore.updates)
      problems.push(`the dark stack ${dark}'s state changed`);
  } finally {
    await sh.startApiserver();
  }
  const shAfter = await clusterState([sh]);
  const touched = [...shBefore].filter(([key, was]) => {
    const now = shAfter.get(key);
    return now?.uid !== was.uid || now.resourceVersion !== was.resourceVersion;
  });
  notes.push(
    `sh1 after its API server restarted: ${shBefore.size - touched.length} of ${shBefore.size} Deployments unchanged (uid, resourceVersion)`,
  );
  if (touched.length > 0) problems.push(`sh1 changed: ${touched.map(([key]) => key).join(", ")}`);
  problems.push(...replacedProblem(ups));
  return { ups, detail: [...notes, upsText(ups)].join("; "), problems };
}

/** A drill as the report lists it (`e2e/report.ts`). */
export interface DrillEntry {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly replaced: number | null;
  readonly steps: number | null;
  readonly detail?: string;
}

/**
 * Runs `failback`, `scale-replicas` and `dark-region`, in that order (the dark region last: its
 * API server comes back only to be read), each reported whatever the others did.
 */
export async function operationDrills(
  context: DrillContext,
  before: { readonly fleetText: string; readonly state: ClusterState },
): Promise<DrillEntry[]> {
  const drills: [string, () => Promise<OperationDrillResult>][] = [
    ["failback", () => failback(context, before)],
    ["scale-replicas", () => scaleReplicas(context)],
    ["dark-region", () => darkRegion(context)],
  ];
  const entries: DrillEntry[] = [];
  for (const [name, run] of drills) {
    const started = Date.now();
    try {
      const result = await run();
      const replaced = result.ups.reduce((sum, u) => sum + u.replaced, 0);
      entries.push({
        name,
        ok: result.problems.length === 0 && replaced === 0,
        seconds: (Date.now() - started) / 1000,
        replaced,
        steps: result.ups.reduce((sum, u) => sum + u.steps, 0),
        detail: [...result.problems, result.detail].join("; "),
      });
    } catch (error) {
      entries.push({
        name,
        ok: false,
        seconds: (Date.now() - started) / 1000,
        replaced: null,
        steps: null,
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return entries;
}
