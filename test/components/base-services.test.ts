/**
 * The base services in the demo plan: tarsconfig, tarslog, tarsstat and tarsproperty once per
 * region, in its services cluster; tarsquerystat, tarsqueryproperty and tarsnotify at home. Each
 * runs under tarscli, with K8STARS' image, the native servant port, a PDB where it runs more
 * than one replica, and requests that hold its shared memory; tarslog keeps its files on a volume.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planFleet } from "../../cli/plan/plan-fleet";
import {
  regionalFrameworkServices,
  regionServicesCluster,
  TARSPROPERTY_SIZE,
  TARSSTAT_SIZE,
} from "../../fleet/tars/framework";
import { logRetentionScript, tarslogStatefulSet } from "../../fleet/k8s/base-services";
import { frameworkWorkload } from "../../fleet/k8s/servers";
import { loadFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { type FleetPlan, type Json, type PlannedResource } from "../../fleet/stacks/plan-document";
import { at, objects, str } from "./helpers";

const fleet = loadFleet("stacks/fleet.yaml");
let plan: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(fleet);
});

const allObjects = (kind: string) => new Map(plan.stacks.flatMap((s) => [...objects(s, kind)]));
const get = (kind: string, key: string): PlannedResource => {
  const found = allObjects(kind).get(key);
  if (found === undefined) throw new Error(`no ${kind} ${key}`);
  return found;
};
const podSpec = (r: PlannedResource) => at(r.inputs, "spec", "template", "spec");
const container = (r: PlannedResource, name: string) =>
  (at(podSpec(r), "containers") as Json[]).find((c) => at(c, "name") === name) ?? null;

const REGIONAL = ["tarsconfig", "tarsstat", "tarsproperty"];
const SERVICES_CLUSTERS = ["gz1", "sh1", "bj1"];

describe("where the base services run", () => {
  it("runs tarsconfig, tarsstat and tarsproperty in each region's services cluster: gz1, sh1, bj1, never gz2", () => {
    const base = [...allObjects("Deployment").keys()].filter((k) =>
      /\/tars-(tarsconfig|tarsstat|tarsproperty)$/.test(k),
    );
    expect(base.sort()).toEqual(
      SERVICES_CLUSTERS.flatMap((c) => REGIONAL.map((s) => `${c}/tars-system/tars-${s}`)).sort(),
    );
  });

  it("runs tarslog as a StatefulSet once per region", () => {
    const statefulSets = [...allObjects("StatefulSet").keys()].filter((k) => k.endsWith("tarslog"));
    expect(statefulSets.sort()).toEqual([
      "bj1/tars-system/tars-tarslog",
      "gz1/tars-system/tars-tarslog",
      "sh1/tars-system/tars-tarslog",
    ]);
  });

  it("runs tarsnotify in the home cluster only, the query services also in the database's standby region", () => {
    const home = [...allObjects("Deployment").keys()].filter((k) =>
      /\/tars-(tarsnotify|tarsquerystat|tarsqueryproperty)$/.test(k),
    );
    // The demo's tars.db.standbyRegion is shanghai: its first cluster holds the standby web's
    // query services at 0 replicas.
    expect(home.sort()).toEqual([
      "gz1/tars-system/tars-tarsnotify",
      "gz1/tars-system/tars-tarsqueryproperty",
      "gz1/tars-system/tars-tarsquerystat",
      "sh1/tars-system/tars-tarsqueryproperty",
      "sh1/tars-system/tars-tarsquerystat",
    ]);
  });

  it("prefers a region's first VPC-CNI cluster, else its first", () => {
    /** guangzhou's clusters reversed (gz2 first), each given `networkType` when one is named. */
    const reversed = (networkType?: "GR" | "VPC-CNI"): FleetSpec => ({
      ...fleet.spec,
      regions: fleet.spec.regions.map((r) =>
        r.name !== "guangzhou"
          ? r
          : {
              ...r,
              clusters: [...r.clusters]
                .reverse()
                .map((c) => (networkType === undefined ? c : { ...c, networkType })),
            },
      ),
    });
    expect(regionServicesCluster(fleet.spec, "guangzhou")).toBe("gz1");
    // gz2 first, but GR: gz1's pods are the ones other regions and CVMs reach by address.
    expect(regionServicesCluster(reversed(), "guangzhou")).toBe("gz1");
    expect(regionServicesCluster(reversed("GR"), "guangzhou")).toBe("gz2");
    expect(regionServicesCluster(reversed("VPC-CNI"), "guangzhou")).toBe("gz2");
  });
});

