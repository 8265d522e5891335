import { describe, expect, it } from "vitest";
import { type FleetSpec } from "../../fleet/model/model";
import {
  applyFailover,
  OperationError,
  planFailback,
  planFailover,
  planScale,
  type ScaleRequest,
  type SetTarget,
  stacksToApply,
  phasesToApply,
  PhaseEffect,
  type OperationPlan,
} from "../../fleet/operations/operations";
import { loadFleet } from "../../fleet/model/load";
import { activeCluster } from "../../fleet/tars/placement";
import { readyGaps, transitionSlice } from "../../fleet/operations/transition";
import { demoText, fleetOf, replaceOnce } from "./fleet-copies";
import { readFileSync } from "node:fs";

const demo = fleetOf(demoText).spec;

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(OperationError);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

const where = (fleet: FleetSpec) =>
  Object.fromEntries(fleet.sets.map((s) => [s.id, activeCluster(s)]));

describe("planFailover", () => {
  it("moves one Set: its standby's stack first, then its own region's", () => {
    const plan = planFailover(demo, { sets: ["app.gz.1"] });
    expect(plan.changes).toEqual([
      { path: ["sets", "app.gz.1", "failedOver"], from: false, to: true },
    ]);
    expect(plan.steps).toEqual([
      { stack: "shanghai", effect: "gains" },
      { stack: "guangzhou", effect: "loses" },
    ]);
    expect(plan.stacks).toEqual(["shanghai", "guangzhou"]);
    expect(plan.skipped).toEqual([]);
    expect(where(plan.fleet)).toEqual({
      "app.gz.1": "sh1",
      "app.gz.2": "gz2",
      "app.sh.1": "sh1",
      "app.bj.1": "bj1",
    });
    expect(plan.description).toBe("failing over app.gz.1");
  });

  it("fails a dark region over from the healthy stacks alone", () => {
    const plan = planFailover(demo, { region: "guangzhou" });
    expect(plan.changes.map((c) => c.path[1])).toEqual(["app.gz.1", "app.gz.2"]);
    expect(plan.stacks).toEqual(["shanghai", "beijing"]);
    expect(plan.skipped).toEqual(["guangzhou"]);
    expect(plan.notes).toEqual([
      "guangzhou is the home region: the framework database, tarsweb, tarsnotify, tarsquerystat and tarsqueryproperty stay there",
    ]);
    expect(where(plan.fleet)).toMatchObject({ "app.gz.1": "sh1", "app.gz.2": "bj1" });
  });

  it.each(["guangzhou", "shanghai", "beijing"])("never lists the dark region %s", (region) => {
    const plan = planFailover(demo, { region });
    expect(plan.stacks).not.toContain(region);
    expect(plan.stacks).not.toContain("global");
    expect(plan.skipped).toEqual([region]);
  });

  it("sends a Set that had failed over into the dark region back to its own cluster", () => {
    const shInGz = applyFailover(demo, ["app.sh.1"]);
    const plan = planFailover(shInGz, { region: "guangzhou" });
    expect(plan.changes).toContainEqual({
      path: ["sets", "app.sh.1", "failedOver"],
      from: true,
      to: false,
    });
    expect(where(plan.fleet)["app.sh.1"]).toBe("sh1");
  });

  it("leaves Sets that cannot leave the region, with a note", () => {
    const stuck = {
      ...demo,
      sets: demo.sets.map((s) =>
        s.id === "app.gz.2"
          ? { id: s.id, cluster: "gz2", warmStandby: false, failedOver: false }
          : s,
      ),
    };
    const plan = planFailover(stuck, { region: "guangzhou" });
    expect(plan.changes.map((c) => c.path[1])).toEqual(["app.gz.1"]);
    expect(plan.notes[0]).toBe(
      "Set app.gz.2 has no standby cluster and stays down with region guangzhou",
    );
  });

  it.each<[string, FleetSpec, SetTarget, string]>([
    [
      "unknown Sets",
      demo,
      { sets: ["app.gz.1", "app.gz.9", "app.xx.1"] },
      'unknown Sets "app.gz.9", "app.xx.1", expected app.gz.1, app.gz.2, app.sh.1 or app.bj.1',
    ],
    [
      "a Set already failed over",
      applyFailover(demo, ["app.gz.1"]),
      { sets: ["app.gz.1"] },
      "Set app.gz.1 is already failed over to sh1; fail it back first with tarsfed failback app.gz.1",
    ],
    [
      "a Set without a standby",
      {
        ...demo,
        sets: demo.sets.map((s) =>
          s.id === "app.bj.1"
            ? { id: s.id, cluster: "bj1", warmStandby: false, failedOver: false }
            : s,
        ),
      },
      { sets: ["app.bj.1"] },
      'Set app.bj.1 has no standby cluster to fail over to; set sets["app.bj.1"].standby in the fleet file first',
    ],
    [
      "an unknown region",
      demo,
      { region: "chengdu" },
      'unknown region "chengdu", expected guangzhou, shanghai or beijing',
    ],
    [
      "a region with no Set active",
      applyFailover(demo, ["app.bj.1"]),
      { region: "beijing" },
      "no Set is active in region beijing, nothing to fail over",
    ],
    ["no Set at all", demo, { sets: [] }, "name at least one Set, or pass --region"],
  ])("fails on %s", (_name, fleet, target, message) => {
    expect(refusal(() => planFailover(fleet, target))).toBe(message);
  });
});

