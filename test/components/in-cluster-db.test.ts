/**
 * The framework database as a StatefulSet in the home cluster (`tars.db.mode: in-cluster`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { at, byName, ofType, regionOf, stackOf } from "./helpers";

let plan: FleetPlan;
beforeAll(async () => {
  const text = readFileSync("stacks/fleet.yaml", "utf8").replace(
    'db: { mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, standbyRegion: shanghai }',
    "db: { mode: in-cluster, storageGb: 100 }",
  );
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-db-")), "fleet.yaml");
  writeFileSync(file, text);
  plan = await planFleet(loadFleet(file));
});

describe("an in-cluster framework database", () => {
  it("runs MySQL 5.7 as a protected StatefulSet with a retained volume, instead of TencentDB", () => {
    const home = regionOf(plan, "guangzhou");
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

  it("is reached by the other regions through the infra stack's CLB, whose address is the home stack's dbHost", () => {
    const infra = stackOf(plan, "guangzhou-infra");
    const home = stackOf(plan, "guangzhou");
    const clb = byName(infra, "tars-db-clb");
    expect(clb.inputs).toMatchObject({ networkType: "INTERNAL", clbName: "demo-gz1-tars-db" });
    const service = byName(home, "tars-db-lb-service");
    const lb = at(infra.outputs, "dbLoadBalancer");
    expect(
      at(service.inputs, "metadata", "annotations", "service.kubernetes.io/tke-existed-lbid"),
    ).toBe(at(lb, "id"));
    expect(at(lb, "id")).toMatch(/^lb-/);
    expect(at(service.inputs, "spec", "type")).toBe("LoadBalancer");
    expect(home.outputs.dbHost).toBe(at(lb, "address"));
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

describe("the in-cluster database's network exposure", () => {
  /** The id of the home stack's security group `role` (`nodes`, `database`), from its rule set. */
  function groupId(role: string): unknown {
    return byName(stackOf(plan, "guangzhou-infra"), `guangzhou-${role}-rules`).inputs
      .securityGroupId;
  }

  /** The ordered ingress rules of the security group `id` in the home stack. */
  function ingressOf(id: unknown): { action: string; cidrBlock: string; port: string }[] {
    const home = stackOf(plan, "guangzhou-infra");
    const set = ofType(home, "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet").find(
      (r) => r.inputs.securityGroupId === id,
    );
    if (set === undefined) throw new Error(`no rule set for ${JSON.stringify(id)}`);
    return set.inputs.ingresses as unknown as { action: string; cidrBlock: string; port: string }[];
  }

  it("puts its CLB in a security group of its own, not the nodes', and lets that group decide", () => {
    const home = stackOf(plan, "guangzhou-infra");
    const clb = byName(home, "tars-db-clb");
    const [group] = at(clb.inputs, "securityGroups") as string[];
    expect(group).not.toBe(groupId("nodes"));
    expect(group).toBe(groupId("database"));
    expect(at(clb.inputs, "loadBalancerPassToTarget")).toBe(true);
  });

  it("admits MySQL from every region of the fleet, and nothing else", () => {
    const clb = byName(stackOf(plan, "guangzhou-infra"), "tars-db-clb");
    const [group] = at(clb.inputs, "securityGroups") as string[];
    expect(ingressOf(group).map((r) => `${r.action} ${r.cidrBlock} ${r.port}`)).toEqual([
      "ACCEPT 10.10.0.0/16 3306",
      "ACCEPT 172.24.0.0/16 3306",
      "ACCEPT 10.20.0.0/16 3306",
      "ACCEPT 10.30.0.0/16 3306",
      "DROP 0.0.0.0/0 ALL",
    ]);
  });

  it("lets the CLB's health checks reach MySQL on the home nodes (direct pod access)", () => {
    expect(ingressOf(groupId("nodes"))).toContainEqual(
      expect.objectContaining({ action: "ACCEPT", cidrBlock: "100.64.0.0/10", port: "3306" }),
    );
  });

  it("has a NetworkPolicy: framework pods, other clusters by address and health checks, on 3306", () => {
    const policy = byName(stackOf(plan, "guangzhou"), "tars-db-network-policy");
    expect(at(policy.inputs, "spec", "podSelector")).toEqual({
      matchLabels: { "app.kubernetes.io/name": "tars-db" },
    });
    const [rule] = at(policy.inputs, "spec", "ingress") as { from: unknown[]; ports: unknown[] }[];
    expect(rule.ports).toEqual([{ protocol: "TCP", port: 3306 }]);
    expect(rule.from[0]).toEqual({ podSelector: {} });
    // gz1's own pods are left to the selector: business pods of the home cluster are not admitted.
    expect(rule.from[1]).toEqual({
      ipBlock: { cidr: "10.10.0.0/16", except: ["10.10.68.0/23", "10.10.74.0/23"] },
    });
    expect(rule.from.at(-1)).toEqual({ ipBlock: { cidr: "100.64.0.0/10" } });
  });
});