describe("each base service", () => {
  const deployments = () =>
    [...allObjects("Deployment").entries()].filter(([k]) =>
      /\/tars-(tarsconfig|tarsstat|tarsproperty|tarsquerystat|tarsqueryproperty)$/.test(k),
    );

  it("runs K8STARS' image at tars.version, with the native servant port in _server_meta.yaml", () => {
    const expected: Record<string, [string, number]> = {
      tarsconfig: ["ConfigObj", 18193],
      tarsstat: ["StatObj", 18293],
      tarsquerystat: ["QueryObj", 18393],
      tarsproperty: ["PropertyObj", 18493],
      tarsqueryproperty: ["QueryObj", 18693],
      tarslog: ["LogObj", 18993],
    };
    for (const [server, [servant, port]] of Object.entries(expected)) {
      const cluster = "gz1";
      const workload =
        server === "tarslog"
          ? get("StatefulSet", `${cluster}/tars-system/tars-tarslog`)
          : get("Deployment", `${cluster}/tars-system/tars-${server}`);
      expect(at(container(workload, server), "image")).toBe(
        `ccr.ccs.tencentyun.com/tarsbase/${server}:v1.1.3`,
      );
      expect(at(container(workload, server), "ports")).toEqual([
        { containerPort: port, protocol: "TCP", name: servant.toLowerCase() },
      ]);
      const meta = get("ConfigMap", `${cluster}/tars-system/tars-${server}-meta`);
      expect(at(meta.inputs, "data", "_server_meta.yaml")).toBe(
        `version: v1\napplication: tars\nserver: ${server}\nadapters:\n` +
          `  - object: ${servant}\n    endpoint: tcp -h \${local_ip} -p ${port} -t 60000\n`,
      );
    }
  });

  it("is managed by tarscli: hzcheck readiness, prestop hook, grace period above the wait", () => {
    const workloads = [
      ...deployments().map(([, r]) => r),
      ...SERVICES_CLUSTERS.map((c) => get("StatefulSet", `${c}/tars-system/tars-tarslog`)),
    ];
    // Three regions' tarsconfig, tarsstat and tarsproperty, the home and standby query services, tarslog.
    expect(workloads).toHaveLength(3 * 3 + 2 * 2 + 3);
    for (const r of workloads) {
      const server = str(at(r.inputs, "metadata", "name")).replace(/^tars-/, "");
      const main = container(r, server);
      expect(at(main, "readinessProbe", "exec", "command")).toEqual(["tarscli", "hzcheck"]);
      expect(at(main, "lifecycle")).toEqual({
        preStop: { exec: { command: ["tarscli", "prestop"] } },
      });
      expect(at(podSpec(r), "terminationGracePeriodSeconds")).toBe(90);
      const env: Record<string, Json> = Object.fromEntries(
        (at(main, "env") as Json[]).map((e) => [str(at(e, "name")), at(e, "value")]),
      );
      expect(env).toMatchObject({
        TARS_APPLICATION: "tars",
        TARS_SERVER: server,
        TARS_PRESTOP_WAITTIME: "80s",
      });
    }
  });

  it("gets the database's password Secret and address ConfigMap when it uses the database, tarslog never", () => {
    for (const [key, r] of deployments()) {
      const server = key.slice(key.lastIndexOf("/tars-") + 6);
      // The ConfigMap last: of two sources with one key, the last wins (fleet/k8s/db-config.ts).
      expect(at(container(r, server), "envFrom")).toEqual([
        { secretRef: { name: "tars-db" } },
        { configMapRef: { name: "tars-db-config" } },
      ]);
    }
    const tarslog = get("StatefulSet", "sh1/tars-system/tars-tarslog");
    expect(at(container(tarslog, "tarslog"), "envFrom")).toBeNull();
  });

  it("has a PDB where it runs more than one replica, and tarslog (one replica) none", () => {
    const pdbs = allObjects("PodDisruptionBudget");
    // The standby region's query services wait at 0 replicas until it serves.
    const [standby, active] = [true, false].map((zero) =>
      deployments().filter(([, r]) => (at(r.inputs, "spec", "replicas") === 0) === zero),
    );
    expect(standby.map(([k]) => k).sort()).toEqual([
      "sh1/tars-system/tars-tarsqueryproperty",
      "sh1/tars-system/tars-tarsquerystat",
    ]);
    for (const [key, r] of active) {
      expect(at(r.inputs, "spec", "replicas")).toBe(2);
      expect(at(pdbs.get(key)?.inputs ?? null, "spec")).toEqual({
        maxUnavailable: 1,
        selector: at(r.inputs, "spec", "selector"),
      });
    }
    for (const c of SERVICES_CLUSTERS) {
      expect(
        at(get("StatefulSet", `${c}/tars-system/tars-tarslog`).inputs, "spec", "replicas"),
      ).toBe(1);
      expect(pdbs.has(`${c}/tars-system/tars-tarslog`)).toBe(false);
    }
  });

  it("admits business pods, the framework and the fleet on its servant port", () => {
    const policy = get("NetworkPolicy", "bj1/tars-system/tars-tarsstat");
    const [rule] = at(policy.inputs, "spec", "ingress") as Json[];
    expect(at(rule, "ports")).toEqual([{ protocol: "TCP", port: 18293 }]);
    const from = at(rule, "from") as Json[];
    expect(at(from[0], "namespaceSelector", "matchExpressions")).toEqual([
      { key: "kubernetes.io/metadata.name", operator: "In", values: ["tars", "tars-system"] },
    ]);
    expect(from.slice(1).map((p) => at(p, "ipBlock", "cidr"))).toContain("10.20.0.0/16");
  });
});

