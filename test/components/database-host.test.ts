/**
 * The framework database as the Kubernetes side sees it: its host a visible DNS name in every
 * cluster (a ConfigMap for the pods, env values for the Jobs), its password alone in a Secret,
 * the pods rolled by a new host, password or master; and, with `tars.db.standbyRegion`, tarsweb
 * and the query services in the standby region at 0 replicas, or at theirs once it serves.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet, parseFleet } from "../../fleet/model/load";
import { evaluatePolicies } from "../../policies/evaluate";
import { planFleet } from "../../cli/plan/plan-fleet";
import { collectManifests } from "../../cli/manifests/collect";
import { type FleetPlan, type Json, type PlannedResource } from "../../fleet/stacks/plan-document";
import { at, byName, clusterOf, objects, stackOf, str } from "./helpers";

const DEMO = readFileSync("stacks/fleet.yaml", "utf8");
const SMALL = readFileSync("test/fixtures/small-fleet.yaml", "utf8");
const SMALL_DB = 'db: { mode: tencentdb, engineVersion: "5.7" }';
const DB_CONFIG = "tars-db-config";
const IPV4 = /\b\d{1,3}(\.\d{1,3}){3}\b/;

/** The small fleet with `extra` added to its `tars.db`. */
function smallWith(extra: string): string {
  expect(SMALL).toContain(SMALL_DB);
  return SMALL.replace(SMALL_DB, SMALL_DB.replace(" }", `, ${extra} }`));
}

async function planText(text: string): Promise<FleetPlan> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-db-host-")), "fleet.yaml");
  writeFileSync(file, text);
  return planFleet(loadFleet(file));
}

let demo: FleetPlan;
let small: FleetPlan;
let standby: FleetPlan;
let serving: FleetPlan;
let renamed: FleetPlan;
beforeAll(async () => {
  // One after another: the plans share Pulumi's process-wide mocks.
  demo = await planText(DEMO);
  small = await planText(SMALL);
  standby = await planText(smallWith("standbyRegion: sh"));
  serving = await planText(smallWith("standbyRegion: sh, servingRegion: sh"));
  renamed = await planText(smallWith("standbyRegion: sh, dnsZone: tars-small.com"));
}, 400_000);

/** Kubernetes objects of a kind in every TARS stack, keyed `<stack>/<cluster>/<ns>/<name>`. */
function everywhere(plan: FleetPlan, kind: string): Map<string, PlannedResource> {
  return new Map(
    plan.stacks.flatMap((s) => [...objects(s, kind)].map(([key, r]) => [`${s.name}/${key}`, r])),
  );
}

type Container = { name: string; env?: { name: string; value?: string }[]; envFrom?: Json[] };

/** Deployments and StatefulSets whose pods load the database's ConfigMap. */
function dbPods(plan: FleetPlan): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const kind of ["Deployment", "StatefulSet"]) {
    for (const [key, r] of everywhere(plan, kind)) {
      const pod = at(r.inputs, "spec", "template");
      const containers = (at(pod, "spec", "containers") ?? []) as Container[];
      const loads = containers.some((c) =>
        (c.envFrom ?? []).some((e) => at(e, "configMapRef", "name") === DB_CONFIG),
      );
      if (loads) out.set(key, pod);
    }
  }
  return out;
}

/** Every Job's DB_HOST env value, by `<stack>/<cluster>/<ns>/<logical name>`. */
function jobHosts(plan: FleetPlan): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const s of plan.stacks) {
    for (const r of s.resources.filter((x) => x.type === "kubernetes:batch/v1:Job")) {
      const containers = (at(r.inputs, "spec", "template", "spec", "containers") ??
        []) as Container[];
      const host = containers.flatMap((c) => c.env ?? []).find((e) => e.name === "DB_HOST");
      out.set(`${s.name}/${clusterOf(r)}/${r.name}`, host?.value);
    }
  }
  return out;
}

