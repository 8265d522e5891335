import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NetworkType } from "../../fleet/network/carve";
import {
  cidrContains,
  cidrSize,
  formatCidr,
  type Ipv4Cidr,
  parseCidr,
  subdivideCidr,
} from "../../fleet/network/cidr";
import {
  allowIpRule,
  formatIp,
  groupPriorities,
  idcGroups,
  ipRules,
  registryGroupMap,
  registryGroupOf,
} from "../../fleet/tars/idc-groups";
import {
  type ClusterSpec,
  type FleetSpec,
  type RegionSpec,
  type SetSpec,
} from "../../fleet/model/model";
import { FleetError } from "../../fleet/model/issues";
import { loadFleet } from "../../fleet/model/load";
import { NetworkSource } from "../../fleet/model/schema";
import { demoText, fleetOf, replaceOnce } from "./fleet-copies";

const cidr = (text: string): Ipv4Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(text);
  return parsed.cidr;
};

const demo = fleetOf(demoText).spec;

describe("the registry's matching rule (RegistryServer/DbHandle.cpp load2GroupMap, getGroupId)", () => {
  const map = registryGroupMap([
    { groupId: 2, allowIpRule: "10.0.1.*|10.0.2.7" },
    { groupId: 1, allowIpRule: "10.0.2.*||10.0.3.*,10.0.4.*" },
    { groupId: 3, allowIpRule: "10.0.1.5" },
  ]);

  it.each([
    ["10.0.1.9", 2, "its a.b.c.* rule"],
    ["10.0.1.5", 3, "an exact address before the a.b.c.* of another group"],
    ["10.0.2.7", 2, "an exact address, though group 1 has its /24"],
    ["10.0.2.8", 1, "the /24 otherwise"],
    ["10.0.3.1", -1, "nothing: pieces are split on | only, so `10.0.3.*,10.0.4.*` is one piece"],
    ["10.0.9.1", -1, "nothing: no rule"],
    ["10.0.001.9", 2, "the a.b.c.* of the octets as numbers, as Ip2StarStr prints them"],
  ])("puts %s in group %i: %s", (ip, group) => {
    expect(registryGroupOf(map, ip)).toBe(group);
  });

  it("lets a later group_id overwrite a piece an earlier one had", () => {
    const later = registryGroupMap([
      { groupId: 7, allowIpRule: "10.1.0.*" },
      { groupId: 4, allowIpRule: "10.1.0.*" },
    ]);
    expect(registryGroupOf(later, "10.1.0.1")).toBe(7);
  });
});

describe("ipRules", () => {
  it("writes a /24-aligned range as one a.b.c.* per /24, in address order", () => {
    expect(ipRules([cidr("10.10.8.0/22"), cidr("10.10.2.0/24")], [cidr("10.10.0.0/16")])).toEqual([
      "10.10.2.*",
      "10.10.8.*",
      "10.10.9.*",
      "10.10.10.*",
      "10.10.11.*",
    ]);
  });

  it("writes a range below /24 as its /24 when the /24 is the region's own address space", () => {
    // A /18 VPC's pod subnets are /25s: both halves of a /24 give one rule.
    expect(
      ipRules([cidr("10.40.32.0/25"), cidr("10.40.32.128/25")], [cidr("10.40.0.0/18")]),
    ).toEqual(["10.40.32.*"]);
  });

  it("lists each address of a range below /24 whose /24 is not all the region's own", () => {
    const rules = ipRules([cidr("10.50.0.64/26")], [cidr("10.50.0.64/26")]);
    expect(rules).toHaveLength(64);
    expect([rules[0], rules[63]]).toEqual(["10.50.0.64", "10.50.0.127"]);
  });
});

