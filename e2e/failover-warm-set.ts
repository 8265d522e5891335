/**
 * The warm-standby failover, for real on the `tars-up` drill's stacks (issue 12): the real
 * `tarsfed failover app.gz.1` edits the generated fleet file, then its printed phases are applied
 * in order, each stack's inline program (`index.ts`) through Automation API:
 *
 * 1. `gain`: the gaining stacks with `TARSFED_MOVING_SETS=app.gz.1`, as `tarsfed up` runs them
 *    (`cli/engine/orchestrate.ts`, `runEnv`). An inline program runs in this process and reads
 *    `process.env` (`index.ts`), so the value is set there for the run and restored after, as the
 *    offline runner does (`cli/offline/run-stack.ts`); it is also put in the workspace's
 *    environment, as `cli/engine/automation.ts` does for the CLI.
 * 2. `remove`: the losing stacks with the value empty (`runEnv` always sets it).
 *
 * The API servers are read before, between and after: the standby Deployment in sh1 keeps its
 * uid, gains the Set's replicas and loses `TARS_DISABLE_FLOW` (`fleet/k8s/tarscli.ts`); the active
 * Deployment in gz1 is still there after the first phase and gone after the second.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { type Stack } from "@pulumi/pulumi/automation";
import { MOVING_SETS_ENV } from "../fleet/operations/transition";
import { type LocalCluster } from "./cluster";
import { type KubeObject } from "./kube";
import { engineSummary, type PulumiUpResult } from "./pulumi-smoke";
import { deploymentAvailable } from "./smoke";
import { deployments } from "./tars-up";

/** The Set that fails over, and its server's Deployment (`fleet/model/naming.ts`, `deploymentName`). */
const SET = "app.gz.1";
const DEPLOYMENT = "testapp-helloserver-app-gz-1";
/** The Set's replicas in the e2e fleet (`e2eFleet`). */
const SET_REPLICAS = 2;
const NO_FLOW_ENV = "TARS_DISABLE_FLOW";

/** What `tarsfed failover --json` prints, as far as the drill reads it. */
interface FailoverOutput {
  readonly changed: readonly { readonly path: string }[];
  readonly phases: readonly { readonly effect: string; readonly stacks: readonly string[] }[];
}

/** The Set's Deployment as a cluster holds it, or undefined. */
interface SetDeployment {
  readonly uid: string;
  readonly replicas: number;
  readonly noFlow: boolean;
  readonly available: boolean;
}

async function setDeployment(cluster: LocalCluster): Promise<SetDeployment | undefined> {
  const found: KubeObject | undefined = (await deployments(cluster)).find(
    (d) => (d.metadata as { name?: string }).name === DEPLOYMENT,
  );
  if (found === undefined) return undefined;
  const replicas = (found.spec as { replicas?: number }).replicas ?? 1;
  const containers =
    (
      found.spec as {
        template?: { spec?: { containers?: { env?: { name?: string }[] }[] } };
      }
    ).template?.spec?.containers ?? [];
  return {
    uid: (found.metadata as { uid?: string }).uid ?? "",
    replicas,
    noFlow: containers.some((c) => (c.env ?? []).some((e) => e.name === NO_FLOW_ENV)),
    available: deploymentAvailable(found, replicas),
  };
}

const show = (d: SetDeployment | undefined) =>
  d === undefined
    ? "absent"
    : `uid ${d.uid}, ${d.replicas} replicas${d.noFlow ? `, ${NO_FLOW_ENV}` : ""}${d.available ? ", Available" : ""}`;

