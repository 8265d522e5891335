/**
 * `tarsfed diff` on the IDC groups: new subnets change the rules ConfigMap, rerun the group Job
 * and restart every registry; a replica count touches none of them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { diffPlans, type FleetDiff, type StackDiff } from "../../cli/diff/compare";
import { renderDiffText } from "../../cli/diff/render";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { loadFleet } from "../../fleet/model/load";
import { demoText, replaceOnce } from "../fleet/fleet-copies";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const JOB = "kubernetes:batch/v1:Job";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const RULES = "tars-db-idc-groups-rules";
const GROUP_JOB = "tars-db-idc-groups-job";
const HASH_FIELD = 'spec.template.metadata.annotations["tarsfed.io/idc-groups-hash"]';
const REGISTRIES = [
  "gz1-tars-registry",
  "gz2-tars-registry",
  "sh1-tars-registry",
  "bj1-tars-registry",
];

const VARIANTS = {
  // A third zone in shanghai: two new subnets (node and sh1's pods), so new rules.
  subnets: [
    "zones: [ap-shanghai-2, ap-shanghai-4]",
    "zones: [ap-shanghai-2, ap-shanghai-4, ap-shanghai-5]",
  ],
  replicas: [
    "replicas: { app.gz.1: 3, app.gz.2: 1, app.sh.1: 2, app.bj.1: 2 }",
    "replicas: { app.gz.1: 4, app.gz.2: 1, app.sh.1: 2, app.bj.1: 2 }",
  ],
} as const;

const plans = new Map<string, FleetPlan>();

beforeAll(async () => {
  // The plan reads the fleet from a file, as `tarsfed diff` does.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-idc-diff-"));
  plans.set("demo", await planFleet(loadFleet("stacks/fleet.yaml")));
  for (const [name, [search, replacement]] of Object.entries(VARIANTS)) {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, replaceOnce(demoText, search, replacement));
    plans.set(name, await planFleet(loadFleet(file)));
  }
});

function diffOf(variant: keyof typeof VARIANTS): FleetDiff {
  return diffPlans(plans.get("demo")!, plans.get(variant)!);
}

const allChanges = (diff: FleetDiff) => diff.stacks.flatMap((s: StackDiff) => s.changed);

function resource(variant: string, stack: string, name: string) {
  const found = plans
    .get(variant)!
    .stacks.find((s) => s.name === stack)!
    .resources.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no ${name} in ${stack}`);
  return found.inputs;
}

describe("tarsfed diff of the IDC groups", () => {
  it("after a subnet change updates the rules ConfigMap, replaces the group Job and rolls every registry", () => {
    const diff = diffOf("subnets");
    const changes = allChanges(diff);
    const rules = changes.find((c) => c.type === CONFIG_MAP && c.name === RULES);
    expect(rules?.fields).toEqual(
      expect.arrayContaining(['data["groups.sql"]', 'data["groups.txt"]']) as string[],
    );
    expect(changes.find((c) => c.type === JOB && c.name === GROUP_JOB)).toMatchObject({
      replace: true,
      replaceFields: ["metadata.name"],
    });
    const registries = changes.filter(
      (c) => c.type === DEPLOYMENT && REGISTRIES.some((r) => c.name === `${r}`),
    );
    expect(registries.map((c) => c.name).sort()).toEqual([...REGISTRIES].sort());
    for (const registry of registries) {
      expect(registry).toMatchObject({ replace: false, fields: [HASH_FIELD] });
    }
    // The new rules are in the plan, for the pull request's reviewer.
    const data = resource("subnets", "guangzhou", RULES).data as Record<string, string>;
    expect(data["groups.txt"]).toContain(
      "  node node-ap-shanghai-5           10.20.16.0/22      10.20.16.* 10.20.17.* 10.20.18.* 10.20.19.*",
    );
    expect(data["groups.sql"]).toContain("10.20.15.*|10.20.16.*|");
    const text = renderDiffText(diff);
    expect(text).toContain(RULES);
    expect(text).toContain(HASH_FIELD);
  });

  it("after a replica change rolls nothing: no rules, no group Job, no registry", () => {
    const diff = diffOf("replicas");
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 1, replaced: 0 });
    expect(allChanges(diff).map((c) => [c.name, c.fields])).toEqual([
      ["gz1-testapp-helloserver-app-gz-1-deployment", ["spec.replicas"]],
    ]);
  });
});
