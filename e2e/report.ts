/**
 * What an e2e run reports: text for a person, or with `--json` the document
 * `{ tools, preview: { stacks }, drills, failover, notRun, clusters, leftovers, ok }`.
 *
 * `tools`, `preview`, `drills` and `failover` have the shape issue 12 fixes; `preview.stacks` is
 * empty and `failover` null until those parts run. `notRun` says what could not run and why.
 */

/** The targeted failover's measurement (`targeted-failover.ts`), as the report's `failover` prints it. */
export interface FailoverMeasurement {
  /** Steps (operations other than `same`) of the targeted updates, both phases. */
  readonly targetedSteps: number;
  /** The moving Set's resources in the stack, before and after: the URNs the updates target. */
  readonly setResources: number;
  /** Steps of the whole-stack updates of the other Set's identical failover, both phases. */
  readonly fullSteps: number;
  readonly targetedSeconds: number;
  readonly fullSeconds: number;
  /** `targetedSeconds / fullSeconds`. */
  readonly ratio: number;
  /** Resources in the stack's state before the measured updates. */
  readonly stackResources: number;
}

/** A tool the run used: its Go module and version, and how it was had. */
export interface ToolEntry {
  readonly module: string;
  readonly version: string;
  /** Taken from the tools cache rather than built in this run. */
  readonly cached: boolean;
  /** Seconds its build took (in this run, or when the cached binary was built); null if unknown. */
  readonly buildSeconds: number | null;
  /** The pinned version this one stands in for, when the pinned one cannot be had. */
  readonly standsInFor?: string;
}

/** One check of the run. `replaced` and `steps` come from the engine's summary where one ran. */
export interface Drill {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly replaced: number | null;
  readonly steps: number | null;
  /** Why it failed, or what it saw. */
  readonly detail?: string;
}

/** Something the run could not do, and why. */
export interface NotRunEntry {
  readonly name: string;
  readonly reason: string;
  readonly module?: string;
  readonly version?: string;
}

/** One stack's real preview (`e2e/demo-preview.ts`). */
export interface PreviewStack {
  readonly name: string;
  /** Resources the preview reported, without the root stack, default providers and reads. */
  readonly resources: number;
  /** Error diagnostics plus mandatory policy violations. */
  readonly errors: number;
  /** The resources equal the offline plan's for the stack, by type and name. */
  readonly matchesOfflinePlan: boolean;
  /** The errors, then the differences from the offline plan (`+` preview only, `-` plan only). */
  readonly detail?: string;
}

/** A local cluster the run started. */
export interface ClusterEntry {
  readonly name: string;
  readonly server: string;
  readonly startSeconds: number;
}

/** The whole run. */
export interface E2eReport {
  readonly tools: Record<string, ToolEntry>;
  readonly preview: { readonly stacks: PreviewStack[] };
  readonly drills: Drill[];
  /** The targeted-failover measurement (`e2e/targeted-failover.ts`); null when it did not run. */
  failover: FailoverMeasurement | null;
  readonly notRun: NotRunEntry[];
  readonly clusters: ClusterEntry[];
  /** Processes of the run still alive after it stopped everything (must be none). */
  leftovers: string[];
  /** Failures outside any drill: a tool that failed to build, a cluster that did not start. */
  readonly failures: string[];
  readonly seconds: number;
  ok: boolean;
}

/** An empty report to fill. */
export function emptyReport(): E2eReport {
  return {
    tools: {},
    preview: { stacks: [] },
    drills: [],
    failover: null,
    notRun: [],
    clusters: [],
    leftovers: [],
    failures: [],
    seconds: 0,
    ok: false,
  };
}

/** Whether the run passed: no failure, every drill ok, every preview clean and as planned, nothing left running. */
export function passed(report: E2eReport): boolean {
  return (
    report.failures.length === 0 &&
    report.drills.every((drill) => drill.ok) &&
    report.preview.stacks.every((s) => s.errors === 0 && s.matchesOfflinePlan) &&
    report.leftovers.length === 0
  );
}

/** The report as text. */
export function formatReport(report: E2eReport): string {
  const lines: string[] = ["Tools (Go module @ version):"];
  for (const [name, tool] of Object.entries(report.tools)) {
    const how = tool.cached ? "cached" : "built";
    const took = tool.buildSeconds === null ? "" : `, build ${tool.buildSeconds}s`;
    const stand = tool.standsInFor === undefined ? "" : `, stands in for ${tool.standsInFor}`;
    lines.push(`  ${name}: ${tool.module}@${tool.version} (${how}${took}${stand})`);
  }
  if (report.clusters.length > 0) {
    lines.push("Clusters:");
    for (const cluster of report.clusters)
      lines.push(
        `  ${cluster.name}: ${cluster.server}, ready in ${cluster.startSeconds.toFixed(1)}s`,
      );
  }
  if (report.preview.stacks.length > 0) {
    lines.push("Preview (real engine, compared with the offline plan):");
    for (const s of report.preview.stacks) {
      const ok = s.errors === 0 && s.matchesOfflinePlan;
      lines.push(
        `  ${ok ? "ok  " : "FAIL"} ${s.name}: ${s.resources} resources, ${s.errors} errors, ${s.matchesOfflinePlan ? "matches" : "differs from"} the offline plan`,
      );
      if (s.detail !== undefined) lines.push(`       ${s.detail}`);
    }
  }
  lines.push("Drills:");
  for (const drill of report.drills) {
    const extra = [
      drill.replaced === null ? "" : `replaced ${drill.replaced}`,
      drill.steps === null ? "" : `steps ${drill.steps}`,
    ].filter((s) => s !== "");
    const tail = extra.length > 0 ? `, ${extra.join(", ")}` : "";
    lines.push(
      `  ${drill.ok ? "ok  " : "FAIL"} ${drill.name} (${drill.seconds.toFixed(1)}s${tail})`,
    );
    if (drill.detail !== undefined) lines.push(`       ${drill.detail}`);
  }
  if (report.failover !== null) {
    const f = report.failover;
    lines.push(
      `Targeted failover on a stack of ${f.stackResources} resources: targeted ${f.targetedSteps} steps ` +
        `(the Set's ${f.setResources} resources) in ${f.targetedSeconds}s, whole-stack ` +
        `${f.fullSteps} steps in ${f.fullSeconds}s (time ratio ${f.ratio})`,
    );
  }
  if (report.notRun.length > 0) {
    lines.push("Not run:");
    for (const entry of report.notRun) lines.push(`  ${entry.name}: ${entry.reason}`);
  }
  for (const failure of report.failures) lines.push(`FAILURE: ${failure}`);
  if (report.leftovers.length > 0)
    lines.push(`Still running after the stop: ${report.leftovers.join("; ")}`);
  const passedDrills = report.drills.filter((drill) => drill.ok).length;
  lines.push(`Took ${report.seconds.toFixed(0)}s.`);
  // The plain closing line CI reads: "N passed, N failed, N skipped" (not run counts as skipped).
  lines.push(
    `e2e: ${passedDrills} passed, ${report.drills.length - passedDrills} failed, ${report.notRun.length} skipped`,
  );
  return `${lines.join("\n")}\n`;
}