describe("planFailback", () => {
  it("brings a Set home: its own cluster's stack first, then the standby's", () => {
    const over = applyFailover(demo, ["app.gz.1"]);
    const plan = planFailback(over, { sets: ["app.gz.1"] });
    expect(plan.changes).toEqual([
      { path: ["sets", "app.gz.1", "failedOver"], from: true, to: false },
    ]);
    expect(plan.steps).toEqual([
      { stack: "guangzhou", effect: "gains" },
      { stack: "shanghai", effect: "loses" },
    ]);
    expect(plan.fleet).toEqual(demo);
  });

  it("brings a region's Sets home", () => {
    const over = planFailover(demo, { region: "guangzhou" }).fleet;
    const plan = planFailback(over, { region: "guangzhou" });
    expect(plan.changes.map((c) => c.path[1])).toEqual(["app.gz.1", "app.gz.2"]);
    expect(plan.stacks).toEqual(["guangzhou", "shanghai", "beijing"]);
    expect(plan.skipped).toEqual([]);
    expect(plan.fleet).toEqual(demo);
  });

  it.each<[string, SetTarget, string]>([
    [
      "a Set that is home",
      { sets: ["app.sh.1"] },
      "Set app.sh.1 is not failed over: it runs in its own cluster sh1",
    ],
    [
      "a region with nothing failed over",
      { region: "shanghai" },
      "no Set of region shanghai is failed over, nothing to fail back",
    ],
    [
      "an unknown Set",
      { sets: ["app.gz.7"] },
      'unknown Set "app.gz.7", expected app.gz.1, app.gz.2, app.sh.1 or app.bj.1',
    ],
  ])("fails on %s", (_name, target, message) => {
    expect(refusal(() => planFailback(demo, target))).toBe(message);
  });
});

describe("stacksToApply", () => {
  it("puts stacks that both gain and lose first, in deployment order, and in both phases", () => {
    const swapped = applyFailover(demo, ["app.gz.1", "app.sh.1"]);
    expect(stacksToApply(demo, swapped)).toEqual([
      { stack: "guangzhou", effect: "changes" },
      { stack: "shanghai", effect: "changes" },
    ]);
    expect(phasesToApply(demo, swapped).phases).toEqual([
      { effect: "gain", stacks: ["guangzhou", "shanghai"] },
      { effect: "remove", stacks: ["guangzhou", "shanghai"] },
    ]);
  });

  it("lists nothing when nothing moves", () => {
    expect(stacksToApply(demo, demo)).toEqual([]);
  });
});

