/**
 * Suites, their checks, and how the contract tier reports them: text for a person, or the
 * `--json` document `{ suites: [{ name, passed, failed }], tools: { <name>: { module, version } } }`.
 */

/** One suite's outcome. `skipped` suites did not run: `reason` says why, and they never count as passed. */
export interface SuiteResult {
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped?: true;
  readonly reason?: string;
  /** Each check, for the text report. */
  readonly checks: readonly CheckResult[];
  readonly seconds: number;
}

/** One assertion of a suite. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed: expected against received. */
  readonly detail?: string;
}

/** A pinned tool the tier used or tried: a Go module, or a Debian package. */
export interface ToolRecord {
  readonly module: string;
  readonly version: string;
}

/** The whole run. */
export interface ContractReport {
  readonly suites: readonly SuiteResult[];
  readonly tools: Readonly<Record<string, ToolRecord>>;
}

/** A suite that could not run, with the reason a person reads. */
export class NotRun extends Error {}

/** Collects the checks of one suite as it runs. */
export class Checks {
  readonly results: CheckResult[] = [];

  /** Records `name` as passed when `ok`, else failed with `detail`. */
  that(name: string, ok: boolean, detail?: string): boolean {
    this.results.push(ok ? { name, ok } : { name, ok, detail });
    return ok;
  }

  /** Passes when `actual` and `expected` serialise to the same JSON. */
  equal(name: string, actual: unknown, expected: unknown): boolean {
    const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
    return this.that(name, a === e, `expected ${clip(e)}, received ${clip(a)}`);
  }
}

function clip(text: string | undefined): string {
  const t = text ?? "undefined";
  return t.length > 400 ? `${t.slice(0, 400)}…` : t;
}

/** A suite: a name and a body that records checks, or throws {@link NotRun}. */
export interface Suite {
  readonly name: string;
  run(checks: Checks): Promise<void>;
}

/** Runs one suite; an exception other than {@link NotRun} is a failed check, never a crash. */
export async function runSuite(suite: Suite): Promise<SuiteResult> {
  const started = Date.now();
  const checks = new Checks();
  const seconds = () => (Date.now() - started) / 1000;
  try {
    await suite.run(checks);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof NotRun) return notRun(suite.name, message, seconds());
    checks.that("finishes without an error", false, message);
  }
  const passed = checks.results.filter((c) => c.ok).length;
  return {
    name: suite.name,
    passed,
    failed: checks.results.length - passed,
    checks: checks.results,
    seconds: seconds(),
  };
}

/** A suite that did not run. */
export function notRun(name: string, reason: string, seconds = 0): SuiteResult {
  return { name, passed: 0, failed: 0, skipped: true, reason, checks: [], seconds };
}

/** A suite that failed before it could check anything (e.g. a required tool is missing). */
export function failedToStart(name: string, reason: string): SuiteResult {
  return {
    name,
    passed: 0,
    failed: 1,
    reason,
    checks: [{ name: "can run", ok: false, detail: reason }],
    seconds: 0,
  };
}

/** A suite failed when any check failed or nothing was checked at all. */
export function suiteFailed(suite: SuiteResult): boolean {
  return suite.skipped !== true && (suite.failed > 0 || suite.passed === 0);
}

/** The `--json` document. */
export function renderJson(report: ContractReport): string {
  const suites = report.suites.map((s) => ({
    name: s.name,
    passed: s.passed,
    failed: s.failed,
    ...(s.skipped === true ? { skipped: true } : {}),
    ...(s.reason === undefined ? {} : { reason: s.reason }),
  }));
  return `${JSON.stringify({ suites, tools: report.tools }, null, 2)}\n`;
}

/** The text report: each suite with its checks, the tools, and a closing count of suites. */
export function renderText(report: ContractReport, totalSeconds: number): string {
  const lines: string[] = [];
  for (const suite of report.suites) {
    if (suite.skipped === true) {
      lines.push(`- ${suite.name}: NOT RUN (not passed): ${suite.reason ?? ""}`);
      continue;
    }
    const verdict = suiteFailed(suite) ? "FAILED" : "passed";
    const counts = `${suite.passed} passed, ${suite.failed} failed`;
    lines.push(
      `${verdict === "passed" ? "✓" : "✗"} ${suite.name}: ${counts} (${suite.seconds.toFixed(1)} s)`,
    );
    for (const check of suite.checks)
      lines.push(
        `    ${check.ok ? "ok  " : "FAIL"} ${check.name}${check.ok ? "" : `: ${check.detail ?? ""}`}`,
      );
  }
  lines.push("tools:");
  for (const [name, tool] of Object.entries(report.tools))
    lines.push(`    ${name}: ${tool.module} ${tool.version}`);
  const failed = report.suites.filter(suiteFailed).length;
  const skipped = report.suites.filter((s) => s.skipped === true).length;
  const passed = report.suites.length - failed - skipped;
  lines.push(`contract tier finished in ${totalSeconds.toFixed(1)} s`);
  lines.push(
    `contract: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`,
  );
  return `${lines.join("\n")}\n`;
}
