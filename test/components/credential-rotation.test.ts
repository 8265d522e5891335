/**
 * Credential rotation in the demo plan: the database Job is named after its Secret's content and
 * every pod loading the database Secret carries that Secret's hash, so raising
 * `tars.db.passwordGeneration` re-runs the Job and rolls the pods, and an unrelated change
 * touches neither.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type Json } from "../../fleet/stacks/plan-document";
import { at, byName, clusterOf, stackOf, str } from "./helpers";

const DB_LINE =
  'db: { mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, standbyRegion: shanghai }';

async function planWith(edit: (text: string) => string): Promise<FleetPlan> {
  const text = readFileSync("stacks/fleet.yaml", "utf8");
  const changed = edit(text);
  expect(changed).not.toBe(text);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-rotation-")), "fleet.yaml");
  writeFileSync(file, changed);
  return planFleet(loadFleet(file));
}

let base: FleetPlan;
let rotated: FleetPlan;
let unrelated: FleetPlan;
beforeAll(async () => {
  base = await planFleet(loadFleet("stacks/fleet.yaml"));
  rotated = await planWith((t) =>
    t.replace(DB_LINE, DB_LINE.replace("memoryMb: 4000", "memoryMb: 4000, passwordGeneration: 2")),
  );
  unrelated = await planWith((t) =>
    t.replace("registry: { replicas: 2 }", "registry: { replicas: 3 }"),
  );
}, 240_000);

const DB_SECRET_HASH = "secret-hash.tarsfed.io/tars-db";

/** The name of the home cluster's database Job. */
function initJobName(plan: FleetPlan): string {
  return str(at(byName(stackOf(plan, "guangzhou"), "tars-db-init").inputs, "metadata", "name"));
}

/** Whether a pod template loads the Secret `secret` through envFrom or secretKeyRef. */
function loads(pod: Json, secret: string): boolean {
  const containers = [
    ...((at(pod, "spec", "initContainers") ?? []) as Json[]),
    ...((at(pod, "spec", "containers") ?? []) as Json[]),
  ];
  return containers.some(
    (c) =>
      ((at(c, "envFrom") ?? []) as Json[]).some((e) => at(e, "secretRef", "name") === secret) ||
      ((at(c, "env") ?? []) as Json[]).some(
        (e) => at(e, "valueFrom", "secretKeyRef", "name") === secret,
      ),
  );
}

/** `<stack>/<cluster>/<workload>` → the `tars-db` hash annotation of every pod loading it. */
function dbHashes(plan: FleetPlan): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const stack of plan.stacks) {
    for (const r of stack.resources) {
      if (!/^kubernetes:apps\/v1:(Deployment|StatefulSet)$/.test(r.type)) continue;
      const pod = at(r.inputs, "spec", "template");
      if (!loads(pod, "tars-db")) continue;
      const key = `${stack.name}/${clusterOf(r)}/${str(at(r.inputs, "metadata", "name"))}`;
      out.set(key, at(pod, "metadata", "annotations", DB_SECRET_HASH));
    }
  }
  return out;
}

describe("credential rotation", () => {
  it("names the database Job after its Secret's content, within Kubernetes' 63 characters", () => {
    const name = initJobName(base);
    expect(name).toMatch(/^tars-db-init-[0-9a-f]{12}$/);
    expect(name.length).toBeLessThanOrEqual(63);
    const job = byName(stackOf(base, "guangzhou"), "tars-db-init");
    expect(at(job.inputs, "metadata", "annotations", "secret-hash.tarsfed.io/tars-db-init")).toBe(
      name.slice("tars-db-init-".length),
    );
  });

  it("gives every pod loading the database Secret, in every region, the Secret's hash", () => {
    const hashes = dbHashes(base);
    const workloads = [...hashes.keys()];
    // The registries of both regions, tarsweb, and the base services that use the database.
    expect(workloads).toEqual(
      expect.arrayContaining([
        "guangzhou/gz1/tars-registry",
        "guangzhou/gz1/tars-web",
        "guangzhou/gz1/tars-tarsnotify",
        "guangzhou/gz1/tars-tarsconfig",
        "shanghai/sh1/tars-registry",
      ]),
    );
    for (const [workload, hash] of hashes) expect(hash, workload).toMatch(/^[0-9a-f]{12}$/);
  });

  it("re-runs the Job and rolls those pods when passwordGeneration is raised", () => {
    expect(initJobName(rotated)).not.toBe(initJobName(base));
    const admin = byName(stackOf(rotated, "guangzhou-infra"), "tars-db-admin-password");
    expect(at(admin.inputs, "keepers")).toEqual({ generation: "2" });
    const before = dbHashes(base);
    const after = dbHashes(rotated);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [workload, hash] of after) expect(hash, workload).not.toEqual(before.get(workload));
  });

  it("leaves the Job and the pods' hashes alone on an unrelated change", () => {
    expect(initJobName(unrelated)).toBe(initJobName(base));
    expect(dbHashes(unrelated)).toEqual(dbHashes(base));
    const admin = byName(stackOf(base, "guangzhou-infra"), "tars-db-admin-password");
    expect(at(admin.inputs, "keepers")).toBeNull();
  });
});
