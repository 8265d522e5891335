/**
 * The real program, run for every stack of the demo fleet under Pulumi's mocks: what each stack
 * registers, with which parent and provider, and what flows between stacks.
 */
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runStack } from "../../cli/offline/run-stack";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { at as get, byName as byNameIn, ofType, stackOf } from "./helpers";

let plan: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(loadFleet("stacks/fleet.yaml"));
});

const stack = (name: string) => stackOf(plan, name);
const byName = (s: ReturnType<typeof stack>, name: string) => byNameIn(s, name);

describe("the global stack", () => {
  it("holds one CCN limiting bandwidth per region pair", () => {
    const global = stack("global");
    expect(ofType(global, "tencentcloud:index/ccn:Ccn")).toHaveLength(1);
    const limits = ofType(global, "tencentcloud:index/ccnBandwidthLimit:CcnBandwidthLimit").map(
      (r) => [r.name, r.inputs.region, r.inputs.dstRegion, r.inputs.bandwidthLimit],
    );
    expect(limits).toEqual([
      ["demo-bandwidth-beijing-guangzhou", "ap-beijing", "ap-guangzhou", 100],
      ["demo-bandwidth-beijing-shanghai", "ap-beijing", "ap-shanghai", 100],
      ["demo-bandwidth-guangzhou-shanghai", "ap-guangzhou", "ap-shanghai", 200],
    ]);
    expect(global.outputs.ccnId).toMatch(/^ccn-/);
  });
});

describe("the stacks' order and split by lifecycle", () => {
  it("plans global, the infra stacks (home first), the home TARS stack, then the others", () => {
    expect(plan.stacks.map((s) => s.name)).toEqual([
      "global",
      "guangzhou-infra",
      "shanghai-infra",
      "beijing-infra",
      "guangzhou",
      "shanghai",
      "beijing",
    ]);
  });

  it("keeps cloud resources in infra stacks and Kubernetes objects in TARS stacks", () => {
    const kinds = (name: string) => [
      ...new Set(stack(name).resources.map((r) => r.type.split(":")[0])),
    ];
    for (const region of ["guangzhou", "shanghai", "beijing"]) {
      expect(kinds(`${region}-infra`).sort()).toEqual(
        region === "guangzhou"
          ? ["pulumi", "random", "tarsfed", "tencentcloud"]
          : ["pulumi", "tarsfed", "tencentcloud"],
      );
      expect(kinds(region).sort()).toEqual(["kubernetes", "pulumi", "tarsfed"]);
      expect(ofType(stack(`${region}-infra`), "pulumi:providers:kubernetes")).toEqual([]);
      expect(ofType(stack(region), "pulumi:providers:tencentcloud")).toEqual([]);
    }
  });

  it("puts the database, its passwords and every load balancer in the home infra stack", () => {
    const infra = stack("guangzhou-infra");
    expect(ofType(infra, "tencentcloud:index/mysqlInstance:MysqlInstance")).toHaveLength(1);
    expect(ofType(infra, "random:index/randomPassword:RandomPassword").map((r) => r.name)).toEqual([
      "tars-db-root-password",
      "tars-db-admin-password",
    ]);
    expect(ofType(infra, "tencentcloud:index/clbInstance:ClbInstance").map((r) => r.name)).toEqual([
      "gz1-tars-registry-clb",
      "gz2-tars-registry-clb",
      "tars-home-web-clb",
    ]);
  });

  it("binds each TARS stack's LoadBalancer Services to its infra stack's CLBs by id", () => {
    for (const region of ["guangzhou", "shanghai", "beijing"]) {
      const infra = stack(`${region}-infra`).outputs;
      const lbs = ofType(stack(region), "kubernetes:core/v1:Service").filter(
        (r) => get(r.inputs, "spec", "type") === "LoadBalancer",
      );
      const bound = lbs.map((r) =>
        get(r.inputs, "metadata", "annotations", "service.kubernetes.io/tke-existed-lbid"),
      );
      const expected = [
        ...Object.values(get(infra, "registryLoadBalancers") as Record<string, { id: string }>),
        // tarsweb's at home, the standby tarsweb's in the database's standby region.
        ...(region === "beijing" ? [] : [get(infra, "webLoadBalancer") as { id: string }]),
      ].map((lb) => lb.id);
      expect(bound.sort()).toEqual(expected.sort());
    }
  });
});

describe("infra stacks", () => {
  it.each(["guangzhou", "shanghai", "beijing"])(
    "%s-infra has one VPC, a subnet per zone and role, and attaches to global's CCN",
    (name) => {
      const s = stack(`${name}-infra`);
      expect(ofType(s, "tencentcloud:index/vpc:Vpc")).toHaveLength(1);
      const subnets = ofType(s, "tencentcloud:index/subnet:Subnet");
      const zones =
        loadFleet("stacks/fleet.yaml").spec.regions.find((r) => r.name === name)?.zones ?? [];
      expect(
        subnets
          .filter((r) => get(r.inputs, "tags", "tarsfed-role") === "node")
          .map((r) => r.inputs.availabilityZone),
      ).toEqual(zones);
      const attachments = ofType(s, "tencentcloud:index/ccnAttachmentV2:CcnAttachmentV2");
      expect(attachments).toHaveLength(1);
      expect(attachments[0].inputs.ccnId).toBe(stack("global").outputs.ccnId);
      expect(attachments[0].inputs.instanceType).toBe("VPC");
    },
  );

  it("routes every Tencent Cloud resource through the region's own provider", () => {
    for (const name of ["guangzhou-infra", "shanghai-infra", "beijing-infra"]) {
      const s = stack(name);
      const providers = ofType(s, "pulumi:providers:tencentcloud");
      expect(providers).toHaveLength(1);
      for (const r of s.resources.filter((x) => x.type.startsWith("tencentcloud:")))
        expect(r.provider).toBe(providers[0].urn);
    }
  });
});

describe("TARS stacks", () => {
  it("routes every Kubernetes object through its own cluster's provider", () => {
    const gz = stack("guangzhou");
    const gz1 = byName(gz, "gz1-k8s").urn;
    const gz2 = byName(gz, "gz2-k8s").urn;
    for (const r of gz.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      const cluster = r.name.startsWith("gz2-") ? gz2 : gz1;
      expect([r.name, r.provider]).toEqual([r.name, cluster]);
    }
  });

  it("keeps secrets out of every input and output", () => {
    const text = JSON.stringify(plan);
    expect(text).not.toContain("offline-");
    expect(stack("guangzhou").outputs.dbPassword).toBe("[secret]");
    expect(stack("guangzhou-infra").outputs.dbRootPassword).toBe("[secret]");
    expect(stack("guangzhou-infra").outputs.dbAdminPassword).toBe("[secret]");
    expect(stack("guangzhou-infra").outputs.kubeconfigs).toBe("[secret]");
    expect(byName(stack("guangzhou"), "gz1-k8s").inputs.kubeconfig).toBe("[secret]");
  });
});

describe("the stack's name", () => {
  it("selects the program when stack config names no scope", async () => {
    const result = await runStack({
      stack: "global",
      config: {
        "tars-federation:fleet": path.resolve("stacks/fleet.yaml"),
        "tencentcloud:region": "ap-guangzhou",
      },
      secretKeys: [],
      references: new Map(),
    });
    expect(result.resources.map((r) => r.type)).toContain("tencentcloud:index/ccn:Ccn");
  });
});
