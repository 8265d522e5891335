/**
 * The guard that knows what matters: changes that lose service or data need `--allow-replace`,
 * whatever their share of the stack.
 *
 * The fleet edits are planned offline and compared with the demo (the `tarsfed diff` machinery);
 * the fake engine's preview then reports those changes as Pulumi's step events would, and its
 * stacks hold what the demo's plan holds.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { diffPlans, type StackDiff } from "../../cli/diff/compare";
import {
  consentRefusal,
  criticalChanges,
  CriticalKind,
  type ResourceStep,
} from "../../cli/diff/critical";
import { stepsOfDiff } from "../../cli/diff/compare";
import { planFleet } from "../../cli/plan/plan-fleet";
import { loadFleet } from "../../fleet/model/load";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { demoText, replaceOnce } from "../fleet/fleet-copies";
import { type FakeStackSpec, fakeEngine, parse, statuses, tarsfed } from "./fake-engine";

/** Edits of the demo: each [search, replacement]. */
const EDITS = {
  // gz1's only pool gets bigger machines: the pool is replaced, every node at once.
  pool: [
    [
      "serviceCidr: 172.20.0.0/20\n        nodePools:\n          general: { instanceType: SA5.2XLARGE16,",
      "serviceCidr: 172.20.0.0/20\n        nodePools:\n          general: { instanceType: SA5.4XLARGE32,",
    ],
  ],
  home: [
    ["homeRegion: guangzhou", "homeRegion: shanghai"],
    ["standbyRegion: shanghai", "standbyRegion: guangzhou"],
  ],
  // A zone numbered below every other: the default primary zone moves to it.
  lowerZone: [
    [
      "zones: [ap-guangzhou-3, ap-guangzhou-6]",
      "zones: [ap-guangzhou-3, ap-guangzhou-6, ap-guangzhou-2]",
    ],
  ],
  zoneOrder: [
    ["zones: [ap-guangzhou-3, ap-guangzhou-6]", "zones: [ap-guangzhou-6, ap-guangzhou-3]"],
    ["zones: [ap-shanghai-2, ap-shanghai-4]", "zones: [ap-shanghai-4, ap-shanghai-2]"],
    ["zones: [ap-beijing-3, ap-beijing-5]", "zones: [ap-beijing-5, ap-beijing-3]"],
  ],
} as const;

type Edit = keyof typeof EDITS;

const files = new Map<Edit, string>();
const diffs = new Map<Edit, ReturnType<typeof diffPlans>>();
let demo: FleetPlan;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-guard-"));
  demo = await planFleet(loadFleet("stacks/fleet.yaml"));
  for (const [name, edits] of Object.entries(EDITS) as [
    Edit,
    readonly (readonly [string, string])[],
  ][]) {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(
      file,
      edits.reduce((t, [from, to]) => replaceOnce(t, from, to), demoText),
    );
    files.set(name, file);
    diffs.set(name, diffPlans(demo, await planFleet(loadFleet(file))));
  }
}, 60_000);

/**
 * A fake engine whose stacks hold what the demo's do, applied with its home region, and whose
 * previews report the steps of `edit`'s diff.
 */
function engineFor(edit: Edit) {
  const specs: Record<string, FakeStackSpec> = {};
  for (const stack of diffs.get(edit)?.stacks ?? []) {
    const deployed = demo.stacks.find((s) => s.name === stack.name);
    const steps = stepsOfDiff(stack);
    specs[stack.name] = {
      steps,
      changes: { create: 0, update: steps.length, same: deployed?.resources.length ?? 0 },
      resources: deployed?.resources.length ?? 0,
      outputs: { homeRegion: "guangzhou" },
    };
  }
  return fakeEngine(specs);
}

async function up(edit: Edit, ...argv: string[]) {
  const { engine, calls } = engineFor(edit);
  const fleet = files.get(edit) ?? "";
  const { code, stdout } = await tarsfed(
    ["--fleet", fleet, "up", "--yes", "--json", ...argv],
    engine,
  );
  return { code, calls, result: parse(stdout) };
}

const stackDiff = (edit: Edit, name: string): StackDiff | undefined =>
  diffs.get(edit)?.stacks.find((s) => s.name === name);