/** One stack's `up` with `TARSFED_MOVING_SETS` set to `moving` for the run only. */
async function upWithMoving(
  stackName: string,
  stack: Stack,
  moving: string,
  output?: (line: string) => void,
): Promise<PulumiUpResult & { readonly stack: string }> {
  const saved = process.env[MOVING_SETS_ENV];
  process.env[MOVING_SETS_ENV] = moving;
  Object.assign(stack.workspace.envVars, { [MOVING_SETS_ENV]: moving });
  const started = Date.now();
  try {
    const result = await stack.up({ color: "never", onOutput: (out) => output?.(out) });
    const changes = result.summary.resourceChanges ?? {};
    return {
      stack: stackName,
      ...engineSummary(changes),
      deploymentUid: "",
      replicas: 0,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (saved === undefined) delete process.env[MOVING_SETS_ENV];
    else process.env[MOVING_SETS_ENV] = saved;
  }
}

/** What the drill did. */
export interface FailoverWarmSetResult {
  readonly ups: readonly (PulumiUpResult & { readonly stack: string; readonly phase: string })[];
  readonly detail: string;
  /** What did not hold; empty when the drill passed. */
  readonly problems: readonly string[];
}

/** Runs `tarsfed failover app.gz.1` on the fleet file and applies its phases, in order. */
export async function failoverWarmSet(options: {
  readonly clusters: readonly [LocalCluster, LocalCluster];
  readonly fleetFile: string;
  readonly stacks: ReadonlyMap<string, Stack>;
  readonly output?: (line: string) => void;
}): Promise<FailoverWarmSetResult> {
  const [gz, sh] = options.clusters;
  const problems: string[] = [];
  const notes: string[] = [];
  const standbyBefore = await setDeployment(sh);
  const activeBefore = await setDeployment(gz);
  notes.push(`before: gz1 ${show(activeBefore)}; sh1 ${show(standbyBefore)}`);
  if (standbyBefore === undefined) throw new Error(`sh1: no warm standby ${DEPLOYMENT} before`);
  if (activeBefore === undefined) throw new Error(`gz1: no active ${DEPLOYMENT} before`);
  if (!standbyBefore.noFlow) problems.push(`sh1 ${DEPLOYMENT} lacks ${NO_FLOW_ENV} before`);
  if (standbyBefore.replicas >= SET_REPLICAS)
    problems.push(
      `sh1 ${DEPLOYMENT} has ${standbyBefore.replicas} replicas before, expected fewer`,
    );

  // The real CLI edit, as a user runs it.
  const tsx = path.resolve("node_modules", ".bin", "tsx");
  const { stdout } = await promisify(execFile)(
    tsx,
    [path.resolve("cli", "main.ts"), "failover", SET, "--fleet", options.fleetFile, "--json"],
    { encoding: "utf8" },
  );
  const edit = JSON.parse(stdout) as FailoverOutput;
  notes.push(
    `tarsfed failover: ${edit.changed.map((c) => c.path).join(", ")}; phases ${edit.phases.map((p) => `${p.effect} [${p.stacks.join(", ")}]`).join(", ")}`,
  );
  const order = edit.phases.map((p) => p.effect).join(",");
  if (order !== "gain,remove") throw new Error(`tarsfed failover printed phases ${order}`);

  const ups: (PulumiUpResult & { stack: string; phase: string })[] = [];
  for (const phase of edit.phases) {
    for (const stackName of phase.stacks) {
      const stack = options.stacks.get(stackName);
      if (stack === undefined) throw new Error(`tarsfed failover named unknown stack ${stackName}`);
      const moving = phase.effect === "gain" ? SET : "";
      ups.push({
        ...(await upWithMoving(stackName, stack, moving, options.output)),
        phase: phase.effect,
      });
    }
    const standby = await setDeployment(sh);
    const active = await setDeployment(gz);
    notes.push(`after ${phase.effect}: gz1 ${show(active)}; sh1 ${show(standby)}`);
    if (standby === undefined) {
      problems.push(`sh1 ${DEPLOYMENT} is gone after ${phase.effect}`);
      continue;
    }
    if (standby.uid !== standbyBefore.uid)
      problems.push(`sh1 ${DEPLOYMENT} uid ${standbyBefore.uid} became ${standby.uid}`);
    if (standby.replicas !== SET_REPLICAS)
      problems.push(`sh1 ${DEPLOYMENT}: ${standby.replicas} replicas after ${phase.effect}`);
    if (standby.noFlow)
      problems.push(`sh1 ${DEPLOYMENT} keeps ${NO_FLOW_ENV} after ${phase.effect}`);
    if (!standby.available) problems.push(`sh1 ${DEPLOYMENT} not Available after ${phase.effect}`);
    if (phase.effect === "gain" && active === undefined)
      problems.push(`gz1 ${DEPLOYMENT} is gone after gain; the old copy must stay until remove`);
    if (phase.effect === "remove" && active !== undefined)
      problems.push(`gz1 ${DEPLOYMENT} still there after remove`);
  }
  const replaced = ups.reduce((sum, up) => sum + up.replaced, 0);
  if (replaced !== 0) problems.push(`${replaced} replaced`);
  const detail = [
    ...notes,
    ups
      .map(
        (up) =>
          `${up.phase} ${up.stack} ${JSON.stringify(up.changes)} in ${up.seconds.toFixed(1)}s`,
      )
      .join("; "),
  ].join("; ");
  return { ups, detail, problems };
}