describe("the database host in the demo plan", () => {
  it("is the DNS name, in a ConfigMap with the port and user, in every cluster of every region", () => {
    const configs = everywhere(demo, "ConfigMap");
    for (const cluster of ["guangzhou/gz1", "guangzhou/gz2", "shanghai/sh1", "beijing/bj1"]) {
      const config = configs.get(`${cluster}/tars-system/${DB_CONFIG}`);
      expect(at(config?.inputs ?? null, "data"), cluster).toEqual({
        DB_HOST: "db.tarsfed-demo.com",
        DB_PORT: "3306",
        DB_USER: "tarsAdmin",
      });
    }
  });

  it("shows the same in tarsfed manifests: each cluster's tars-db-config holds the DNS name", () => {
    const configs = collectManifests(demo).objects.filter(
      (o) => o.kind === "ConfigMap" && o.name === DB_CONFIG,
    );
    expect(
      configs.map((o) => [o.cluster, o.namespace, at(o.object as Json, "data", "DB_HOST")]).sort(),
    ).toEqual([
      ["bj1", "tars-system", "db.tarsfed-demo.com"],
      ["gz1", "tars-system", "db.tarsfed-demo.com"],
      ["gz2", "tars-system", "db.tarsfed-demo.com"],
      ["sh1", "tars-system", "db.tarsfed-demo.com"],
    ]);
  });

  it("leaves only the password in the Secret, which the plan does not show", () => {
    for (const [key, secret] of everywhere(demo, "Secret")) {
      if (!key.endsWith("/tars-system/tars-db")) continue;
      expect(at(secret.inputs, "stringData"), key).toBe("[secret]");
    }
    for (const [key, config] of everywhere(demo, "ConfigMap")) {
      expect(Object.keys((at(config.inputs, "data") ?? {}) as object), key).not.toContain(
        "DB_PASS",
      );
    }
  });

  it("gives the database Job and the IDC groups Job the DNS name as a plain env value", () => {
    expect(jobHosts(demo)).toEqual(
      new Map([
        ["guangzhou/gz1/tars-db-init", "db.tarsfed-demo.com"],
        ["guangzhou/gz1/tars-db-idc-groups-job", "db.tarsfed-demo.com"],
      ]),
    );
  });

  it("never gives a pod or Job the database's address: no DB_HOST is an IP", () => {
    const mysql = byName(stackOf(demo, "guangzhou-infra"), "tars-db-mysql");
    expect(mysql.type).toBe("tencentcloud:index/mysqlInstance:MysqlInstance");
    for (const [key, config] of everywhere(demo, "ConfigMap")) {
      const host = at(config.inputs, "data", "DB_HOST");
      if (host !== null) expect(str(host), key).not.toMatch(IPV4);
    }
    for (const [key, host] of jobHosts(demo)) expect(host, key).not.toMatch(IPV4);
    // Nor the instance's address anywhere in a TARS stack.
    const address = at(stackOf(demo, "guangzhou-infra").outputs, "dbInstanceHost");
    if (typeof address === "string" && address !== "") {
      for (const region of ["guangzhou", "shanghai", "beijing"]) {
        expect(JSON.stringify(stackOf(demo, region).resources)).not.toContain(address);
      }
    }
  });

  it("rolls every pod loading it by the ConfigMap's hash and names the serving region", () => {
    const pods = dbPods(demo);
    expect([...pods.keys()]).toEqual(
      expect.arrayContaining([
        "guangzhou/gz1/tars-system/tars-registry",
        "guangzhou/gz2/tars-system/tars-registry",
        "guangzhou/gz1/tars-system/tars-web",
        "guangzhou/gz1/tars-system/tars-tarsnotify",
        "shanghai/sh1/tars-system/tars-registry",
        "shanghai/sh1/tars-system/tars-tarsconfig",
        "beijing/bj1/tars-system/tars-registry",
      ]),
    );
    for (const [key, pod] of pods) {
      const annotations = at(pod, "metadata", "annotations");
      expect(str(at(annotations, `config-hash.tarsfed.io/${DB_CONFIG}`)), key).toMatch(
        /^[0-9a-f]{12}$/,
      );
      expect(str(at(annotations, "secret-hash.tarsfed.io/tars-db")), key).toMatch(/^[0-9a-f]{12}$/);
      expect(at(annotations, "tarsfed.io/db-serving-region"), key).toBe("guangzhou");
    }
  });

  it("rolls a cluster's base services only after its registry", () => {
    const gz = stackOf(demo, "guangzhou");
    const registry = byName(gz, "gz1-tars-registry");
    for (const service of ["tarsconfig", "tarsstat", "tarsproperty"]) {
      expect(byName(gz, `gz1-tars-${service}-deployment`).dependencies).toContain(registry.urn);
    }
    expect(byName(gz, "gz1-tars-tarslog-statefulset").dependencies).toContain(registry.urn);
  });
});

describe("a new database host", () => {
  it("is in every cluster's ConfigMap and rolls every pod loading it, the password's hash alone", () => {
    const configs = everywhere(renamed, "ConfigMap");
    for (const cluster of ["gz/gz1", "sh/sh1"]) {
      expect(
        at(configs.get(`${cluster}/tars-system/${DB_CONFIG}`)?.inputs ?? null, "data", "DB_HOST"),
      ).toBe("db.tars-small.com");
    }
    const before = dbPods(standby);
    const after = dbPods(renamed);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const annotation = (pod: Json | undefined, key: string) =>
      at(pod ?? null, "metadata", "annotations", key);
    for (const [key, pod] of after) {
      const config = `config-hash.tarsfed.io/${DB_CONFIG}`;
      expect(annotation(pod, config), key).not.toEqual(annotation(before.get(key), config));
      expect(annotation(pod, "secret-hash.tarsfed.io/tars-db"), key).toEqual(
        annotation(before.get(key), "secret-hash.tarsfed.io/tars-db"),
      );
    }
    // The database Job is named after its whole environment: a new host is a new Job.
    const jobName = (plan: FleetPlan) =>
      str(at(byName(stackOf(plan, "gz"), "tars-db-init").inputs, "metadata", "name"));
    expect(jobName(renamed)).not.toBe(jobName(standby));
    expect(jobName(serving)).toBe(jobName(standby));
    expect(jobHosts(renamed)).toEqual(
      new Map([
        ["gz/gz1/tars-db-init", "db.tars-small.com"],
        ["gz/gz1/tars-db-idc-groups-job", "db.tars-small.com"],
      ]),
    );
  });
});

