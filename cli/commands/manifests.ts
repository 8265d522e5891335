/**
 * `tarsfed manifests --out DIR`: every Kubernetes object of the plan as YAML, one folder per
 * cluster, each object checked against the Kubernetes schema first.
 */
import * as path from "node:path";
import { Command } from "commander";
import { type LoadedFleet } from "../../fleet/model/load";
import { allClusters } from "../../fleet/model/model";
import { type CommandContext } from "../context";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { collectManifests } from "../manifests/collect";
import { type ManifestObject, type ManifestProblem, formatProblem } from "../manifests/types";
import {
  KUBERNETES_API_VERSION,
  KUBERNETES_MODELS_VERSION,
  validateManifests,
} from "../manifests/validate";
import { renderManifests, writeManifests, type WriteOutcome } from "../manifests/write";
import { planFleet, type PlanProgress } from "../plan/plan-fleet";
import { json, table } from "../render";
import { type PlanDeps, terminalProgress } from "./plan";

/** What `manifests` needs besides its flags: the planner (policies don't matter here). */
export interface ManifestsDeps {
  readonly plan: PlanDeps["plan"];
}

/** One cluster's share of the output. */
export interface ManifestsCluster {
  readonly cluster: string;
  /** How many Kubernetes objects go to this cluster. */
  readonly objects: number;
  /** Files written for it (each object's file and `all.yaml`); none when there are problems. */
  readonly files: readonly string[];
}

/** What `manifests --json` prints. */
export interface ManifestsResult {
  /** The output folder, as given. */
  readonly out: string;
  readonly clusters: readonly ManifestsCluster[];
  /** Every problem; when there is one, nothing was written. */
  readonly problems: readonly ManifestProblem[];
}

/** Input of {@link runManifests}. */
export interface ManifestsInput {
  readonly out: string;
  /** Plan only this stack. @default - every stack */
  readonly stack?: string;
  readonly progress?: PlanProgress;
}

/** A result plus what was done on disk, for the progress line. */
export interface ManifestsRun {
  readonly result: ManifestsResult;
  readonly outcome: WriteOutcome | null;
}

/** Clusters in fleet-file order; clusters the fleet doesn't name (none, normally) last. */
function clusterOrder(fleet: LoadedFleet, objects: readonly ManifestObject[]): string[] {
  const known = allClusters(fleet.spec).map((c) => c.name);
  const present = [...new Set(objects.map((o) => o.cluster))];
  const index = (c: string) => (known.includes(c) ? known.indexOf(c) : known.length);
  return present.sort((a, b) => index(a) - index(b) || a.localeCompare(b));
}

/** Plans `fleet`, checks every Kubernetes object, and writes them into `input.out` if all pass. */
export async function runManifests(
  fleet: LoadedFleet,
  input: ManifestsInput,
  deps: ManifestsDeps,
): Promise<ManifestsRun> {
  const plan = await deps.plan(fleet, {
    ...(input.stack === undefined ? {} : { stacks: [input.stack] }),
    ...(input.progress === undefined ? {} : { progress: input.progress }),
  });
  const collected = collectManifests(plan);
  const problems = [...collected.problems, ...validateManifests(collected.objects)];
  const clusters = clusterOrder(fleet, collected.objects);
  const count = (c: string) => collected.objects.filter((o) => o.cluster === c).length;
  if (problems.length > 0)
    return {
      result: {
        out: input.out,
        clusters: clusters.map((c) => ({ cluster: c, objects: count(c), files: [] })),
        problems,
      },
      outcome: null,
    };
  const files = renderManifests(collected.objects);
  let outcome: WriteOutcome;
  try {
    outcome = writeManifests(input.out, files, new Set(plan.stacks.map((s) => s.name)));
  } catch (error) {
    throw new UserError(
      `cannot write manifests into ${input.out}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const filesOf = (c: string) =>
    outcome.written
      .filter((f) => f.startsWith(`${c}${path.sep}`))
      .map((f) => path.join(input.out, f));
  return {
    result: {
      out: input.out,
      clusters: clusters.map((c) => ({ cluster: c, objects: count(c), files: filesOf(c) })),
      problems: [],
    },
    outcome,
  };
}

/** The text rendering: the problems, or a table of clusters and the check's verdict. */
export function renderManifestsText(result: ManifestsResult): string {
  if (result.problems.length > 0)
    return `${result.problems.map(formatProblem).join("\n")}\n${result.problems.length} problem(s); nothing written to ${result.out}\n`;
  const total = result.clusters.reduce((n, c) => n + c.objects, 0);
  if (total === 0) return "no Kubernetes objects in the plan; nothing written\n";
  const rows = result.clusters.map((c) => [c.cluster, c.objects, path.join(result.out, c.cluster)]);
  return `${table(["cluster", "objects", "folder"], rows)}\nall ${total} objects passed the Kubernetes ${KUBERNETES_API_VERSION} schema check (kubernetes-models ${KUBERNETES_MODELS_VERSION})\n`;
}

interface ManifestsFlags {
  readonly out: string;
  readonly stack?: string;
}

/** The `manifests` command. */
export function manifestsCommand(
  ctx: CommandContext,
  deps: ManifestsDeps = { plan: planFleet },
): Command {
  return new Command("manifests")
    .description(
      "every Kubernetes object, as YAML per cluster, checked against the Kubernetes schema",
    )
    .requiredOption("--out <dir>", "folder to write, one subfolder per cluster")
    .option("--stack <stack>", "only this stack's clusters")
    .action(async (flags: ManifestsFlags, command: Command) => {
      const globals = ctx.globals(command);
      const fleet = ctx.load(globals.fleet);
      const { result, outcome } = await runManifests(
        fleet,
        { out: flags.out, stack: flags.stack, progress: terminalProgress(ctx.io) },
        deps,
      );
      if (outcome !== null && outcome.written.length > 0)
        ctx.io.err(
          `wrote ${outcome.written.length} files into ${flags.out}` +
            (outcome.removed.length > 0 ? `, removed ${outcome.removed.length} stale` : ""),
        );
      ctx.io.out(globals.json ? json(result) : renderManifestsText(result));
      ctx.setExitCode(result.problems.length > 0 ? ExitCode.Refused : ExitCode.Ok);
    });
}
