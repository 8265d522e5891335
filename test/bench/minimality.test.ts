import * as fs from "node:fs";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { type FleetDiff } from "../../cli/diff/compare";
import { generateFleetText } from "../../bench/generate-fleet";
import {
  changeMinimality,
  compareToMinimal,
  type MinimalityRow,
  renderMinimality,
  renderMinimalityJson,
  type StackCounts,
} from "../../bench/minimality";
import { Operation, operationEdits, type OperationEdit } from "../../bench/minimality-edits";
import { DiffAction, minimalChange, ResourceType } from "../../bench/minimality-model";
import { parseFleet } from "../../fleet/model/load";

const DEMO = "stacks/fleet.yaml";
const demoText = fs.readFileSync(DEMO, "utf8");

const counts = (c: Partial<StackCounts>): StackCounts => ({
  added: 0,
  removed: 0,
  changed: 0,
  replaced: 0,
  ...c,
});

/**
 * The demo's minimal changes, counted by hand from the fleet file:
 * - app.gz.1 (gz1, warm standby in sh1) has 3 servers: 3 × (component, ConfigMap, Deployment, PDB)
 *   leave gz1, and sh1's 3 warm Deployments take over;
 * - guangzhou has one VPC-CNI cluster (gz1) and one GR cluster (gz2): a new zone is a node subnet,
 *   gz1's pod subnet and gz1's `eniSubnetIds` in guangzhou-infra, with tarsweb's CLB rules; the
 *   guangzhou TARS stack gets tarsweb's Service and policy and the policies of gz1's own pods;
 * - a new cluster is, in the infra stack, 3 + 1 pool (TkeCluster) + its registry CLB + 2 pod
 *   subnets = 7, and in the TARS stack 4 (ClusterConnection: provider, 2 namespaces) + 11
 *   (TarsFramework) = 15;
 * - a new zone, cluster or region is new IDC group rules: in guangzhou their ConfigMap and the
 *   group Job (replaced: a new Job, named after the rules' hash), and the registry of every
 *   cluster that was there before restarts (gz1 and gz2, sh1, bj1);
 * - a new region is, in its infra stack, 13 network resources (provider, RegionNetwork, VPC, a
 *   node and a pod subnet in each of 2 zones, 2 security groups and their rules, the CCN
 *   attachment, TarsLoadBalancers) + 5 for its cluster (TkeCluster, cluster, pool, endpoint,
 *   registry CLB) + the VPC's DNS zone attachment (component and resource) = 20; in its TARS
 *   stack 16 for its cluster (tars-db-config among them) + 15 for its base services
 *   (tarsconfig, tarsstat, tarsproperty: meta ConfigMap, NetworkPolicy, Deployment, PDB each;
 *   tarslog: meta ConfigMap, NetworkPolicy, StatefulSet) = 31; 3 bandwidth limits in global, the
 *   nodes and API endpoint rules of the 3 other infra stacks (and in guangzhou-infra tarsweb's and
 *   the database's rules), every NetworkPolicy that lists the fleet's address spaces (the base
 *   services' among them: 4 in each region's services cluster), and tarsweb's Service.
 */
const DEMO_MINIMAL: Record<Operation, Record<string, StackCounts>> = {
  failover: { guangzhou: counts({ removed: 15 }), shanghai: counts({ changed: 3 }) },
  failback: { guangzhou: counts({ added: 15 }), shanghai: counts({ changed: 3 }) },
  "scale-replicas": { guangzhou: counts({ changed: 1 }) },
  "add-zone": {
    "guangzhou-infra": counts({ added: 2, changed: 2 }),
    guangzhou: counts({ changed: 10, replaced: 1 }),
    // The standby web's policy and CLB Service (the demo's database standby is shanghai), and
    // its CLB's rules, as tarsweb's.
    "shanghai-infra": counts({ changed: 1 }),
    shanghai: counts({ changed: 3 }),
    beijing: counts({ changed: 1 }),
  },
  "add-cluster": {
    "guangzhou-infra": counts({ added: 7, changed: 1 }),
    // The cluster's tars-db-config too; shanghai's standby web policy, as tarsweb's.
    guangzhou: counts({ added: 16, changed: 5, replaced: 1 }),
    // The standby web's CLB rules refuse the new cluster's pods too.
    "shanghai-infra": counts({ changed: 1 }),
    shanghai: counts({ changed: 2 }),
    beijing: counts({ changed: 1 }),
  },
  "add-region": {
    // With TencentDB, the new VPC's attachment to the database's DNS zone (component and resource).
    "singapore-infra": counts({ added: 20 }),
    singapore: counts({ added: 31 }),
    global: counts({ added: 3 }),
    "guangzhou-infra": counts({ changed: 4 }),
    // shanghai also holds the database's DR replica: its database group opens MySQL to the VPC;
    // and the standby web's CLB: its group admits the new node subnets.
    "shanghai-infra": counts({ changed: 4 }),
    "beijing-infra": counts({ changed: 2 }),
    guangzhou: counts({ changed: 26, replaced: 1 }),
    // With the standby web's three policies and its CLB Service.
    shanghai: counts({ changed: 17 }),
    beijing: counts({ changed: 10 }),
  },
  "add-cvm-node": { "guangzhou-infra": counts({ added: 1 }) },
};