describe("planScale", () => {
  it("changes one server's replicas in one Set, in the Set's stack", () => {
    const plan = planScale(demo, {
      kind: "replicas",
      server: "TestApp.HelloServer",
      set: "app.gz.1",
      replicas: 5,
    });
    expect(plan.changes).toEqual([
      { path: ["servers", "TestApp.HelloServer", "replicas", "app.gz.1"], from: 3, to: 5 },
    ]);
    expect(plan.steps).toEqual([{ stack: "guangzhou", effect: "gains" }]);
  });

  it("adds a server to a Set it did not run in", () => {
    const plan = planScale(demo, {
      kind: "replicas",
      server: "TestApp.OrderServer",
      set: "app.bj.1",
      replicas: 2,
    });
    expect(plan.changes).toEqual([
      { path: ["servers", "TestApp.OrderServer", "replicas", "app.bj.1"], from: null, to: 2 },
    ]);
    expect(plan.stacks).toEqual(["beijing"]);
  });

  it("changes a node pool's sizes", () => {
    const plan = planScale(demo, {
      kind: "pool",
      cluster: "sh1",
      pool: "highmem",
      maxSize: 6,
      desiredSize: 1,
    });
    expect(plan.changes).toEqual([
      {
        path: ["regions", "shanghai", "clusters", "sh1", "nodePools", "highmem", "maxSize"],
        from: 4,
        to: 6,
      },
    ]);
    // Node pools are cloud resources: the region's infra stack applies the change.
    expect(plan.steps).toEqual([{ stack: "shanghai-infra", effect: "gains" }]);
    expect(plan.description).toBe("setting sh1's node pool highmem to maxSize 6, desiredSize 1");
  });

  it("refuses to scale an existing cluster's nodes, which the fleet does not manage", () => {
    const existing = loadFleet("test/fixtures/existing/fleet.yaml").spec;
    expect(() =>
      planScale(existing, { kind: "pool", cluster: "sh1", pool: "general", maxSize: 6 }),
    ).toThrow(
      new OperationError(
        "cluster sh1 is an existing cluster: this fleet does not manage its nodes; scale it where it is managed, then update its existing.capacity",
      ),
    );
  });

  it("plans no change when the fleet already has the values", () => {
    const plan = planScale(demo, {
      kind: "replicas",
      server: "Shop.CartServer",
      set: "app.bj.1",
      replicas: 2,
    });
    expect(plan.changes).toEqual([]);
    expect(plan.stacks).toEqual([]);
  });

  it.each<[string, ScaleRequest, string]>([
    [
      "an unknown server and Set",
      { kind: "replicas", server: "TestApp.Nope", set: "app.zz.1", replicas: 1 },
      'unknown server "TestApp.Nope", expected TestApp.HelloServer, TestApp.OrderServer or Shop.CartServer\n' +
        'unknown Set "app.zz.1", expected app.gz.1, app.gz.2, app.sh.1 or app.bj.1',
    ],
    [
      "an unknown cluster",
      { kind: "pool", cluster: "xx1", pool: "general", maxSize: 3 },
      'unknown cluster "xx1", expected gz1, gz2, sh1 or bj1',
    ],
    [
      "an unknown pool",
      { kind: "pool", cluster: "sh1", pool: "gpu", maxSize: 3 },
      'cluster sh1 has no node pool "gpu", expected general or highmem',
    ],
    [
      "a pool change with no size",
      { kind: "pool", cluster: "sh1", pool: "general" },
      "give at least one of --min, --max and --desired",
    ],
  ])("fails on %s", (_name, request, message) => {
    expect(refusal(() => planScale(demo, request))).toBe(message);
  });
});

const pay = fleetOf(readFileSync("test/fixtures/pay-fleet.yaml", "utf8")).spec;

/** Every Deployment of a region slice as `cluster/name: role replicas`. */
const deployments = (fleet: FleetSpec, region: string, moving: readonly string[]) =>
  Object.fromEntries(
    transitionSlice(fleet, region, moving).clusters.flatMap((c) =>
      c.workloads.map((w) => [`${w.cluster}/${w.name}`, `${w.role} ${w.replicas}`]),
    ),
  );

const gapsOf = (before: FleetSpec, plan: OperationPlan) =>
  readyGaps(before, plan.fleet, { phases: plan.phases, moving: plan.moving, dark: plan.skipped });