describe("the home region's single point of failure", () => {
  // What `tarsfed plan` reports: the plan with the policies' findings.
  const findings = (plan: FleetPlan, text: string) =>
    evaluatePolicies(plan, parseFleet(text, "fleet.yaml").spec).stacks.flatMap((s) =>
      s.violations
        .filter((v) => v.policy === "home-region-standby")
        .map((v) => [s.name, v.severity, v.resource]),
    );

  it("is an advisory finding on the home database of a fleet without tars.db.standbyRegion", () => {
    expect(findings(small, SMALL)).toEqual([
      ["gz-infra", "advisory", byName(stackOf(small, "gz-infra"), "tars-db-mysql").urn],
    ]);
  });

  it("is no finding once the database has its standby", () => {
    expect(findings(standby, smallWith("standbyRegion: sh"))).toEqual([]);
    expect(findings(demo, DEMO)).toEqual([]);
  });
});

describe("the standby web", () => {
  const deployment = (plan: FleetPlan, key: string) => everywhere(plan, "Deployment").get(key);
  const replicas = (plan: FleetPlan, key: string) =>
    at(deployment(plan, key)?.inputs ?? null, "spec", "replicas");

  it("runs nowhere without tars.db.standbyRegion", () => {
    expect(deployment(small, "sh/sh1/tars-system/tars-web")).toBeUndefined();
    expect(deployment(small, "sh/sh1/tars-system/tars-tarsquerystat")).toBeUndefined();
  });

  it("runs tarsweb and the query services in the standby's first cluster at 0 replicas", () => {
    expect(replicas(standby, "sh/sh1/tars-system/tars-web")).toBe(0);
    expect(replicas(standby, "sh/sh1/tars-system/tars-tarsquerystat")).toBe(0);
    expect(replicas(standby, "sh/sh1/tars-system/tars-tarsqueryproperty")).toBe(0);
    // tarsnotify and the node services stay at home; the home copies keep their replicas.
    expect(deployment(standby, "sh/sh1/tars-system/tars-tarsnotify")).toBeUndefined();
    expect(deployment(standby, "sh/sh1/tars-system/tars-tarspatch")).toBeUndefined();
    expect(replicas(standby, "gz/gz1/tars-system/tars-web")).toBe(1);
    expect(replicas(standby, "gz/gz1/tars-system/tars-tarsquerystat")).toBe(2);
  });

  it("gives them their replicas once the standby region serves", () => {
    expect(replicas(serving, "sh/sh1/tars-system/tars-web")).toBe(1);
    expect(replicas(serving, "sh/sh1/tars-system/tars-tarsquerystat")).toBe(2);
    expect(replicas(serving, "sh/sh1/tars-system/tars-tarsqueryproperty")).toBe(2);
  });

  it("connects them by the database's name, mounts no package store, and has tarsweb's Service and policy", () => {
    const web = deployment(standby, "sh/sh1/tars-system/tars-web");
    const pod = at(web?.inputs ?? null, "spec", "template");
    expect(at(pod, "spec", "containers", 0, "envFrom")).toEqual([
      { secretRef: { name: "tars-db" } },
      { configMapRef: { name: DB_CONFIG } },
    ]);
    expect(JSON.stringify(at(pod, "spec", "volumes"))).not.toContain("tars-packages");
    expect(at(pod, "metadata", "annotations", "tarsfed.io/db-serving-region")).toBe("gz");
    const sh = stackOf(standby, "sh");
    expect(byName(sh, "tars-standby-web").dependencies).toEqual(
      expect.arrayContaining([byName(sh, "tars-standby-web-network-policy").urn]),
    );
    expect(everywhere(standby, "Service").has("sh/sh1/tars-system/tars-web")).toBe(true);
    expect(everywhere(standby, "NetworkPolicy").has("sh/sh1/tars-system/tars-web")).toBe(true);
  });

  it("rolls every framework pod of every region when the master moves, and nothing else about them", () => {
    const before = dbPods(standby);
    const after = dbPods(serving);
    const annotation = (pod: Json | undefined, key: string) =>
      at(pod ?? null, "metadata", "annotations", key);
    for (const key of before.keys()) {
      expect(annotation(before.get(key), "tarsfed.io/db-serving-region"), key).toBe("gz");
      expect(annotation(after.get(key), "tarsfed.io/db-serving-region"), key).toBe("sh");
      for (const hash of ["secret-hash.tarsfed.io/tars-db", `config-hash.tarsfed.io/${DB_CONFIG}`])
        expect(annotation(after.get(key), hash), key).toEqual(annotation(before.get(key), hash));
    }
    expect([...before.keys()]).toEqual(
      expect.arrayContaining([
        "gz/gz1/tars-system/tars-registry",
        "sh/sh1/tars-system/tars-registry",
      ]),
    );
  });
});
