/**
 * The pull-request workflow's structure: the offline job runs without secrets, the Pulumi preview
 * job runs only with them, over exactly the stacks `tarsfed plan` plans.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadFleet } from "../../fleet/load";
import { stackOrder } from "../../fleet/slice";

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly needs?: string | string[];
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly strategy?: { matrix?: { stack?: string[] } };
  readonly steps: Step[];
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

const text = readFileSync(".github/workflows/preview.yml", "utf8");
const workflow = parse(text) as Workflow;
const { offline, preview } = workflow.jobs;

/** Every `secrets.X` an expression in `value` references. */
function secretsIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

const runs = (job: Job) => job.steps.flatMap((s) => (s.run === undefined ? [] : [s.run.trim()]));

describe(".github/workflows/preview.yml", () => {
  it("runs on pull requests, with the two jobs", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(Object.keys(workflow.jobs)).toEqual(["offline", "preview"]);
  });

  it("runs the offline job without any secret: validate, plan with the rules, manifests", () => {
    expect(secretsIn(offline)).toEqual([]);
    expect(offline.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(runs(offline)).toEqual([
      "npm ci",
      "npx tarsfed validate",
      "npx tarsfed plan --out out/plan",
      "npx tarsfed manifests --out out/manifests",
      'cat out/plan/plan.md >> "$GITHUB_STEP_SUMMARY"',
    ]);
    const setup = offline.steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
    expect(setup?.with).toEqual({ "node-version": 20, cache: "npm" });
  });

  it("posts the markdown plan as a pull-request comment", () => {
    const comment = offline.steps.find(
      (s) => s.uses === "marocchino/sticky-pull-request-comment@v2",
    );
    expect(comment?.with).toMatchObject({ path: "out/plan/plan.md" });
    // Still posted when a mandatory finding failed the plan step.
    expect(comment?.if).toContain("!cancelled()");
  });

  it("previews exactly the stacks tarsfed plans, in its order, after the offline job", () => {
    expect(preview.needs).toBe("offline");
    expect(preview.strategy?.matrix?.stack).toEqual(
      stackOrder(loadFleet("stacks/fleet.yaml").spec),
    );
  });

  it("runs pulumi preview through the official action, with the policy pack, commenting on the pull request", () => {
    const action = preview.steps.find((s) => s.uses === "pulumi/actions@v7");
    expect(action?.with).toMatchObject({
      command: "preview",
      "work-dir": ".",
      "comment-on-pr": true,
      policyPacks: "policies",
      diff: true,
    });
    expect(String(action?.with?.["stack-name"])).toContain("matrix.stack");
  });

  it("checks for the credentials first and gates every later step on them", () => {
    const [check, ...rest] = preview.steps;
    expect(check.id).toBe("creds");
    for (const variable of [
      "PULUMI_ACCESS_TOKEN",
      "TENCENTCLOUD_SECRET_ID",
      "TENCENTCLOUD_SECRET_KEY",
    ])
      expect(check.run).toContain(`[ -z "$${variable}" ]`);
    expect(check.run).toContain('echo "present=false" >> "$GITHUB_OUTPUT"');
    expect(check.run).toContain('echo "present=true" >> "$GITHUB_OUTPUT"');
    expect(check.run).toContain("::notice");
    expect(rest.length).toBeGreaterThan(0);
    for (const step of rest) expect(step.if).toBe("steps.creds.outputs.present == 'true'");
  });

  it("references secrets in the preview job's environment only", () => {
    expect(secretsIn(preview.env)).toEqual([
      "PULUMI_ACCESS_TOKEN",
      "TENCENTCLOUD_SECRET_ID",
      "TENCENTCLOUD_SECRET_KEY",
    ]);
    expect(secretsIn(preview.steps)).toEqual([]);
    expect(secretsIn(workflow).sort()).toEqual(secretsIn(preview.env).sort());
  });
});