describe("failover phases", () => {
  it("gains everywhere first, then removes: pay.nj.2 to singapore, pay.cd.1 to nanjing", () => {
    const plan = planFailover(pay, { sets: ["pay.cd.1", "pay.nj.2"] });
    expect(plan.phases).toEqual([
      { effect: "gain", stacks: ["nanjing", "singapore"] },
      { effect: "remove", stacks: ["chengdu", "nanjing"] },
    ]);
    expect(plan.stacks).toEqual(["nanjing", "singapore", "chengdu", "nanjing"]);
    expect(plan.moving).toEqual(["pay.cd.1", "pay.nj.2"]);
    expect(plan.steps).toEqual([
      { stack: "nanjing", effect: "changes" },
      { stack: "singapore", effect: "gains" },
      { stack: "chengdu", effect: "loses" },
    ]);
  });

  it("keeps both copies in nanjing's phase one, never in the fleet after it", () => {
    const after = planFailover(pay, { sets: ["pay.cd.1", "pay.nj.2"] }).fleet;
    expect(deployments(after, "nanjing", ["pay.cd.1", "pay.nj.2"])).toEqual({
      "nj1/pay-gatewayserver-pay-cd-1": "active 3",
      "nj1/pay-gatewayserver-pay-nj-2": "active 2",
      "nj1/pay-ledgerserver-pay-cd-1": "active 2",
      "nj1/pay-ledgerserver-pay-nj-2": "active 1",
    });
    expect(deployments(after, "nanjing", [])).toEqual({
      "nj1/pay-gatewayserver-pay-cd-1": "active 3",
      "nj1/pay-ledgerserver-pay-cd-1": "active 2",
    });
    // Chengdu's phase one (were it run) keeps the old copies and adds pay.sg.3's warm one.
    expect(deployments(after, "chengdu", ["pay.cd.1", "pay.nj.2"])).toEqual({
      "cd1/pay-gatewayserver-pay-cd-1": "active 3",
      "cd1/pay-ledgerserver-pay-cd-1": "active 2",
      "cd1/pay-gatewayserver-pay-sg-3": "warm-standby 1",
    });
  });

  it("never leaves a Set without a Ready copy, at any step of any failover or failback", () => {
    for (const fleet of [pay, demo]) {
      const movable = fleet.sets.filter((s) => s.standby !== undefined).map((s) => s.id);
      const targets: SetTarget[] = [
        ...movable.map((id) => ({ sets: [id] })),
        { sets: movable },
        ...fleet.regions.map((r) => ({ region: r.name })),
      ];
      for (const target of targets) {
        let plan: OperationPlan;
        try {
          plan = planFailover(fleet, target);
        } catch {
          continue; // nothing to fail over in that region
        }
        expect(gapsOf(fleet, plan), JSON.stringify(target)).toEqual([]);
        const back = planFailback(plan.fleet, target);
        expect(gapsOf(plan.fleet, back), `back ${JSON.stringify(target)}`).toEqual([]);
      }
    }
  });

  it("finds the gap of the old order: nanjing applied as the fleet says, before singapore", () => {
    const plan = planFailover(pay, { sets: ["pay.cd.1", "pay.nj.2"] });
    const oldOrder = [{ effect: PhaseEffect.Remove, stacks: ["nanjing", "singapore", "chengdu"] }];
    expect(readyGaps(pay, plan.fleet, { phases: oldOrder, moving: [] })).toEqual([
      { when: "after nanjing (remove)", deployment: "pay-gatewayserver-pay-nj-2", set: "pay.nj.2" },
      { when: "after nanjing (remove)", deployment: "pay-ledgerserver-pay-nj-2", set: "pay.nj.2" },
    ]);
  });

  it("counts a warm copy turned active at the same replicas as a gain", () => {
    const one = fleetOf(
      replaceOnce(
        readFileSync("test/fixtures/pay-fleet.yaml", "utf8"),
        "replicas: { pay.cd.1: 2, pay.nj.2: 1 }",
        "replicas: { pay.cd.1: 1, pay.nj.2: 1 }",
      ),
    ).spec;
    const single = {
      ...one,
      servers: one.servers.filter((s) => s.id === "Pay.LedgerServer"),
    };
    expect(phasesToApply(single, applyFailover(single, ["pay.cd.1"])).phases).toEqual([
      { effect: "gain", stacks: ["nanjing"] },
      { effect: "remove", stacks: ["chengdu"] },
    ]);
  });
});