describe("changeMinimality on the demo fleet", () => {
  let rows: MinimalityRow[];
  const row = (operation: Operation) =>
    rows.find((r) => r.operation === operation) as MinimalityRow;

  beforeAll(async () => {
    rows = await changeMinimality(DEMO);
  });

  it("runs every operation, each on a target chosen from the fleet", () => {
    expect(rows.map((r) => [r.operation, r.target])).toEqual([
      ["failover", "app.gz.1 (warm standby in sh1)"],
      ["failback", "app.gz.1 (warm standby in sh1)"],
      ["scale-replicas", "TestApp.HelloServer in app.gz.1: 3 → 4"],
      ["add-zone", "ap-guangzhou-7 in guangzhou"],
      ["add-cluster", "gz3 in guangzhou (VPC-CNI, 172.16.0.0/20)"],
      ["add-region", "singapore (ap-singapore, 10.1.0.0/16, cluster sg1)"],
      ["add-cvm-node", "guangzhou/legacy: 2 → 3"],
    ]);
  });

  it.each(Object.values(Operation))("%s: the minimal change is the one counted by hand", (op) => {
    expect(row(op).minimal).toEqual(DEMO_MINIMAL[op]);
  });

  it.each(Object.values(Operation))("%s: the diff equals its minimal change", (op) => {
    // The mismatches name every resource the diff changes beyond (or short of) the minimal change.
    expect(row(op).mismatches).toEqual([]);
    expect(row(op).stacks).toEqual(DEMO_MINIMAL[op]);
    expect(row(op).size).toBe(row(op).minimalSize);
    expect(row(op).equal).toBe(true);
  });

  it("replaces no cluster, VPC, subnet or database, nor anything but the IDC group Job", () => {
    expect(rows.flatMap((r) => r.replacedStateful)).toEqual([]);
    // New subnets are new IDC group rules: a new group Job, named after their hash.
    const replaced = (r: MinimalityRow) =>
      r.mismatches.length === 0 ? Object.values(r.stacks).reduce((n, s) => n + s.replaced, 0) : -1;
    expect(rows.map((r) => [r.operation, replaced(r)])).toEqual([
      ["failover", 0],
      ["failback", 0],
      ["scale-replicas", 0],
      ["add-zone", 1],
      ["add-cluster", 1],
      ["add-region", 1],
      ["add-cvm-node", 0],
    ]);
  });

  it("renders a table with the totals, and the rows as JSON", () => {
    const text = renderMinimality(rows);
    expect(text).toContain("failover");
    expect(text).toContain("+0 −15 ~3");
    expect(text).toContain(
      "7 of 7 operations equal their minimal change; diff size 207, minimal 207",
    );
    expect(text).not.toContain("differences from the minimal change");
    expect(JSON.parse(renderMinimalityJson(rows))).toEqual(rows);
  });
});