describe("memory requests from the shared memory the confs ask for", () => {
  it("gives tarsstat 2 × 1 × 256Mi + 256Mi and tarsproperty 2 × 3 × 128Mi + 256Mi", () => {
    expect(TARSSTAT_SIZE.memoryMiB).toBe(768);
    expect(TARSPROPERTY_SIZE.memoryMiB).toBe(1024);
    for (const [server, memory] of [
      ["tarsstat", "768Mi"],
      ["tarsproperty", "1024Mi"],
    ]) {
      const r = get("Deployment", `sh1/tars-system/tars-${server}`);
      expect(at(container(r, server), "resources")).toEqual({
        requests: { cpu: "500m", memory },
        limits: { cpu: "500m", memory },
      });
    }
  });
});

describe("tarslog's volume", () => {
  const tarslog = () => get("StatefulSet", "gz1/tars-system/tars-tarslog");

  it("claims 100Gi of TKE's cbs StorageClass, kept when the StatefulSet goes", () => {
    expect(at(tarslog().inputs, "spec", "volumeClaimTemplates")).toEqual([
      {
        metadata: {
          name: "remote-logs",
          labels: at(tarslog().inputs, "spec", "template", "metadata", "labels"),
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "cbs",
          resources: { requests: { storage: "100Gi" } },
        },
      },
    ]);
    expect(at(tarslog().inputs, "spec", "persistentVolumeClaimRetentionPolicy")).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    expect([tarslog().protect, tarslog().retainOnDelete]).toEqual([true, true]);
  });

  it("holds tarslog.conf's logpath, and the retention container deletes files after 30 days", () => {
    const mount = { name: "remote-logs", mountPath: "/usr/local/app/tars/remote_app_log" };
    expect(at(container(tarslog(), "tarslog"), "volumeMounts")).toContainEqual(mount);
    const retention = container(tarslog(), "log-retention");
    expect(at(retention, "volumeMounts")).toContainEqual(mount);
    expect(at(retention, "image")).toBe("ccr.ccs.tencentyun.com/tarsbase/tarslog:v1.1.3");
    expect(at(retention, "command")).toEqual([
      "/bin/bash",
      "-c",
      logRetentionScript("/usr/local/app/tars/remote_app_log", 30),
    ]);
    expect(at(retention, "resources", "requests")).toEqual({ cpu: "50m", memory: "64Mi" });
    expect(at(retention, "securityContext", "readOnlyRootFilesystem")).toBe(true);
  });

  it("follows tars.log: size, StorageClass and retention", () => {
    const spec: FleetSpec = {
      ...fleet.spec,
      tars: {
        ...fleet.spec.tars,
        log: { storageGb: 500, storageClass: "cloud-premium", retentionDays: 7 },
      },
    };
    const service = regionalFrameworkServices(spec).find((s) => s.server === "tarslog");
    if (service?.logVolume === undefined) throw new Error("tarslog has no volume");
    const set = tarslogStatefulSet(frameworkWorkload(spec, service), service.logVolume);
    expect(set.spec.volumeClaimTemplates?.[0].spec).toMatchObject({
      storageClassName: "cloud-premium",
      resources: { requests: { storage: "500Gi" } },
    });
    const retention = set.spec.template.spec?.containers.find((c) => c.name === "log-retention");
    expect(retention?.command?.[2]).toContain("- 7 * 86400");
  });

  it("deletes only files older than the retention, whatever their suffix", () => {
    expect(logRetentionScript("/logs", 30)).toBe(
      [
        "shopt -s globstar nullglob",
        "while true; do",
        "  cutoff=$(( $(date +%s) - 30 * 86400 ))",
        "  for f in '/logs'/**; do",
        '    if [ -f "$f" ] && [ "$(date -r "$f" +%s)" -lt "$cutoff" ]; then rm -f -- "$f"; fi',
        "  done",
        "  sleep 3600",
        "done",
      ].join("\n"),
    );
    expect(() => logRetentionScript("/logs", 0)).toThrow(
      "retention is a whole number of days from 1, got 0",
    );
  });
});

describe("the demo plan's policies", () => {
  it("find nothing wrong with the base services", () => {
    const base = /tarsconfig|tarslog|tarsstat|tarsproperty|tarsquery/;
    const findings = plan.stacks.flatMap((s) =>
      s.violations.filter((v) => v.resource !== null && base.test(v.resource)),
    );
    expect(findings).toEqual([]);
  });
});