describe("the demo fleet's groups", () => {
  const spec = idcGroups(demo);

  it("gives each region its node subnets and its pod addresses, GR pod CIDR included", () => {
    expect(
      spec.groups.map((g) => [g.name, g.tencentRegion, g.sources.map((s) => s.cidrBlock)]),
    ).toEqual([
      [
        "beijing",
        "ap-beijing",
        ["10.30.8.0/22", "10.30.16.0/22", "10.30.68.0/23", "10.30.72.0/23"],
      ],
      [
        "guangzhou",
        "ap-guangzhou",
        ["10.10.8.0/22", "10.10.20.0/22", "10.10.68.0/23", "10.10.74.0/23", "172.24.0.0/16"],
      ],
      [
        "shanghai",
        "ap-shanghai",
        ["10.20.4.0/22", "10.20.12.0/22", "10.20.66.0/23", "10.20.70.0/23"],
      ],
    ]);
    expect(allowIpRule(spec.groups[0])).toBe(
      "10.30.8.*|10.30.9.*|10.30.10.*|10.30.11.*|10.30.16.*|10.30.17.*|10.30.18.*|10.30.19.*|10.30.68.*|10.30.69.*|10.30.72.*|10.30.73.*",
    );
    expect(spec.groups[1].rules).toHaveLength(12 + 256);
  });

  it("falls back along the Sets' standbys, the pair with most Sets first, then to any region", () => {
    expect(
      groupPriorities(demo).map((p) => [p.listOrder, p.name, p.groups, p.sets.length]),
    ).toEqual([
      [1, "tarsfed:guangzhou+shanghai", ["guangzhou", "shanghai"], 2],
      [2, "tarsfed:beijing+guangzhou", ["beijing", "guangzhou"], 1],
      [3, "tarsfed:beijing+shanghai", ["beijing", "shanghai"], 1],
      [4, "tarsfed:all", ["beijing", "guangzhou", "shanghai"], 0],
    ]);
  });

  it("puts every address of every node and pod range in its own region's group, and only those", () => {
    expect(mismatches(demo)).toEqual([]);
  });
});

describe("an existing network's group", () => {
  it("covers its whole VPC: the fleet does not know its subnets", () => {
    const existing = loadFleet("test/fixtures/existing/fleet.yaml").spec;
    const guangzhou = idcGroups(existing).groups.find((g) => g.name === "guangzhou")!;
    expect(guangzhou.sources.map((s) => [s.key, s.role, s.cidrBlock])).toEqual([
      ["vpc", "vpc", "10.10.0.0/16"],
    ]);
    expect([guangzhou.rules.length, guangzhou.rules[0], guangzhou.rules[255]]).toEqual([
      256,
      "10.10.0.*",
      "10.10.255.*",
    ]);
    expect(mismatches(existing)).toEqual([]);
  });
});