describe("operationEdits", () => {
  const demo = parseFleet(demoText, DEMO);
  const edits = operationEdits(demoText, demo.spec);
  const edit = (operation: Operation) =>
    edits.find((e) => e.operation === operation) as OperationEdit;

  it("changes only the value for value edits, keeping every other byte", () => {
    expect(edit(Operation.Failover).headText).toBe(
      demoText.replace(
        "warmStandby: true, failedOver: false",
        "warmStandby: true, failedOver: true",
      ),
    );
    expect(edit(Operation.Failback).headText).toBe(demoText);
    expect(edit(Operation.ScaleReplicas).headText).toBe(
      demoText.replace("replicas: { app.gz.1: 3,", "replicas: { app.gz.1: 4,"),
    );
    expect(edit(Operation.AddCvmNode).headText).toBe(
      demoText.replace("legacy: { count: 2,", "legacy: { count: 3,"),
    );
  });

  it("appends zones, clusters and regions at the end, as the subnet carve needs", () => {
    type Doc = { regions: Record<string, { zones: string[]; clusters: Record<string, unknown> }> };
    const head = (operation: Operation) => parse(edit(operation).headText) as Doc;
    expect(head(Operation.AddZone).regions.guangzhou.zones).toEqual([
      "ap-guangzhou-3",
      "ap-guangzhou-6",
      "ap-guangzhou-7",
    ]);
    expect(Object.keys(head(Operation.AddCluster).regions.guangzhou.clusters)).toEqual([
      "gz1",
      "gz2",
      "gz3",
    ]);
    expect(Object.keys(head(Operation.AddRegion).regions)).toEqual([
      "guangzhou",
      "shanghai",
      "beijing",
      "singapore",
    ]);
  });

  it("leaves out failover and failback when no Set has a standby", () => {
    const text = generateFleetText({
      regions: 1,
      clustersPerRegion: 1,
      sets: 1,
      servers: 1,
      setsPerServer: 1,
    });
    const operations = operationEdits(text, parseFleet(text, "one.yaml").spec).map(
      (e) => e.operation,
    );
    expect(operations).toEqual([
      "scale-replicas",
      "add-zone",
      "add-cluster",
      "add-region",
      "add-cvm-node",
    ]);
  });

  it("gives a fleet without CVM pools a one-machine pool and tarsnode's services", () => {
    const text = generateFleetText({
      regions: 2,
      clustersPerRegion: 1,
      sets: 2,
      servers: 2,
      setsPerServer: 1,
    });
    const fleet = parseFleet(text, "bench.yaml").spec;
    const cvm = operationEdits(text, fleet).find(
      (e) => e.operation === Operation.AddCvmNode,
    ) as OperationEdit;
    const after = parseFleet(cvm.headText, "after.yaml").spec;
    expect(after.regions[0].cvmPools.map((p) => [p.name, p.count, p.zones])).toEqual([
      ["tarsnode", 1, ["ap-ra-1"]],
    ]);
    const changes = minimalChange(cvm, fleet, after).changes;
    expect(changes.map((c) => [c.stack, c.action, c.type, c.count])).toEqual([
      // The machines are the infra stack's, tarsnode's services the TARS stack's.
      ["ra-infra", "added", ResourceType.Instance, 1],
      ["ra-infra", "added", ResourceType.CvmPool, 1],
      ["ra", "added", ResourceType.ConfigMap, 2],
      ["ra", "added", ResourceType.Deployment, 2],
      ["ra", "added", ResourceType.Pdb, 2],
      ["ra", "added", ResourceType.NetworkPolicy, 2],
    ]);
  });
});

describe("compareToMinimal", () => {
  const edit = operationEdits(demoText, parseFleet(demoText, DEMO).spec)[2];
  const minimal = {
    changes: [
      {
        stack: "guangzhou",
        action: DiffAction.Changed,
        type: ResourceType.Deployment,
        count: 1,
        reason: "spec.replicas",
      },
    ],
    notes: [],
  };
  const ref = (type: string, name: string) => ({ type, name, urn: `urn:${name}` });
  const change = (type: string, name: string, fields: string[], replaceFields: string[] = []) => ({
    ...ref(type, name),
    replace: replaceFields.length > 0,
    fields,
    replaceFields,
  });
  const diffOf = (changed: FleetDiff["stacks"][number]["changed"]): FleetDiff => ({
    stacks: [{ name: "guangzhou", added: [], removed: [], changed, critical: [] }],
    summary: {
      added: 0,
      removed: 0,
      changed: changed.length,
      replaced: changed.filter((c) => c.replace).length,
    },
  });

  it("fails a diff that changes more than the minimal change, naming the extra resources", () => {
    const row = compareToMinimal(
      "demo",
      edit,
      diffOf([
        change(ResourceType.Deployment, "a-deployment", ["spec.replicas"]),
        change(ResourceType.Deployment, "b-deployment", ["metadata.annotations"]),
      ]),
      minimal,
    );
    expect(row.equal).toBe(false);
    expect(row.mismatches).toEqual([
      {
        stack: "guangzhou",
        action: "changed",
        type: ResourceType.Deployment,
        expected: 1,
        actual: 2,
        resources: ["a-deployment [spec.replicas]", "b-deployment [metadata.annotations]"],
      },
    ]);
    expect(renderMinimality([row])).toContain(
      "  demo scale-replicas: guangzhou changed Deployment: 2, minimal 1 — " +
        "a-deployment [spec.replicas]; b-deployment [metadata.annotations]",
    );
  });

  it("fails a diff that replaces a subnet, and lists it as a stateful replacement", () => {
    const row = compareToMinimal(
      "demo",
      edit,
      diffOf([
        change(ResourceType.Deployment, "a-deployment", ["spec.replicas"]),
        change(ResourceType.Subnet, "guangzhou-node-ap-guangzhou-3", ["cidrBlock"], ["cidrBlock"]),
      ]),
      minimal,
    );
    expect(row.equal).toBe(false);
    expect(row.replacedStateful).toEqual(["guangzhou guangzhou-node-ap-guangzhou-3 (cidrBlock)"]);
    expect(row.stacks).toEqual({ guangzhou: counts({ changed: 2, replaced: 1 }) });
  });

  it("fails a diff that replaces a resource even when the counts match", () => {
    const row = compareToMinimal(
      "demo",
      edit,
      diffOf([
        change(ResourceType.Deployment, "a-deployment", ["spec.selector"], ["spec.selector"]),
      ]),
      minimal,
    );
    expect(row.mismatches).toEqual([]);
    expect(row.equal).toBe(false);
  });
});