describe("tarsfed up refuses what loses service or data without consent", () => {
  it("refuses to replace a node pool (instance type change), naming it and why, though it is 1 resource", async () => {
    const { code, calls, result } = await up("pool", "--stack", "guangzhou-infra");
    expect(code).toBe(1);
    expect(calls).not.toContain("up:guangzhou-infra");
    expect(result.stacks[0]?.message).toBe(
      "up of guangzhou-infra needs consent for a change that loses service or data:\n" +
        "  gz1-general (node pool): replaced (autoScalingConfig.instanceType cannot change in " +
        "place): every node of the pool goes at once\n" +
        "review with `tarsfed preview --stack guangzhou-infra`, then pass --allow-replace " +
        "gz1-general to go ahead",
    );
  });

  it("replaces the node pool with --allow-replace naming it, by name or by URN", async () => {
    const urn = stackDiff("pool", "guangzhou-infra")?.critical[0]?.urn ?? "";
    expect(urn).toMatch(/KubernetesNodePool::gz1-general$/);
    for (const consent of ["gz1-general", urn]) {
      const { code, calls } = await up(
        "pool",
        "--stack",
        "guangzhou-infra",
        "--allow-replace",
        consent,
      );
      expect(code).toBe(0);
      expect(calls).toContain("up:guangzhou-infra");
    }
  });

  it("refuses a homeRegion change in every stack, and the new home's fresh database", async () => {
    const all = await up("home", "--all");
    expect(all.code).toBe(1);
    expect(statuses(all.result)).toEqual({
      global: "refused",
      "shanghai-infra": "not-run",
      "guangzhou-infra": "not-run",
      "beijing-infra": "not-run",
      shanghai: "not-run",
      guangzhou: "not-run",
      beijing: "not-run",
    });
    expect(all.result.stacks[0]?.message).toContain(
      "  homeRegion (homeRegion): changes from guangzhou, which this stack was applied with, to " +
        "shanghai: the new home plans a fresh, empty framework database and its own tarsweb, and " +
        "the CCN moves to its region\n",
    );
    const home = await up("home", "--stack", "shanghai-infra", "--allow-replace", "homeRegion");
    expect(home.code).toBe(1);
    expect(home.result.stacks[0]?.message).toBe(
      "up of shanghai-infra needs consent for 2 changes that lose service or data:\n" +
        "  tars-db-mysql (database): created in a stack that already runs: a fresh, empty " +
        "framework database (is homeRegion changing?)\n" +
        "  tars-db-replica-mysql (database): deleted: the standby copy that a loss of the home " +
        "region needs goes with it\n" +
        "review with `tarsfed preview --stack shanghai-infra`, then pass --allow-replace " +
        "tars-db-mysql --allow-replace tars-db-replica-mysql to go ahead",
    );
  });

  it("refuses a new lowest zone: the CLBs would be replaced and the database moved", async () => {
    const { code, result } = await up("lowerZone", "--stack", "guangzhou-infra");
    expect(code).toBe(1);
    const lines = (result.stacks[0]?.message ?? "").split("\n");
    expect(lines.filter((l) => l.startsWith("  ")).sort()).toEqual([
      "  gz1-tars-registry-clb (load balancer): replaced (subnetId cannot change in place): it " +
        "gets a new address, which CVM machines and other regions do not learn",
      "  gz2-tars-registry-clb (load balancer): replaced (subnetId cannot change in place): it " +
        "gets a new address, which CVM machines and other regions do not learn",
      "  tars-db-mysql (database): moves to another zone or subnet (availabilityZone, subnetId " +
        "change)",
      "  tars-home-web-clb (load balancer): replaced (subnetId cannot change in place): it gets " +
        "a new address, which CVM machines and other regions do not learn",
    ]);
    const flags =
      /^review with `tarsfed preview --stack guangzhou-infra`, then pass (.*) to go ahead$/
        .exec(lines.at(-1) ?? "")?.[1]
        ?.split(/ (?=--)/)
        .sort();
    expect(flags).toEqual([
      "--allow-replace gz1-tars-registry-clb",
      "--allow-replace gz2-tars-registry-clb",
      "--allow-replace tars-db-mysql",
      "--allow-replace tars-home-web-clb",
    ]);
  });

  it("updates every stack after reordering zones: nothing moves, so nothing needs consent", async () => {
    const { code, result } = await up("zoneOrder", "--all");
    expect(code).toBe(0);
    expect(Object.values(statuses(result))).toEqual(["ok", "ok", "ok", "ok", "ok", "ok", "ok"]);
  });

  it("tells a preview what up will need consent for, without refusing it", async () => {
    const { engine } = engineFor("pool");
    const argv = [
      "--fleet",
      files.get("pool") ?? "",
      "preview",
      "--stack",
      "guangzhou-infra",
      "--json",
    ];
    const { code, stdout } = await tarsfed(argv, engine);
    expect(code).toBe(0);
    const [stack] = parse(stdout).stacks;
    expect(stack?.status).toBe("ok");
    expect(stack?.message).toMatch(
      /^up of guangzhou-infra will need consent for a change that loses service or data:\n {2}gz1-general \(node pool\).*\npass --allow-replace gz1-general to tarsfed up to go ahead$/,
    );
  });
});

