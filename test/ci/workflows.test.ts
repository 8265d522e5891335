/**
 * The pull-request workflow's structure: the offline job runs without secrets; the Pulumi preview
 * job runs behind a protected environment, over exactly the stacks `tarsfed plan` plans, with its
 * secrets in the one step that needs them; nothing installs with secrets or runs install scripts;
 * every action is pinned to a commit; pull-request comments carry summaries, not diffs.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadFleet } from "../../fleet/model/load";
import { stackOrder } from "../../fleet/stacks/slice";

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly needs?: string | string[];
  readonly if?: string;
  readonly environment?: string | { name: string };
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly strategy?: { matrix?: { stack?: string[] } };
  readonly steps: Step[];
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const text = readFileSync(".github/workflows/preview.yml", "utf8");
const workflow = parse(text) as Workflow;
const { offline, preview, comment } = workflow.jobs;
const jobs = Object.values(workflow.jobs);

/** Every `secrets.X` an expression in `value` references. */
function secretsIn(value: unknown): string[] {
  return [...JSON.stringify(value ?? null).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map(
    (m) => m[1],
  );
}

const runs = (job: Job) => job.steps.flatMap((s) => (s.run === undefined ? [] : [s.run.trim()]));

/** The preview job's steps that reference secrets. */
const secretSteps = () => preview.steps.filter((s) => secretsIn(s).length > 0);

describe(".github/workflows/preview.yml", () => {
  it("runs on pull requests, with the three jobs", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(Object.keys(workflow.jobs)).toEqual(["offline", "preview", "comment"]);
  });

  it("runs the offline job without any secret: validate, plan with the rules, manifests", () => {
    expect(secretsIn(offline)).toEqual([]);
    expect(offline.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(runs(offline)).toEqual([
      "npm ci --ignore-scripts",
      "node sdks/tencentcloud/scripts/postinstall.js",
      "npx tarsfed validate",
      "npx tarsfed plan --out out/plan",
      "npx tarsfed manifests --out out/manifests",
      'cat out/plan/plan.md >> "$GITHUB_STEP_SUMMARY"',
    ]);
    const setup = offline.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setup?.with).toEqual({ "node-version": 20, cache: "npm" });
  });

  it("posts the markdown plan as a pull-request comment", () => {
    const post = offline.steps.find((s) =>
      s.uses?.startsWith("marocchino/sticky-pull-request-comment@"),
    );
    expect(post?.with).toMatchObject({ path: "out/plan/plan.md" });
    // Still posted when a mandatory finding failed the plan step.
    expect(post?.if).toContain("!cancelled()");
  });

  it("previews exactly the stacks tarsfed plans, in its order, after the offline job", () => {
    expect(preview.needs).toBe("offline");
    expect(preview.strategy?.matrix?.stack).toEqual(
      stackOrder(loadFleet("stacks/fleet.yaml").spec),
    );
  });

  it("pins every action to a full commit SHA, with its release tag beside it", () => {
    const uses = jobs.flatMap((j) =>
      j.steps.flatMap((s) => (s.uses === undefined ? [] : [s.uses])),
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    const lines = text.split("\n").filter((line) => /^\s*(- )?uses:/.test(line));
    expect(lines).toHaveLength(uses.length);
    for (const line of lines) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("keeps the secrets behind the protected preview environment, in one step only", () => {
    expect(preview.environment).toBe("preview");
    expect(secretsIn(workflow.env)).toEqual([]);
    for (const job of jobs) expect(secretsIn(job.env)).toEqual([]);
    expect(secretsIn(offline)).toEqual([]);
    expect(secretsIn(comment)).toEqual([]);
    const steps = secretSteps();
    expect(steps).toHaveLength(1);
    const [step] = steps;
    expect(secretsIn(step.env).sort()).toEqual([
      "PULUMI_ACCESS_TOKEN",
      "TENCENTCLOUD_SECRET_ID",
      "TENCENTCLOUD_SECRET_KEY",
    ]);
    // Only in the step's env: not in its script, not passed to an action.
    expect(secretsIn({ run: step.run, with: step.with, if: step.if })).toEqual([]);
    expect(step.uses).toBeUndefined();
  });

  it("installs without secrets and without install scripts, before the secret step", () => {
    for (const job of [offline, preview]) {
      const install = job.steps.findIndex((s) => s.run?.trim().startsWith("npm ci"));
      expect(job.steps[install].run?.trim()).toBe("npm ci --ignore-scripts");
      expect(job.steps[install + 1].run?.trim()).toBe(
        "node sdks/tencentcloud/scripts/postinstall.js",
      );
    }
    expect(runs(offline).concat(runs(preview), runs(comment)).join("\n")).not.toMatch(
      /npm (ci|install|i)\b(?!.*--ignore-scripts)/,
    );
    const secret = preview.steps.indexOf(secretSteps()[0]);
    const install = preview.steps.findIndex((s) => s.run?.trim().startsWith("npm ci"));
    expect(install).toBeLessThan(secret);
    for (const step of preview.steps.slice(0, secret)) expect(secretsIn(step)).toEqual([]);
  });

  it("runs the preview through tarsfed, which always enforces the project's policy pack", () => {
    const step = secretSteps()[0];
    expect(step.run).toContain('npx tarsfed --json preview --stack "$STACK"');
    for (const variable of [
      "PULUMI_ACCESS_TOKEN",
      "TENCENTCLOUD_SECRET_ID",
      "TENCENTCLOUD_SECRET_KEY",
    ])
      expect(step.run).toContain(`[ -z "$${variable}" ]`);
    expect(step.run).toContain("::notice");
  });

  it("gives the preview job a read-only token and keeps checkouts from storing theirs", () => {
    expect(preview.permissions).toEqual({ contents: "read" });
    for (const job of jobs) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")))
        expect(step.with).toMatchObject({ "persist-credentials": false });
    }
  });

  it("comments with the summary only: no diff, no raw preview output", () => {
    expect(text).not.toMatch(/diff:\s*true/);
    expect(text).not.toMatch(/comment-on-pr:\s*true/);
    const summarise = preview.steps.find((s) => s.name === "Summarise the preview");
    expect(summarise?.run).toContain(
      '"| \\(.name) | \\(.status) | \\(.changes.create // "") | \\(.changes.update // "") | ' +
        '\\(.changes.delete // "") | \\(.changes.replace // "") |"',
    );
    expect(comment.needs).toBe("preview");
    expect(comment.permissions).toEqual({ "pull-requests": "write" });
    expect(comment.steps.some((s) => s.uses?.startsWith("actions/checkout@"))).toBe(false);
    const post = comment.steps.find((s) =>
      s.uses?.startsWith("marocchino/sticky-pull-request-comment@"),
    );
    expect(post?.with).toMatchObject({ header: "tarsfed-preview", path: "out/preview.md" });
  });
});
