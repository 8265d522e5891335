/**
 * The stack rules (a PDB for every Set Deployment, a standby in another region, region-loss
 * capacity) and the pure predicates the rules are built from.
 */
import { describe, expect, it } from "vitest";
import { type FleetSpec } from "../../fleet/model/model";
import { parsePortSpec, protectedPorts, rangesOverlap } from "../../policies/ports";
import { at } from "../../policies/props";
import { UNKNOWN, type ResourceView } from "../../policies/rule";
import {
  homeRegionStandby,
  regionLossFits,
  setDeploymentPdb,
  setStandbyInAnotherRegion,
} from "../../policies/rules";
import { K8sType, TencentType } from "../../policies/tokens";
import { openIngressProblem } from "../../policies/rules/no-open-tars-ports";
import { secretShape } from "../../policies/rules/no-plaintext-secrets";
import { selectorMatches } from "../../policies/rules/set-deployment-pdb";
import { standbyProblem } from "../../policies/rules/set-standby-in-another-region";
import { cluster, demo, dig, k8sProvider, resource, setDeployment, setPdb } from "./builders";

function withSet(fleet: FleetSpec, id: string, change: Partial<FleetSpec["sets"][number]>) {
  return { ...fleet, sets: fleet.sets.map((s) => (s.id === id ? { ...s, ...change } : s)) };
}