describe("a region whose rules do not fit allow_ip_rule", () => {
  it("fails with the region, the size and what to change", () => {
    // Two GR clusters with /12 pod CIDRs: 8192 rules, about 100 kB.
    const text = replaceOnce(
      replaceOnce(
        demoText,
        "        networkType: VPC-CNI\n",
        "        networkType: GR\n        podCidr: 10.64.0.0/12\n",
      ),
      "podCidr: 172.24.0.0/16",
      "podCidr: 10.80.0.0/12",
    );
    let error: unknown;
    try {
      fleetOf(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetError);
    expect(
      (error as FleetError).issues.map(
        (i) => `${i.file}:${i.line}:${i.col}: ${i.path}: ${i.message}`,
      ),
    ).toEqual([
      "fleet.yaml:27:3: regions.guangzhou: the IDC group rules of region guangzhou take 94869 bytes, at most 65535 fit t_server_group_rule.allow_ip_rule: each /24 of its node subnets, VPC-CNI pod subnets and GR podCidr is one a.b.c.* rule; use a smaller vpcCidr, fewer zones or clusters, or a smaller podCidr",
    ]);
  });
});

/**
 * Every address of every group source that the registry's map of the fleet's rows (group ids
 * 1, 2, … in the order the Job inserts them) does not put in its own group, and every rule that
 * reaches outside its region's own address spaces.
 */
function mismatches(fleet: FleetSpec): string[] {
  const { groups } = idcGroups(fleet);
  const map = registryGroupMap(
    groups.map((g, i) => ({ groupId: i + 1, allowIpRule: allowIpRule(g) })),
  );
  const found: string[] = [];
  groups.forEach((group, i) => {
    const region = fleet.regions.find((r) => r.name === group.name)!;
    const own = [region.vpcCidr, ...region.clusters.flatMap((c) => c.podCidr ?? [])].map(cidr);
    for (const source of group.sources) {
      const range = cidr(source.cidrBlock);
      for (let a = range.base; a < range.base + cidrSize(range); a++) {
        const got = registryGroupOf(map, formatIp(a));
        if (got !== i + 1) {
          found.push(`${formatIp(a)} of ${group.name} ${source.key}: group ${got}`);
          break;
        }
      }
    }
    for (const rule of group.rules) {
      const block = rule.endsWith(".*") ? cidr(`${rule.slice(0, -2)}.0/24`) : cidr(`${rule}/32`);
      if (!own.some((space) => cidrContains(space, block)))
        found.push(
          `${group.name}'s rule ${rule} reaches outside ${own.map(formatCidr).join(", ")}`,
        );
    }
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Random fleets: regions with disjoint VPCs (/14 to /18, so /25 pod subnets occur), 1 to 3 zones,
// VPC-CNI and GR clusters with disjoint pod CIDRs (/18 to /24), and Sets between them.

/** Region `i`'s VPC sits in the `i`-th /12 of 10.0.0.0/8; GR pod CIDRs in 172.16.0.0/12's /16s. */
const region = (i: number): fc.Arbitrary<RegionSpec> =>
  fc
    .record({
      vpcPrefix: fc.integer({ min: 14, max: 18 }),
      vpcIndex: fc.nat(),
      zones: fc.shuffledSubarray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], {
        minLength: 1,
        maxLength: 3,
      }),
      clusters: fc.array(
        fc.record({
          gr: fc.boolean(),
          podPrefix: fc.integer({ min: 18, max: 24 }),
          podIndex: fc.nat(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ vpcPrefix, vpcIndex, zones, clusters }): RegionSpec => {
      const slot = subdivideCidr(cidr("10.0.0.0/8"), 12, i);
      const vpc = subdivideCidr(slot, vpcPrefix, vpcIndex % 2 ** (vpcPrefix - 12));
      const name = ["east", "west", "north"][i];
      return {
        name,
        tencentRegion: `ap-${name}`,
        vpcCidr: formatCidr(vpc),
        network: NetworkSource.Created,
        zones: zones.map((z) => `ap-${name}-${z}`),
        clusters: clusters.map(({ gr, podPrefix, podIndex }, c): ClusterSpec => {
          const podSlot = subdivideCidr(cidr("172.16.0.0/12"), 16, i * 4 + c);
          const pod = subdivideCidr(podSlot, podPrefix, podIndex % 2 ** (podPrefix - 16));
          return {
            name: `${name}c${c}`,
            region: name,
            kubernetesVersion: "1.30.0",
            networkType: gr ? NetworkType.GlobalRouter : NetworkType.VpcCni,
            serviceCidr: "192.168.0.0/20",
            ...(gr ? { podCidr: formatCidr(pod) } : {}),
            nodePools: [],
          };
        }),
        cvmPools: [],
      };
    });

const fleet: fc.Arbitrary<FleetSpec> = fc
  .integer({ min: 1, max: 3 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => region(i))))
  .chain((regions) => {
    const clusters = regions.flatMap((r) => r.clusters.map((c) => c.name));
    const set = fc.record({
      cluster: fc.constantFrom(...clusters),
      standby: fc.option(fc.constantFrom(...clusters), { nil: undefined }),
    });
    return fc.array(set, { maxLength: 5 }).map((sets): FleetSpec => ({
      ...demo,
      regions,
      sets: sets.map((s, i): SetSpec => ({
        id: `app.s${i}.1`,
        cluster: s.cluster,
        ...(s.standby === undefined ? {} : { standby: s.standby }),
        warmStandby: false,
        failedOver: false,
      })),
      servers: [],
    }));
  });

describe("random fleets", () => {
  it("put every address of every node and pod range in exactly its own region's group", () => {
    fc.assert(
      fc.property(fleet, (f) => {
        expect(mismatches(f)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it("fall back first along every pair of regions a Set's standby links, last to all regions", () => {
    fc.assert(
      fc.property(fleet, (f) => {
        const rows = groupPriorities(f);
        const regionOf = (cluster: string) =>
          f.regions.find((r) => r.clusters.some((c) => c.name === cluster))!.name;
        const linked = new Set(
          f.sets
            .filter((s) => s.standby !== undefined && regionOf(s.standby) !== regionOf(s.cluster))
            .map((s) => [regionOf(s.cluster), regionOf(s.standby!)].sort().join("+")),
        );
        expect(
          rows
            .slice(0, -1)
            .map((r) => r.groups.join("+"))
            .sort(),
        ).toEqual([...linked].sort());
        expect(rows.at(-1)?.groups).toEqual(f.regions.map((r) => r.name).sort());
        expect(rows.map((r) => r.listOrder)).toEqual(rows.map((_, i) => i + 1));
      }),
    );
  });
});
