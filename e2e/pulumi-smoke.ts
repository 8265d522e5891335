/**
 * A real `pulumi up` of a tiny program (a Namespace and a Deployment) against a local cluster,
 * with the Pulumi CLI and Kubernetes provider built from their modules, a file backend and a
 * Pulumi home in the run's folder.
 *
 * The program runs inline, through Automation API: `stack.up()` starts the SDK's own language
 * server in this process and hands its address to `pulumi up --client=<address>`, whose project
 * runtime then becomes `client` (pkg/cmd/pulumi/operations/io.go, `readProjectForUpdate`, in
 * pulumi/pulumi v3.248.0). So no `pulumi-language-nodejs` is needed, which the Go module proxy
 * refuses here (see `e2e/tools.ts`).
 *
 * The provider binary is found on PATH: the engine looks for `pulumi-resource-<name>` there
 * before its plugin folder (sdk `workspace/plugins.go`; real-engine.md, "Pulumi"), whatever
 * version the SDK asks for.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { type LocalCluster } from "./cluster";
import { read } from "./kube";
import { deploymentAvailable, SMOKE_IMAGE } from "./smoke";

/** What one `pulumi up` of the smoke program did. */
export interface PulumiUpResult {
  /** The engine's own summary: operation → count, e.g. `{ create: 3 }`. */
  readonly changes: Readonly<Record<string, number>>;
  readonly replaced: number;
  /** Resource operations other than `same`. */
  readonly steps: number;
  /** The Deployment's uid as the API server reports it after the update. */
  readonly deploymentUid: string;
  readonly replicas: number;
  readonly seconds: number;
}

/**
 * The engine's own summary of one update: its operation counts, how many were replacements, and
 * how many steps did something (every operation but `same`).
 */
export function engineSummary(
  changes: Readonly<Record<string, number>>,
): Pick<PulumiUpResult, "changes" | "replaced" | "steps"> {
  return {
    changes,
    replaced: changes.replace ?? 0,
    steps: Object.entries(changes)
      .filter(([operation]) => operation !== "same")
      .reduce((sum, [, count]) => sum + count, 0),
  };
}

/** The smoke's two updates: the first creates, the second scales the Deployment in place. */
export interface PulumiSmokeResult {
  readonly create: PulumiUpResult;
  readonly scale: PulumiUpResult;
}

/** Writes an executable `#!/bin/sh` script `binDir/name` that execs `command` with its arguments. */
function writeShim(binDir: string, name: string, command: string): void {
  const file = path.join(binDir, name);
  writeFileSync(file, `#!/bin/sh\nexec ${command} "$@"\n`);
  chmodSync(file, 0o755);
}

/**
 * `pulumi-resource-random` in `binDir`: the random provider the Go module proxy refuses, served by
 * `e2e/random-standin.ts` (the database passwords' `RandomPassword`), for the engine to find on
 * PATH.
 */
export function writeRandomStandin(binDir: string): void {
  const tsx = path.resolve("node_modules", ".bin", "tsx");
  writeShim(
    binDir,
    "pulumi-resource-random",
    `"${tsx}" "${path.resolve("e2e", "random-standin.ts")}"`,
  );
}

/**
 * `pulumi-analyzer-policy-nodejs` in `binDir`: without a Node.js language host the engine starts
 * that program from PATH with the engine's address and `.`, in the pack's folder
 * (`NewPolicyAnalyzer`, sdk/go/common/resource/plugin/analyzer_plugin.go, pulumi/pulumi
 * v3.248.0); it runs the SDK's own `@pulumi/pulumi/cmd/run-policy-pack` with node.
 */
export function writePolicyAnalyzer(binDir: string): void {
  const runPolicyPack = path.resolve("node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
  writeShim(binDir, "pulumi-analyzer-policy-nodejs", `"${process.execPath}" "${runPolicyPack}"`);
}

/** The environment of every CLI command of an e2e run. */
export function pulumiEnv(
  runDir: string,
  providerBinDirs: readonly string[],
): Record<string, string> {
  return {
    PATH: [...providerBinDirs, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_CONFIG_PASSPHRASE: "tarsfed-e2e",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_HOME: path.join(runDir, "pulumi-home"),
  };
}

/**
 * `pulumi up` of a Namespace and a two-replica Deployment on `cluster`, then again with three
 * replicas. Pulumi's own await waits each time for the Deployment to be Available
 * (pulumi-kubernetes `provider/pkg/await`); then the API confirms it, and that the second update
 * kept the same object (same uid).
 */
export async function pulumiSmoke(options: {
  readonly cluster: LocalCluster;
  readonly runDir: string;
  /** The Pulumi CLI's folder: `<root>/bin/pulumi`. */
  readonly pulumiRoot: string;
  /** The Kubernetes provider binary's folder. */
  readonly kubernetesProviderDir: string;
  readonly output?: (line: string) => void;
}): Promise<PulumiSmokeResult> {
  const { cluster, runDir } = options;
  const state = path.join(runDir, "pulumi-state");
  const workDir = path.join(runDir, "pulumi-smoke");
  for (const dir of [state, workDir, path.join(runDir, "pulumi-home")])
    mkdirSync(dir, { recursive: true });
  const envVars = pulumiEnv(runDir, [options.kubernetesProviderDir]);
  const pulumiCommand = await PulumiCommand.get({
    root: options.pulumiRoot,
    skipVersionCheck: true,
  });
  const namespace = "pulumi-smoke";
  let replicas = 2;
  const program = async () => {
    const provider = new k8s.Provider("local", { kubeconfig: cluster.kubeconfig });
    const ns = new k8s.core.v1.Namespace("smoke", { metadata: { name: namespace } }, { provider });
    const labels = { app: "smoke" };
    const deployment = new k8s.apps.v1.Deployment(
      "smoke",
      {
        metadata: { name: "smoke", namespace: ns.metadata.name, labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: "app", image: SMOKE_IMAGE }] },
          },
        },
      },
      { provider },
    );
    return Promise.resolve({ readyReplicas: deployment.status.readyReplicas });
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "smoke", projectName: "tarsfed-e2e-smoke", program },
    {
      workDir,
      pulumiHome: envVars.PULUMI_HOME,
      pulumiCommand,
      envVars,
      projectSettings: {
        name: "tarsfed-e2e-smoke",
        runtime: "nodejs",
        backend: { url: `file://${state}` },
      },
    },
  );
  const up = async (): Promise<PulumiUpResult> => {
    const started = Date.now();
    const result = await stack.up({ color: "never", onOutput: (out) => options.output?.(out) });
    const changes = result.summary.resourceChanges ?? {};
    const apiPath = `/apis/apps/v1/namespaces/${namespace}/deployments/smoke`;
    const deployment = await read(cluster, apiPath);
    if (!deploymentAvailable(deployment, replicas))
      throw new Error(
        `after pulumi up, Deployment ${namespace}/smoke is not Available with ${replicas} ready replicas: ${JSON.stringify(deployment?.status ?? null)}`,
      );
    const metadata = deployment?.metadata as { uid?: string } | undefined;
    return {
      ...engineSummary(changes),
      deploymentUid: metadata?.uid ?? "",
      replicas,
      seconds: (Date.now() - started) / 1000,
    };
  };
  const create = await up();
  replicas = 3;
  const scale = await up();
  if (scale.deploymentUid !== create.deploymentUid)
    throw new Error(
      `scaling replaced the Deployment: uid ${create.deploymentUid} became ${scale.deploymentUid}`,
    );
  return { create, scale };
}
