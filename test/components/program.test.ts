/**
 * The real program, run for every stack of the demo fleet under Pulumi's mocks: what each stack
 * registers, with which parent and provider, and what flows between stacks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/plan-document";
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

describe("region stacks", () => {
  it.each(["guangzhou", "shanghai", "beijing"])(
    "%s has one VPC, a subnet per zone and role, and attaches to global's CCN",
    (name) => {
      const s = stack(name);
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
    for (const name of ["guangzhou", "shanghai", "beijing"]) {
      const s = stack(name);
      const providers = ofType(s, "pulumi:providers:tencentcloud");
      expect(providers).toHaveLength(1);
      for (const r of s.resources.filter((x) => x.type.startsWith("tencentcloud:")))
        expect(r.provider).toBe(providers[0].urn);
    }
  });

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
    expect(byName(stack("guangzhou"), "gz1-k8s").inputs.kubeconfig).toBe("[secret]");
  });
});
