/**
 * `npm run e2e [-- --json] [-- --clusters N] [-- --keep]`: the e2e tier, as far as this machine
 * allows today.
 *
 * 1. Builds or reuses the real tools (`e2e/tools.ts`) and asks the Go module proxy again for the
 *    pinned modules it refused.
 *    Then a real `pulumi preview` of the demo fleet's TARS stacks, compared with the offline plan
 *    (`e2e/demo-preview.ts`); `global` and the infra stacks are seeded, not previewed.
 * 2. Starts N local clusters (default 2), each its own etcd, kube-apiserver,
 *    kube-controller-manager, kube-scheduler and kwok on 127.0.0.1.
 * 3. On each, a Deployment becomes Available (straight API calls).
 * 4. A real `pulumi up` of a Namespace and a Deployment on the first cluster, with Pulumi's await.
 * 5. Stops everything and checks with `ps` that nothing of the run is left.
 *
 * Progress goes to stderr; the report (text, or `--json`) to stdout. Exits 1 when anything that
 * ran failed; what could not run (refused modules) is listed under "not run" and is no failure.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type GoTool, probeModule, goEnv, toolHome, toolsDir } from "../tools/go-tools";
import { type ClusterTools, type LocalCluster, startCluster, writeKwokStages } from "./cluster";
import { leftovers, Processes } from "./processes";
import { pulumiSmoke } from "./pulumi-smoke";
import { failoverWarmSet } from "./failover-warm-set";
import { clusterState, operationDrills } from "./operation-drills";
import { tarsUp } from "./tars-up";
import { homeRegionDark } from "./home-dark";
import { demoPreview } from "./demo-preview";
import { type E2eReport, emptyReport, formatReport, passed } from "./report";
import { deploymentSmoke } from "./smoke";
import { targetedFailoverDrill } from "./targeted-failover";
import {
  E2E_TOOLS,
  ensureE2eTool,
  ETCD,
  KUBE_APISERVER,
  KUBE_CONTROLLER_MANAGER,
  KUBE_SCHEDULER,
  KUBERNETES_PROVIDER,
  KUBERNETES_PROVIDER_VERSION,
  KWOK,
  probeNotServed,
  PULUMI,
} from "./tools";

interface Args {
  readonly json: boolean;
  readonly clusters: number;
  readonly keep: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  let json = false;
  let keep = false;
  let clusters = 2;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") json = true;
    else if (arg === "--keep") keep = true;
    else if (arg === "--clusters") {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 5)
        throw new Error(`--clusters: expected a whole number from 1 to 5, got ${String(argv[i])}`);
      clusters = value;
    } else
      throw new Error(`unknown argument ${String(arg)}: expected --json, --clusters N or --keep`);
  }
  return { json, clusters, keep };
}

const say = (line: string) => process.stderr.write(`[e2e] ${line}\n`);

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`e2e: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const started = Date.now();
  const report = emptyReport();
  const cache = toolsDir();
  const runDir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-e2e-"));
  const processes = new Processes();
  const abort = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping everything`);
    processes.killAllNow();
    process.exit(130);
  };
  process.once("SIGINT", abort);
  process.once("SIGTERM", abort);
  process.once("exit", () => processes.killAllNow());

  try {
    // 1. Tools.
    const binaries = new Map<GoTool, string>();
    for (const tool of E2E_TOOLS) {
      say(`tool ${tool.name}: ${tool.module}@${tool.version}`);
      const outcome = await ensureE2eTool(tool, { cache, progress: say });
      switch (outcome.kind) {
        case "ready":
          binaries.set(tool, outcome.binary);
          report.tools[tool.name] = {
            module: tool.module,
            version: tool.version,
            cached: outcome.cached,
            buildSeconds: outcome.buildSeconds,
            ...(tool === KUBERNETES_PROVIDER ? { standsInFor: "4.34.2" } : {}),
          };
          say(
            `tool ${tool.name}: ${outcome.cached ? "cached" : `built in ${String(outcome.buildSeconds)}s`}`,
          );
          break;
        case "refused":
          report.notRun.push({
            name: tool.name,
            module: tool.module,
            version: tool.version,
            reason: outcome.reason,
          });
          break;
        case "no-go":
        case "failed":
          report.failures.push(
            `tool ${tool.name} (${tool.module}@${tool.version}): ${outcome.reason}`,
          );
          break;
      }
    }
    for (const probe of await probeNotServed({ cache, goCaches: "shared" })) {
      const { entry } = probe;
      if (probe.kind === "failed")
        report.failures.push(`asking for ${entry.module}@${entry.version}: ${probe.reason}`);
      else
        report.notRun.push({
          name: entry.name,
          module: entry.module,
          version: entry.version,
          reason: `${entry.role}: ${probe.kind === "refused" ? `refused by the Go module proxy: ${probe.reason}` : probe.reason}`,
        });
    }
    report.notRun.push({
      name: "pulumi-resource-terraform-provider",
      reason:
        "not built: its only use here is loading the Tencent Cloud Terraform provider 1.83.25, which the proxy refuses",
    });

    // 1b. A real preview of the demo's TARS stacks, compared with the offline plan (e2e/demo-preview.ts).
    if (binaries.has(PULUMI) && binaries.has(KUBERNETES_PROVIDER)) {
      const tencent = report.notRun.find((e) => e.name === "terraform-provider-tencentcloud");
      try {
        const preview = await demoPreview({
          runDir,
          pulumiRoot: toolHome(PULUMI, cache),
          kubernetesProviderDir: path.dirname(binaries.get(KUBERNETES_PROVIDER) ?? ""),
          tencentCloudRefused:
            tencent === undefined
              ? "the Tencent Cloud Terraform provider github.com/tencentcloudstack/terraform-provider-tencentcloud@v1.83.25 is not built here"
              : `the Go module proxy refuses the Tencent Cloud Terraform provider ${tencent.module ?? ""}@${tencent.version ?? ""} (${tencent.reason})`,
          output: (out) => process.stderr.write(out),
          progress: say,
        });
        for (const s of preview.stacks)
          report.preview.stacks.push({
            name: s.name,
            resources: s.resources,
            errors: s.errors.length,
            matchesOfflinePlan: s.matchesOfflinePlan,
            ...(s.errors.length + s.differences.length > 0
              ? { detail: [...s.errors, ...s.differences].join("; ") }
              : {}),
          });
        report.notRun.push(...preview.notRun);
      } catch (error) {
        report.failures.push(
          `preview of the demo stacks: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } else
      report.notRun.push({
        name: "preview",
        reason: "needs the pulumi CLI and the Kubernetes provider",
      });

    // 2. Clusters.
    const clusterTools = [ETCD, KUBE_APISERVER, KUBE_CONTROLLER_MANAGER, KUBE_SCHEDULER, KWOK];
    const clusters: LocalCluster[] = [];
    let clusterToolPaths: ClusterTools | undefined;
    if (clusterTools.every((tool) => binaries.has(tool))) {
      const kwokModule = await probeModule(
        KWOK.module,
        KWOK.version,
        goEnv(cache, { cache, goCaches: "shared" }),
        cache,
      );
      if (kwokModule.kind !== "served")
        throw new Error(`kwok's Stage definitions: ${kwokModule.reason}`);
      const tools = {
        etcd: binaries.get(ETCD) ?? "",
        kubeApiserver: binaries.get(KUBE_APISERVER) ?? "",
        kubeControllerManager: binaries.get(KUBE_CONTROLLER_MANAGER) ?? "",
        kubeScheduler: binaries.get(KUBE_SCHEDULER) ?? "",
        kwok: binaries.get(KWOK) ?? "",
        kwokStages: writeKwokStages(kwokModule.dir, path.join(runDir, "kwok-stages.yaml")),
      };
      clusterToolPaths = tools;
      for (let i = 0; i < args.clusters; i++) {
        const name = `region${i + 1}`;
        const drillStart = Date.now();
        try {
          const cluster = await startCluster({ name, runDir, tools, processes, progress: say });
          clusters.push(cluster);
          report.clusters.push({
            name,
            server: cluster.server,
            startSeconds: cluster.startSeconds,
          });
          report.drills.push(
            drill(`${name}: cluster starts (etcd, apiserver, controllers, kwok)`, drillStart),
          );
        } catch (error) {
          report.drills.push(
            drill(
              `${name}: cluster starts (etcd, apiserver, controllers, kwok)`,
              drillStart,
              error,
            ),
          );
        }
      }
      // 3. A Deployment becomes Available on each.
      for (const cluster of clusters) {
        const drillStart = Date.now();
        try {
          await deploymentSmoke(cluster);
          report.drills.push(
            drill(`${cluster.name}: Deployment becomes Available (API)`, drillStart),
          );
        } catch (error) {
          report.drills.push(
            drill(`${cluster.name}: Deployment becomes Available (API)`, drillStart, error),
          );
        }
      }
    } else {
      report.notRun.push({
        name: "clusters",
        reason: `needs ${clusterTools
          .filter((tool) => !binaries.has(tool))
          .map((tool) => tool.name)
          .join(", ")}`,
      });
    }

    // 4. A real pulumi up.
    const first = clusters[0];
    if (first !== undefined && binaries.has(PULUMI) && binaries.has(KUBERNETES_PROVIDER)) {
      const drillStart = Date.now();
      const name = `${first.name}: pulumi up of a Namespace and a Deployment (kubernetes provider ${KUBERNETES_PROVIDER_VERSION}), Available under Pulumi's await`;
      const scaleName = `${first.name}: pulumi up scales the Deployment from 2 to 3 replicas in place (same uid)`;
      try {
        const { create, scale } = await pulumiSmoke({
          cluster: first,
          runDir,
          pulumiRoot: toolHome(PULUMI, cache),
          kubernetesProviderDir: path.dirname(binaries.get(KUBERNETES_PROVIDER) ?? ""),
          output: (out) => process.stderr.write(out),
        });
        for (const [drillName, up] of [
          [name, create],
          [scaleName, scale],
        ] as const)
          report.drills.push({
            name: drillName,
            ok: up.replaced === 0,
            seconds: up.seconds,
            replaced: up.replaced,
            steps: up.steps,
            detail: `engine summary ${JSON.stringify(up.changes)}; Deployment uid ${up.deploymentUid}, ${up.replicas} replicas Available`,
          });
      } catch (error) {
        report.drills.push(drill(name, drillStart, error));
      }
    } else {
      report.notRun.push({
        name: "pulumi up",
        reason:
          first === undefined
            ? "no cluster started"
            : "needs the pulumi CLI and the Kubernetes provider",
      });
    }

    // 5. The project's TARS stacks, up for real on the first two clusters.
    const second = clusters[1];
    if (
      first !== undefined &&
      second !== undefined &&
      binaries.has(PULUMI) &&
      binaries.has(KUBERNETES_PROVIDER)
    ) {
      const drillStart = Date.now();
      try {
        const result = await tarsUp({
          clusters: [first, second],
          runDir,
          pulumiRoot: toolHome(PULUMI, cache),
          kubernetesProviderDir: path.dirname(binaries.get(KUBERNETES_PROVIDER) ?? ""),
          output: (out) => process.stderr.write(out),
        });
        const replaced = result.ups.reduce((sum, up) => sum + up.replaced, 0);
        report.drills.push({
          name: "tars-up",
          ok: replaced === 0,
          seconds: (Date.now() - drillStart) / 1000,
          replaced,
          steps: result.ups.reduce((sum, up) => sum + up.steps, 0),
          detail: `${result.ups.map((up) => `${up.stack} ${JSON.stringify(up.changes)} in ${up.seconds.toFixed(1)}s`).join("; ")}; ${result.deployments} Deployments Available; random provider: the e2e stand-in (e2e/random-standin.ts)`,
        });
        // 6. The warm-standby failover of app.gz.1 on those stacks, phase by phase.
        const beforeFailover = {
          fleetText: readFileSync(result.fleetFile, "utf8"),
          state: await clusterState([first, second]),
        };
        const failoverStart = Date.now();
        try {
          const failover = await failoverWarmSet({
            clusters: [first, second],
            fleetFile: result.fleetFile,
            stacks: result.stacks,
            output: (out) => process.stderr.write(out),
          });
          const failoverReplaced = failover.ups.reduce((sum, up) => sum + up.replaced, 0);
          report.drills.push({
            name: "failover-warm-set",
            ok: failover.problems.length === 0 && failoverReplaced === 0,
            seconds: (Date.now() - failoverStart) / 1000,
            replaced: failoverReplaced,
            steps: failover.ups.reduce((sum, up) => sum + up.steps, 0),
            detail: [...failover.problems, failover.detail].join("; "),
          });
        } catch (error) {
          report.drills.push(drill("failover-warm-set", failoverStart, error));
        }
        // 7. Failback, scaling and a dark region, through the CLI (e2e/operation-drills.ts).
        report.drills.push(
          ...(await operationDrills(
            {
              clusters: [first, second],
              fleetFile: result.fleetFile,
              inline: result.inline,
              stacks: result.stacks,
              output: (out) => process.stderr.write(out),
            },
            beforeFailover,
          )),
        );
      } catch (error) {
        report.drills.push(drill("tars-up", drillStart, error));
        report.notRun.push({
          name: "failover-warm-set",
          reason: "needs the tars-up drill's stacks",
        });
      }
    } else {
      report.notRun.push({
        name: "tars-up",
        reason: "needs two clusters, the pulumi CLI and the Kubernetes provider",
      });
      report.notRun.push({ name: "failover-warm-set", reason: "needs the tars-up drill's stacks" });
    }

    // 8. Losing the home region, on two clusters of its own (e2e/home-dark.ts).
    if (clusterToolPaths !== undefined && binaries.has(PULUMI) && binaries.has(KUBERNETES_PROVIDER))
      report.drills.push(
        await homeRegionDark({
          tools: clusterToolPaths,
          runDir,
          processes,
          pulumiRoot: toolHome(PULUMI, cache),
          kubernetesProviderDir: path.dirname(binaries.get(KUBERNETES_PROVIDER) ?? ""),
          output: (out) => process.stderr.write(out),
          progress: say,
        }),
      );
    else
      report.notRun.push({
        name: "home-region-dark",
        reason: "needs the cluster tools, the pulumi CLI and the Kubernetes provider",
      });

    // 9. The targeted failover, measured on two clusters of its own (e2e/targeted-failover.ts).
    if (
      clusterToolPaths !== undefined &&
      binaries.has(PULUMI) &&
      binaries.has(KUBERNETES_PROVIDER)
    ) {
      const measured = await targetedFailoverDrill({
        tools: clusterToolPaths,
        processes,
        runDir,
        pulumiRoot: toolHome(PULUMI, cache),
        kubernetesProviderDir: path.dirname(binaries.get(KUBERNETES_PROVIDER) ?? ""),
        output: (out) => process.stderr.write(out),
        progress: say,
      });
      report.drills.push(measured.drill);
      report.failover = measured.measurement;
    } else
      report.notRun.push({
        name: "targeted-failover",
        reason: "needs the cluster tools, the pulumi CLI and the Kubernetes provider",
      });
  } catch (error) {
    report.failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    // 5. Stop everything, and check nothing is left.
    say("stopping every program of the run");
    await processes.stopAll();
    report.leftovers = await leftovers(runDir);
  }
  Object.assign(report, { seconds: (Date.now() - started) / 1000 });
  report.ok = passed(report);
  if (report.ok && !args.keep) rmSync(runDir, { recursive: true, force: true });
  else say(`the run's folder (logs, kubeconfigs, state) is kept: ${runDir}`);
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}

function drill(name: string, startedAt: number, error?: unknown): E2eReport["drills"][number] {
  const seconds = (Date.now() - startedAt) / 1000;
  if (error === undefined) return { name, ok: true, seconds, replaced: null, steps: null };
  const detail = error instanceof Error ? error.message : JSON.stringify(error);
  return { name, ok: false, seconds, replaced: null, steps: null, detail };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`e2e: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