describe("tarsfed diff names what up will need consent for", () => {
  it("lists the critical changes of each stack", () => {
    expect(stackDiff("pool", "guangzhou-infra")?.critical.map((c) => [c.name, c.kind])).toEqual([
      ["gz1-general", CriticalKind.NodePool],
    ]);
    expect(diffs.get("home")?.stacks.map((s) => [s.name, s.critical.map((c) => c.name)])).toEqual([
      ["global", ["homeRegion"]],
      ["shanghai-infra", ["tars-db-mysql", "tars-db-replica-mysql", "homeRegion"]],
      ["guangzhou-infra", ["tars-db-mysql", "homeRegion"]],
      ["beijing-infra", ["homeRegion"]],
      ["shanghai", ["homeRegion"]],
      ["guangzhou", ["homeRegion"]],
      ["beijing", ["homeRegion"]],
    ]);
    expect(diffs.get("zoneOrder")?.stacks.flatMap((s) => s.critical)).toEqual([]);
  });
});

describe("criticalChanges over the engine's step events", () => {
  const urn = (stack: string, type: string, name: string, parent = "") =>
    `urn:pulumi:${stack}::tars-federation::${parent}${type}::${name}`;
  const CLB = "tencentcloud:index/clbInstance:ClbInstance";
  const MYSQL = "tencentcloud:index/mysqlInstance:MysqlInstance";
  const DB = "tarsfed:tars:TarsDatabase$";
  const context = { resources: 66, homeRegion: "guangzhou" };

  it("catches what reordering zones used to do: two CLBs replaced, the database moved, 3 of 66", () => {
    // As Pulumi reports a replacement: create-replacement, replace, delete-replaced.
    const clb = (name: string): ResourceStep[] =>
      ["create-replacement", "replace", "delete-replaced"].map((op) => ({
        op,
        urn: urn("guangzhou", CLB, name, "tarsfed:tars:TarsFramework$"),
        type: CLB,
        keys: ["subnetId"],
        diffs: ["subnetId"],
      }));
    const steps: ResourceStep[] = [
      ...clb("gz1-tars-registry-clb"),
      ...clb("tars-home-web-clb"),
      {
        op: "update",
        urn: urn("guangzhou", MYSQL, "tars-db-mysql", DB),
        type: MYSQL,
        diffs: ["availabilityZone"],
      },
      {
        op: "update",
        urn: urn("guangzhou", "kubernetes:apps/v1:Deployment", "web"),
        type: "kubernetes:apps/v1:Deployment",
        diffs: ["spec"],
      },
    ];
    expect(criticalChanges(steps, context).map((c) => `${c.name}: ${c.reason}`)).toEqual([
      "gz1-tars-registry-clb: replaced (subnetId cannot change in place): it gets a new address, which CVM machines and other regions do not learn",
      "tars-home-web-clb: replaced (subnetId cannot change in place): it gets a new address, which CVM machines and other regions do not learn",
      "tars-db-mysql: moves to another zone or subnet (availabilityZone change)",
    ]);
  });

  it("refuses a replica that would follow another master, and lets its size change", () => {
    const DR = "tencentcloud:index/mysqlDrInstance:MysqlDrInstance";
    const steps: ResourceStep[] = [
      {
        op: "update",
        urn: urn("shanghai-infra", DR, "tars-db-replica"),
        type: DR,
        diffs: ["masterInstanceId", "memSize"],
      },
      {
        op: "update",
        urn: urn("shanghai-infra", DR, "other-replica"),
        type: DR,
        diffs: ["memSize"],
      },
    ];
    expect(criticalChanges(steps, context).map((c) => `${c.name}: ${c.reason}`)).toEqual([
      "tars-db-replica: would follow another master (masterInstanceId change), which the provider cannot do in place: re-protect instead (README: Losing the home region)",
    ]);
  });

  /** A step as the cases below give it: operation, type, name, and the parent's type chain. */
  interface StepCase {
    readonly op: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
  }

  it.each<[string, StepCase, CriticalKind]>([
    [
      "a Kubernetes provider replaced",
      { op: "replace", type: "pulumi:providers:kubernetes", name: "gz1-k8s" },
      CriticalKind.KubernetesProvider,
    ],
    [
      "a VPC replaced",
      { op: "replace", type: "tencentcloud:index/vpc:Vpc", name: "guangzhou-vpc" },
      CriticalKind.Vpc,
    ],
    [
      "a cluster replaced",
      {
        op: "replace",
        type: "tencentcloud:index/kubernetesCluster:KubernetesCluster",
        name: "gz1-cluster",
      },
      CriticalKind.Cluster,
    ],
    [
      "the database deleted",
      { op: "delete", type: MYSQL, name: "tars-db-mysql", parent: DB },
      CriticalKind.Database,
    ],
    [
      "the database's disaster-recovery replica replaced",
      {
        op: "replace",
        type: "tencentcloud:index/mysqlDrInstance:MysqlDrInstance",
        name: "tars-db-replica",
      },
      CriticalKind.Database,
    ],
    [
      "the in-cluster database replaced",
      {
        op: "replace",
        type: "kubernetes:apps/v1:StatefulSet",
        name: "tars-db-statefulset",
        parent: DB,
      },
      CriticalKind.Database,
    ],
  ])("needs consent for %s", (_, step, kind) => {
    const steps = [
      {
        op: step.op,
        type: step.type,
        urn: urn("guangzhou", step.type, step.name, step.parent ?? ""),
      },
    ];
    expect(criticalChanges(steps, context).map((c) => [c.name, c.kind])).toEqual([
      [step.name, kind],
    ]);
  });

  it.each<[string, StepCase]>([
    [
      "a node pool resized",
      {
        op: "update",
        type: "tencentcloud:index/kubernetesNodePool:KubernetesNodePool",
        name: "gz1-general",
      },
    ],
    [
      "a Deployment replaced",
      { op: "replace", type: "kubernetes:apps/v1:Deployment", name: "web" },
    ],
    ["a database created in a new stack", { op: "create", type: MYSQL, name: "tars-db-mysql" }],
    [
      "a StatefulSet outside the database replaced",
      { op: "replace", type: "kubernetes:apps/v1:StatefulSet", name: "cache" },
    ],
  ])("lets %s through", (_, step) => {
    const steps = [{ op: step.op, type: step.type, urn: urn("guangzhou", step.type, step.name) }];
    expect(
      criticalChanges(steps, { ...context, resources: step.op === "create" ? 0 : 66 }),
    ).toEqual([]);
  });

  it("takes consent by name or URN, and asks only for what is missing", () => {
    const steps = [
      { op: "replace", type: CLB, urn: urn("g", CLB, "a-clb") },
      { op: "replace", type: CLB, urn: urn("g", CLB, "b-clb") },
    ];
    const changes = criticalChanges(steps, context);
    expect(consentRefusal("g", changes, ["a-clb", urn("g", CLB, "b-clb")])).toBeUndefined();
    expect(consentRefusal("g", changes, ["a-clb"])).toBe(
      "up of g needs consent for a change that loses service or data:\n" +
        "  b-clb (load balancer): replaced: it gets a new address, which CVM machines and other regions do not learn\n" +
        "review with `tarsfed preview --stack g`, then pass --allow-replace b-clb to go ahead",
    );
  });
});
