/**
 * The framework database as a StatefulSet in the home cluster (`tars.db.mode: in-cluster`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/plan-document";
import { at, byName, ofType, stackOf } from "./helpers";

let plan: FleetPlan;
beforeAll(async () => {
  const text = readFileSync("stacks/fleet.yaml", "utf8").replace(
    'db: { mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, storageGb: 200 }',
    "db: { mode: in-cluster, storageGb: 100 }",
  );
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-db-")), "fleet.yaml");
  writeFileSync(file, text);
  plan = await planFleet(loadFleet(file));
});

describe("an in-cluster framework database", () => {
  it("runs MySQL 5.7 as a protected StatefulSet with a retained volume, instead of TencentDB", () => {
    const home = stackOf(plan, "guangzhou");
    expect(ofType(home, "tencentcloud:index/mysqlInstance:MysqlInstance")).toEqual([]);
    const statefulSet = byName(home, "tars-db-statefulset");
    expect([statefulSet.protect, statefulSet.retainOnDelete]).toEqual([true, true]);
    expect(at(statefulSet.inputs, "spec", "template", "spec", "containers", 0, "image")).toBe(
      "mysql:5.7.44",
    );
    expect(at(statefulSet.inputs, "spec", "volumeClaimTemplates", 0, "spec")).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "cbs",
      resources: { requests: { storage: "100Gi" } },
    });
    expect(at(statefulSet.inputs, "spec", "persistentVolumeClaimRetentionPolicy")).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
  });

  it("is reached by the other regions through an internal CLB, whose address is the stack's dbHost", () => {
    const home = stackOf(plan, "guangzhou");
    const clb = byName(home, "tars-db-clb");
    expect(clb.inputs).toMatchObject({ networkType: "INTERNAL", clbName: "demo-gz1-tars-db" });
    const service = byName(home, "tars-db-lb-service");
    expect(
      at(service.inputs, "metadata", "annotations", "service.kubernetes.io/tke-existed-lbid"),
    ).toMatch(/^lb-/);
    expect(at(service.inputs, "spec", "type")).toBe("LoadBalancer");
    expect(home.outputs.dbHost).toMatch(/^10\.10\./);
  });

  it("prepares its schemas with the init Job once the StatefulSet exists", () => {
    const home = stackOf(plan, "guangzhou");
    const job = byName(home, "tars-db-init");
    expect(job.dependencies).toContain(byName(home, "tars-db-statefulset").urn);
    // The SQL comes from the framework image; the script runs with the database's own client.
    expect(at(job.inputs, "spec", "template", "spec", "initContainers", 0, "image")).toBe(
      "tarscloud/framework:v2.4.3",
    );
    expect(at(job.inputs, "spec", "template", "spec", "containers", 0, "image")).toBe(
      "mysql:5.7.44",
    );
  });
});