describe("set-deployment-pdb", () => {
  const deployment = setDeployment();
  const finding = {
    resource: deployment.urn,
    message:
      "Set Deployment tars/testapp-helloserver-app-gz-1 has no PodDisruptionBudget selecting its pods: a node drain may evict every replica at once",
  };

  it("passes a Set Deployment with its PDB", () => {
    expect(setDeploymentPdb.check({ resources: [deployment, setPdb()] })).toEqual([]);
  });

  it.each<[string, ResourceView[]]>([
    ["no PDB at all", [deployment]],
    ["a PDB in another cluster", [deployment, { ...setPdb(), provider: k8sProvider("gz2") }]],
    [
      "a PDB selecting another Set",
      [
        deployment,
        (() => {
          const pdb = setPdb();
          dig(pdb.props, "spec", "selector", "matchLabels")["tarsfed.io/set"] = "app.sh.1";
          return pdb;
        })(),
      ],
    ],
  ])("fails with %s", (_case, resources) => {
    expect(setDeploymentPdb.check({ resources })).toEqual([finding]);
  });

  it.each<[string, unknown, boolean]>([
    ["an empty selector selects every pod", {}, true],
    ["a missing selector selects none", undefined, false],
    ["an unknown selector is taken to match", UNKNOWN, true],
    ["matchLabels must all match", { matchLabels: { a: "1", b: "2" } }, false],
    ["In", { matchExpressions: [{ key: "a", operator: "In", values: ["1", "3"] }] }, true],
    ["NotIn", { matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, false],
    ["Exists", { matchExpressions: [{ key: "a", operator: "Exists" }] }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, false],
  ])("selectorMatches: %s", (_case, selector, expected) => {
    expect(selectorMatches(selector, { a: "1" })).toBe(expected);
  });
});

describe("set-standby-in-another-region", () => {
  const deployment = setDeployment();

  it("passes the demo fleet, whose every Set fails over to another region", () => {
    expect(demo.sets.map((s) => standbyProblem(demo, s))).toEqual(demo.sets.map(() => undefined));
    expect(setStandbyInAnotherRegion.check({ resources: [deployment], fleet: demo })).toEqual([]);
  });

  it.each<[string, FleetSpec, string]>([
    [
      "a standby in the same region",
      withSet(demo, "app.gz.1", { standby: "gz2" }),
      "Set app.gz.1 runs in gz1 and fails over to gz2, both in region guangzhou: losing the region loses the Set; choose a standby in another region",
    ],
    [
      "no standby",
      withSet(demo, "app.gz.1", { standby: undefined, warmStandby: false }),
      "Set app.gz.1 has no standby cluster: losing region guangzhou loses the Set; give it a standby in another region",
    ],
  ])("fails with %s, on the Set's active Deployment", (_case, fleet, message) => {
    expect(setStandbyInAnotherRegion.check({ resources: [deployment], fleet })).toEqual([
      { resource: deployment.urn, message },
    ]);
  });

  it("reports nothing without the fleet, or in a stack that does not run the Set", () => {
    const fleet = withSet(demo, "app.gz.1", { standby: "gz2" });
    expect(setStandbyInAnotherRegion.check({ resources: [deployment] })).toEqual([]);
    expect(setStandbyInAnotherRegion.check({ resources: [setPdb()], fleet })).toEqual([]);
  });
});

describe("home-region-standby", () => {
  const mysql = resource(TencentType.MysqlInstance, "tars-db-mysql", {});
  const inClusterDb = resource(K8sType.StatefulSet, "tars-db-statefulset", {
    metadata: { name: "tars-db", namespace: "tars-system" },
  });
  const noStandby: FleetSpec = {
    ...demo,
    tars: {
      ...demo.tars,
      db: { ...demo.tars.db, standbyRegion: undefined } as FleetSpec["tars"]["db"],
    },
  };
  const inCluster: FleetSpec = {
    ...demo,
    tars: {
      ...demo.tars,
      db: { mode: "in-cluster", storageGb: 50, storageClass: "cbs", image: "mysql:5.7.44" },
    },
  };

  it("passes the demo fleet, whose database has its standby in shanghai", () => {
    expect(homeRegionStandby.check({ resources: [mysql], fleet: demo })).toEqual([]);
  });

  it("flags the home TencentDB instance of a fleet without tars.db.standbyRegion", () => {
    expect(homeRegionStandby.check({ resources: [mysql, inClusterDb], fleet: noStandby })).toEqual([
      {
        resource: mysql.urn,
        message:
          "the home region guangzhou is a single point of failure: the framework database has no standby, and losing it stops every registration in every region; set tars.db.standbyRegion to one of shanghai, beijing for a disaster-recovery replica, a standby tarsweb and tarsfed failover --region guangzhou (README: Losing the home region)",
      },
    ]);
    expect(homeRegionStandby.enforcementLevel).toBe("advisory");
  });

  it("flags the in-cluster database, which can have no standby", () => {
    expect(homeRegionStandby.check({ resources: [mysql, inClusterDb], fleet: inCluster })).toEqual([
      {
        resource: inClusterDb.urn,
        message:
          "the home region guangzhou is a single point of failure: the in-cluster framework database can have no standby, and losing it stops every registration in every region; a home region that can be lost needs tars.db.mode tencentdb with tars.db.standbyRegion (README: Losing the home region)",
      },
    ]);
  });

  it("says nothing for a fleet of one region, or without the fleet", () => {
    const oneRegion = { ...noStandby, regions: noStandby.regions.slice(0, 1) };
    expect(homeRegionStandby.check({ resources: [mysql], fleet: oneRegion })).toEqual([]);
    expect(homeRegionStandby.check({ resources: [mysql] })).toEqual([]);
  });
});

describe("region-loss-fits", () => {
  // sh1 takes app.gz.1 over when guangzhou goes; with one node of its general pool it cannot.
  const small: FleetSpec = {
    ...demo,
    regions: demo.regions.map((r) => ({
      ...r,
      clusters: r.clusters.map((c) =>
        c.name !== "sh1"
          ? c
          : { ...c, nodePools: c.nodePools.slice(0, 1).map((p) => ({ ...p, maxSize: 1 })) },
      ),
    })),
  };

  it("passes the demo fleet", () => {
    expect(regionLossFits.check({ resources: [cluster("sh1")], fleet: demo })).toEqual([]);
  });

  it("fails on the short cluster, in the stack that owns it", () => {
    const sh1 = cluster("sh1");
    // sh1 holds 7.8 CPU and asks for 9.05: its Sets, app.gz.1's warm copies, its registry and
    // shanghai's base services (2.8 CPU, which a region's loss does not move). Losing guangzhou
    // adds 2.25 and the standby web's 1.5 (12.8), losing beijing 1.5 (10.55).
    expect(regionLossFits.check({ resources: [cluster("bj1"), sh1], fleet: small })).toEqual([
      {
        resource: sh1.urn,
        message:
          "cluster sh1 cannot absorb the loss of region guangzhou: it would be short of 5 CPU and 2.8Gi memory; raise its node pools' maxSize or add a pool",
      },
      {
        resource: sh1.urn,
        message:
          "cluster sh1 cannot absorb the loss of region beijing: it would be short of 2.75 CPU; raise its node pools' maxSize or add a pool",
      },
    ]);
    expect(regionLossFits.check({ resources: [cluster("bj1")], fleet: small })).toEqual([]);
  });

  it("fails on an existing cluster's Kubernetes provider, in its TARS stack", () => {
    // sh1 as an existing cluster declaring what its one small pool held: no node pool to raise.
    const existing: FleetSpec = {
      ...small,
      regions: small.regions.map((r) => ({
        ...r,
        clusters: r.clusters.map((c) =>
          c.name !== "sh1"
            ? c
            : {
                ...c,
                nodePools: [],
                existing: {
                  kubeconfig: { secretConfig: "sh1Kubeconfig" },
                  capacity: { instanceType: c.nodePools[0].instanceType, nodes: 1 },
                },
              },
        ),
      })),
    };
    const provider = resource("pulumi:providers:kubernetes", "sh1-k8s", {});
    const findings = regionLossFits.check({
      resources: [cluster("sh1"), provider],
      fleet: existing,
    });
    expect(findings.map((f) => [f.resource, f.message])).toEqual([
      [
        provider.urn,
        "existing cluster sh1 cannot absorb the loss of region guangzhou: it would be short of 5 CPU and 2.8Gi memory; grow the cluster, then raise its existing.capacity",
      ],
      [
        provider.urn,
        "existing cluster sh1 cannot absorb the loss of region beijing: it would be short of 2.75 CPU; grow the cluster, then raise its existing.capacity",
      ],
    ]);
  });
});

describe("predicates", () => {
  it.each<[string, { from: number; to: number }[] | undefined]>([
    ["ALL", [{ from: 1, to: 65535 }]],
    ["all", [{ from: 1, to: 65535 }]],
    ["80", [{ from: 80, to: 80 }]],
    [
      "80,443",
      [
        { from: 80, to: 80 },
        { from: 443, to: 443 },
      ],
    ],
    ["8000-8080", [{ from: 8000, to: 8080 }]],
    ["ppm-abc", undefined],
  ])("parsePortSpec(%j)", (spec, expected) => {
    expect(parsePortSpec(spec)).toEqual(expected);
  });

  it("finds overlapping port ranges", () => {
    expect(rangesOverlap([{ from: 3000, to: 3000 }], [{ from: 1, to: 65535 }])).toBe(true);
    expect(rangesOverlap([{ from: 80, to: 443 }], [{ from: 3000, to: 3306 }])).toBe(false);
  });

  it.each<[string, Parameters<typeof openIngressProblem>[0], boolean]>([
    ["DROP rules", { action: "DROP", source: "0.0.0.0/0", port: "ALL" }, false],
    ["fleet CIDRs", { action: "ACCEPT", source: "10.20.0.0/16", port: "ALL" }, false],
    ["ICMP", { action: "ACCEPT", source: "0.0.0.0/0", protocol: "ICMP", port: "ALL" }, false],
    ["ports outside TARS", { action: "ACCEPT", source: "0.0.0.0/0", port: "443" }, false],
    ["TCP without a port", { action: "ACCEPT", source: "0.0.0.0/0", protocol: "TCP" }, true],
  ])("openIngressProblem: %s", (_case, rule, flagged) => {
    expect(openIngressProblem(rule, protectedPorts()) !== undefined).toBe(flagged);
  });

  it.each<[unknown, string | undefined]>([
    ["[secret]", "holds a Pulumi secret in clear"],
    ["-----BEGIN EC PRIVATE KEY-----\n…", "holds a private key"],
    ["apiVersion: v1\nkind: Config\nclusters: []\nusers: []", "holds a kubeconfig"],
    ["-----BEGIN CERTIFICATE-----", undefined],
    ["tcp -h 10.0.0.1 -p 17890", undefined],
    [UNKNOWN, undefined],
  ])("secretShape(%j)", (value, expected) => {
    expect(secretShape(value)).toBe(expected);
  });

  it("reads through unknown values without mistaking them for missing ones", () => {
    expect(at({ spec: UNKNOWN }, "spec", "template", "spec")).toBe(UNKNOWN);
    expect(at({ spec: {} }, "spec", "template", "spec")).toBeUndefined();
    expect(at({ list: [{ a: 1 }] }, "list", 0, "a")).toBe(1);
  });
});
