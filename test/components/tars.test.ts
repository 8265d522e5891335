/**
 * TARS in the demo plan: the framework in every cluster, the home region's shared services, and
 * the Set Deployments where placement puts them.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { placeWorkloads } from "../../fleet/tars/placement";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type PlannedResource } from "../../fleet/stacks/plan-document";
import { at, clusterOf, objects, stackOf, str } from "./helpers";

const fleet = loadFleet("stacks/fleet.yaml");
let plan: FleetPlan;
let failedOver: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(fleet);
  const text = fleet.text.replace(
    "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
    "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
  );
  // The program reads the fleet file named in stack config, as under the real engine: plan a copy.
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-failover-")), "fleet.yaml");
  writeFileSync(file, text);
  failedOver = await planFleet(loadFleet(file));
});

const allObjects = (p: FleetPlan, kind: string) =>
  new Map(p.stacks.flatMap((s) => [...objects(s, kind)]));
type Container = {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  readinessProbe?: unknown;
  lifecycle?: unknown;
  resources?: unknown;
};
const containers = (r: PlannedResource) =>
  at(r.inputs, "spec", "template", "spec", "containers") as unknown as Container[];
const env = (r: PlannedResource) =>
  Object.fromEntries((containers(r)[0].env ?? []).map((e) => [e.name, e.value ?? "(from field)"]));

describe("the framework in every cluster", () => {
  it.each(["gz1", "gz2", "sh1", "bj1"])(
    "%s runs the registry with its Service, load balancer Service and PDB",
    (cluster) => {
      const deployments = allObjects(plan, "Deployment");
      const registry = deployments.get(`${cluster}/tars-system/tars-registry`);
      expect(registry && containers(registry).map((c) => c.name)).toEqual([
        "tars-cppregistry",
        "tars-registry",
      ]);
      expect(at(registry?.inputs ?? null, "spec", "replicas")).toBe(2);
      expect(allObjects(plan, "Service").has(`${cluster}/tars-system/tars-registry`)).toBe(true);
      expect(allObjects(plan, "Service").has(`${cluster}/tars-system/tars-registry-lb`)).toBe(true);
      expect(
        allObjects(plan, "PodDisruptionBudget").has(`${cluster}/tars-system/tars-registry`),
      ).toBe(true);
      const secret = allObjects(plan, "Secret").get(`${cluster}/tars-system/tars-db`);
      // The Kubernetes SDK marks a Secret's whole stringData secret.
      expect(at(secret?.inputs ?? null, "stringData")).toBe("[secret]");
    },
  );

  it("reads the home region's outputs in the other regions (tarsweb serves tarsnode to beijing's CVMs)", () => {
    const home = stackOf(plan, "guangzhou-infra").outputs;
    const machine = stackOf(plan, "beijing-infra").resources.find(
      (r) => r.type === "tencentcloud:index/instance:Instance",
    );
    expect(str(machine?.inputs.userDataRaw)).toContain(
      `PACKAGE_URL='http://${str(home.webAddress)}:3000/files/tarsnode.tgz'`,
    );
  });
});

describe("the home region", () => {
  it("alone has the database, its schema Job, tarsnotify and the node services; tarsweb and the query services also wait in the standby region", () => {
    const only = (type: string) =>
      plan.stacks.filter((s) => s.resources.some((r) => r.type === type)).map((s) => s.name);
    expect(only("tencentcloud:index/mysqlInstance:MysqlInstance")).toEqual(["guangzhou-infra"]);
    expect(only("kubernetes:batch/v1:Job")).toEqual(["guangzhou"]);
    const regional = /\/tars-(tarsconfig|tarsstat|tarsproperty)$/;
    const deployments = [...allObjects(plan, "Deployment").keys()].filter(
      (k) => !k.includes("/tars/") && !k.endsWith("/tars-registry") && !regional.test(k),
    );
    expect(deployments.sort()).toEqual([
      "gz1/tars-system/tars-tarsadminregistry",
      "gz1/tars-system/tars-tarsnotify",
      "gz1/tars-system/tars-tarspatch",
      "gz1/tars-system/tars-tarsqueryproperty",
      "gz1/tars-system/tars-tarsquerystat",
      "gz1/tars-system/tars-web",
      // tars.db.standbyRegion: shanghai, at 0 replicas (database-host.test.ts).
      "sh1/tars-system/tars-tarsqueryproperty",
      "sh1/tars-system/tars-tarsquerystat",
      "sh1/tars-system/tars-web",
    ]);
    const mysql = stackOf(plan, "guangzhou-infra").resources.find(
      (r) => r.type === "tencentcloud:index/mysqlInstance:MysqlInstance",
    );
    expect(mysql?.inputs).toMatchObject({
      engineVersion: "5.7",
      internetService: 0,
      rootPassword: "[secret]",
    });
    expect([mysql?.protect, mysql?.retainOnDelete]).toEqual([true, true]);
  });
});

describe("Set Deployments", () => {
  it("runs one Deployment per server and Set active in a cluster, and the warm copy in the standby", () => {
    const names = [...allObjects(plan, "Deployment").keys()]
      .filter((k) => k.includes("/tars/"))
      .sort();
    const expected = placeWorkloads(fleet.spec)
      .map((w) => `${w.cluster}/tars/${w.name}`)
      .sort();
    expect(names).toEqual(expected);
    expect(names).toContain("sh1/tars/testapp-helloserver-app-gz-1");
  });

  it("gives each the tarscli environment, readiness, preStop, grace period, rollout and PDB", () => {
    const deployment = allObjects(plan, "Deployment").get(
      "gz1/tars/testapp-helloserver-app-gz-1",
    ) as PlannedResource;
    expect(env(deployment)).toEqual({
      TARS_APPLICATION: "TestApp",
      TARS_SERVER: "HelloServer",
      TARS_SET_ID: "app.gz.1",
      TARS_LOCATOR:
        "tars.tarsregistry.QueryObj@tcp -h tars-registry.tars-system.svc.cluster.local -p 17890",
      TARS_PRESTOP_WAITTIME: "80s",
      POD_IP: "(from field)",
    });
    const [container] = containers(deployment);
    expect(container.readinessProbe).toMatchObject({ exec: { command: ["tarscli", "hzcheck"] } });
    expect(container.lifecycle).toEqual({ preStop: { exec: { command: ["tarscli", "prestop"] } } });
    expect(container.resources).toEqual({
      requests: { cpu: "500m", memory: "512Mi" },
      limits: { cpu: "500m", memory: "512Mi" },
    });
    expect(at(deployment.inputs, "spec", "template", "spec", "terminationGracePeriodSeconds")).toBe(
      90,
    );
    expect(at(deployment.inputs, "spec", "strategy")).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(at(deployment.inputs, "spec", "replicas")).toBe(3);
    expect(at(deployment.inputs, "metadata", "labels")).toMatchObject({
      "tarsfed.io/set": "app.gz.1",
      "tarsfed.io/application": "TestApp",
      "tarsfed.io/server": "HelloServer",
    });
    const spread = at(
      deployment.inputs,
      "spec",
      "template",
      "spec",
      "topologySpreadConstraints",
    ) as { topologyKey: string }[];
    expect(spread.map((c) => c.topologyKey)).toEqual([
      "topology.kubernetes.io/zone",
      "kubernetes.io/hostname",
    ]);
    const pdb = allObjects(plan, "PodDisruptionBudget").get(
      "gz1/tars/testapp-helloserver-app-gz-1",
    );
    expect(at(pdb?.inputs ?? null, "spec")).toEqual({
      maxUnavailable: 1,
      selector: at(deployment.inputs, "spec", "selector"),
    });
  });

  it("registers the warm standby copy without traffic, one replica", () => {
    const copy = allObjects(plan, "Deployment").get(
      "sh1/tars/testapp-helloserver-app-gz-1",
    ) as PlannedResource;
    expect(env(copy)).toMatchObject({ TARS_SET_ID: "app.gz.1", TARS_DISABLE_FLOW: "true" });
    expect(at(copy.inputs, "spec", "replicas")).toBe(1);
    expect(at(copy.inputs, "metadata", "labels", "tarsfed.io/role")).toBe("warm-standby");
  });
});

describe("failing over one Set", () => {
  const keyed = (p: FleetPlan) =>
    new Map(
      p.stacks.flatMap((s) =>
        s.resources
          .filter((r) => r.type.startsWith("kubernetes:"))
          .map((r) => [`${clusterOf(r)}/${r.type}/${r.name}`, JSON.stringify(r.inputs)] as const),
      ),
    );

  it("moves exactly that Set's Deployments, PDBs and NetworkPolicies to its standby cluster, and nothing else changes", () => {
    const before = keyed(plan);
    const after = keyed(failedOver);
    const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
    const changed = [...before.keys()]
      .filter((k) => after.has(k) && after.get(k) !== before.get(k))
      .sort();
    const added = [...after.keys()].filter((k) => !before.has(k)).sort();
    const setObjects = (cluster: string) =>
      ["shop-cartserver", "testapp-helloserver", "testapp-orderserver"].flatMap((s) =>
        [
          "kubernetes:core/v1:ConfigMap",
          "kubernetes:apps/v1:Deployment",
          "kubernetes:policy/v1:PodDisruptionBudget",
          "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        ].map(
          (t) =>
            `${cluster}/${t}/${cluster}-${s}-app-gz-1-${{ "kubernetes:core/v1:ConfigMap": "meta", "kubernetes:apps/v1:Deployment": "deployment", "kubernetes:policy/v1:PodDisruptionBudget": "pdb", "kubernetes:networking.k8s.io/v1:NetworkPolicy": "network-policy" }[t]}`,
        ),
      );
    expect(removed).toEqual(setObjects("gz1").sort());
    expect(added).toEqual([]);
    // The warm copies in sh1 are the same objects: they scale up and lift TARS_DISABLE_FLOW.
    expect(changed).toEqual(
      setObjects("sh1")
        .filter((k) => k.includes("Deployment"))
        .sort(),
    );
    const copy = allObjects(failedOver, "Deployment").get(
      "sh1/tars/testapp-helloserver-app-gz-1",
    ) as PlannedResource;
    expect(at(copy.inputs, "spec", "replicas")).toBe(3);
    expect(env(copy).TARS_DISABLE_FLOW).toBeUndefined();
  });
});
