import { describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/load";
import { globalSlice, parseScope, regionSlice, stackOrder, stackWaves } from "../../fleet/slice";

const demo = loadFleet("stacks/fleet.yaml").spec;

describe("stack slices", () => {
  it("orders stacks global, home, then the other regions in parallel", () => {
    expect(stackWaves(demo)).toEqual([["global"], ["guangzhou"], ["shanghai", "beijing"]]);
    expect(stackOrder(demo)).toEqual(["global", "guangzhou", "shanghai", "beijing"]);
  });

  it("gives global a bandwidth limit for every region pair, explicit ones first", () => {
    expect(globalSlice(demo)).toMatchObject({
      ccnTencentRegion: "ap-guangzhou",
      bandwidthLimits: [
        {
          regions: ["beijing", "guangzhou"],
          tencentRegions: ["ap-beijing", "ap-guangzhou"],
          mbps: 100,
        },
        {
          regions: ["beijing", "shanghai"],
          tencentRegions: ["ap-beijing", "ap-shanghai"],
          mbps: 100,
        },
        {
          regions: ["guangzhou", "shanghai"],
          tencentRegions: ["ap-guangzhou", "ap-shanghai"],
          mbps: 200,
        },
      ],
    });
  });

  it("gives a region its subnets, its clusters' workloads and the fleet's address spaces", () => {
    const gz = regionSlice(demo, "guangzhou");
    expect(gz.isHome).toBe(true);
    expect(gz.subnets.map((s) => `${s.key}=${s.cidrBlock}`)).toEqual([
      "node-ap-guangzhou-3=10.10.8.0/22",
      "node-ap-guangzhou-6=10.10.20.0/22",
      "pod-gz1-ap-guangzhou-3=10.10.68.0/23",
      "pod-gz1-ap-guangzhou-6=10.10.74.0/23",
    ]);
    // gz2 is GR: its pods use its podCidr, no subnets are carved for it.
    expect(
      gz.clusters.map((c) => [c.cluster.name, c.podSubnetKeys.length, c.workloads.length]),
    ).toEqual([
      ["gz1", 2, 3],
      ["gz2", 0, 2],
    ]);
    expect(gz.fleetCidrs).toEqual([
      "10.10.0.0/16",
      "172.24.0.0/16",
      "10.20.0.0/16",
      "10.30.0.0/16",
    ]);
    expect(gz.ownCidrs).toEqual(["10.10.0.0/16", "172.24.0.0/16"]);
    expect(regionSlice(demo, "beijing").ownCidrs).toEqual(["10.30.0.0/16"]);
    // The fleet's VPCs, then tars.web.allowedCidrs.
    expect(gz.webSources).toEqual(["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16", "10.0.0.0/8"]);
    expect(gz.servantPorts).toEqual([10001, 10010, 10011, 10020]);
    expect(regionSlice(demo, "shanghai").isHome).toBe(false);
  });

  it("reads scopes from stack config", () => {
    expect(parseScope(demo, "global")).toEqual({ kind: "global" });
    expect(parseScope(demo, "beijing")).toEqual({ kind: "region", region: "beijing" });
    expect(parseScope(demo, "hongkong")).toBeUndefined();
  });
});
