import { describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { loadFleet, parseFleet } from "../../fleet/model/load";
import {
  globalSlice,
  parseScope,
  regionSlice,
  stackDependencies,
  stackOrder,
  stacksOfRegion,
  stackWaves,
  tarsStackOrder,
  withDependencies,
} from "../../fleet/stacks/slice";
import { demoText, replaceOnce } from "./fleet-copies";

const demo = loadFleet("stacks/fleet.yaml").spec;
const GZ_ZONES = "zones: [ap-guangzhou-3, ap-guangzhou-6]";

/** The demo's guangzhou slice with its `zones:` line replaced by `zones`. */
function guangzhouWith(zones: string) {
  const fleet = parseFleet(replaceOnce(demoText, GZ_ZONES, zones), "fleet.yaml").spec;
  return networkOf(regionSlice(fleet, "guangzhou"));
}

/** The slice with its created network, which the demo's regions all have. */
function networkOf(slice: ReturnType<typeof regionSlice>) {
  if (slice.network === undefined) throw new Error(`${slice.region.name} has no network`);
  return { ...slice, ...slice.network };
}

const existing = loadFleet("test/fixtures/existing/fleet.yaml").spec;

describe("stack slices", () => {
  it("orders stacks global, the infra stacks (home first), home's TARS stack, then the others", () => {
    expect(stackWaves(demo)).toEqual([
      ["global"],
      ["guangzhou-infra"],
      ["shanghai-infra", "beijing-infra"],
      ["guangzhou"],
      ["shanghai", "beijing"],
    ]);
    expect(stackOrder(demo)).toEqual([
      "global",
      "guangzhou-infra",
      "shanghai-infra",
      "beijing-infra",
      "guangzhou",
      "shanghai",
      "beijing",
    ]);
    expect(tarsStackOrder(demo)).toEqual(["guangzhou", "shanghai", "beijing"]);
    expect(stacksOfRegion(demo, "beijing")).toEqual(["beijing-infra", "beijing"]);
  });

  it("gives a fleet of existing networks TARS stacks only: no global, no infra stack", () => {
    expect(stackWaves(existing)).toEqual([["guangzhou"], ["shanghai", "beijing"]]);
    expect(stacksOfRegion(existing, "beijing")).toEqual(["beijing"]);
    expect(parseScope(existing, "global")).toBeUndefined();
    expect(parseScope(existing, "beijing-infra")).toBeUndefined();
    expect(regionSlice(existing, "beijing").network).toBeUndefined();
    expect(stackDependencies(existing, "beijing")).toEqual(["guangzhou"]);
  });

  it("names what each stack reads: global, its own infra stack, the home stacks", () => {
    expect(
      Object.fromEntries(stackOrder(demo).map((s) => [s, stackDependencies(demo, s)])),
    ).toEqual({
      global: [],
      "guangzhou-infra": ["global"],
      // shanghai holds the database's DR replica of the home master, and its record.
      "shanghai-infra": ["global", "guangzhou-infra"],
      // beijing's CVM machines download tarsnode from the home tarsweb.
      "beijing-infra": ["global", "guangzhou-infra"],
      // Every TARS stack reads the database by its DNS name, whose record shanghai-infra holds.
      guangzhou: ["guangzhou-infra", "shanghai-infra"],
      shanghai: ["shanghai-infra", "guangzhou"],
      beijing: ["beijing-infra", "shanghai-infra", "guangzhou"],
    });
    // Each stack's dependencies come in earlier waves.
    const waves = stackWaves(demo);
    const waveOf = (s: string) => waves.findIndex((w) => w.includes(s));
    for (const stack of stackOrder(demo)) {
      for (const dep of stackDependencies(demo, stack)) {
        expect(waveOf(dep), `${stack} reads ${dep}`).toBeLessThan(waveOf(stack));
      }
    }
    expect(withDependencies(demo, ["guangzhou"])).toEqual([
      "global",
      "guangzhou-infra",
      "shanghai-infra",
      "guangzhou",
    ]);
    expect(withDependencies(demo, ["shanghai"])).toEqual([
      "global",
      "guangzhou-infra",
      "shanghai-infra",
      "guangzhou",
      "shanghai",
    ]);
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
    const gz = networkOf(regionSlice(demo, "guangzhou"));
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
    expect(gz.loadBalancers).toEqual({ registry: ["gz1", "gz2"], web: true, database: false });
  });

  it("puts single-zone resources in the lowest-numbered zone, whatever the order of zones", () => {
    const listed = networkOf(regionSlice(demo, "guangzhou"));
    const reordered = guangzhouWith("zones: [ap-guangzhou-6, ap-guangzhou-3]");
    for (const slice of [listed, reordered]) {
      expect(slice.primaryZone).toBe("ap-guangzhou-3");
      expect(slice.primaryNodeSubnetKey).toBe("node-ap-guangzhou-3");
      expect(slice.clusters[0].nodeSubnetKeys).toEqual([
        "node-ap-guangzhou-3",
        "node-ap-guangzhou-6",
      ]);
    }
    expect(reordered.subnets).toEqual(listed.subnets);
    expect(reordered.clusters[0].podSubnetKeys).toEqual(listed.clusters[0].podSubnetKeys);
    // By number, not by text: ap-guangzhou-10 sorts before ap-guangzhou-3 as a string.
    const withTen = guangzhouWith("zones: [ap-guangzhou-10, ap-guangzhou-6, ap-guangzhou-3]");
    expect(withTen.primaryZone).toBe("ap-guangzhou-3");
  });

  it("puts them in primaryZone when the region names one, its node subnet first", () => {
    const slice = guangzhouWith(`${GZ_ZONES}\n    primaryZone: ap-guangzhou-6`);
    expect(slice.primaryZone).toBe("ap-guangzhou-6");
    expect(slice.primaryNodeSubnetKey).toBe("node-ap-guangzhou-6");
    expect(slice.clusters[0].nodeSubnetKeys).toEqual([
      "node-ap-guangzhou-6",
      "node-ap-guangzhou-3",
    ]);
  });

  it("refuses a primaryZone that is not a zone of the region, naming the zones", () => {
    const text = replaceOnce(demoText, GZ_ZONES, `${GZ_ZONES}\n    primaryZone: ap-guangzhou-4`);
    const line = text.slice(0, text.indexOf("primaryZone")).split("\n").length;
    expect(() => parseFleet(text, "fleet.yaml")).toThrow(
      new FleetError([
        {
          file: "fleet.yaml",
          line,
          col: 18,
          path: "regions.guangzhou.primaryZone",
          message:
            'zone "ap-guangzhou-4" is not a zone of this region, expected one of "ap-guangzhou-3" or "ap-guangzhou-6"',
        },
      ]),
    );
  });

  it("reads scopes from stack names", () => {
    expect(parseScope(demo, "global")).toEqual({ kind: "global" });
    expect(parseScope(demo, "beijing")).toEqual({ kind: "tars", region: "beijing" });
    expect(parseScope(demo, "beijing-infra")).toEqual({ kind: "infra", region: "beijing" });
    expect(parseScope(demo, "hongkong")).toBeUndefined();
    expect(parseScope(demo, "hongkong-infra")).toBeUndefined();
  });
});
