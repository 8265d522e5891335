import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CarveCluster,
  type CarveInput,
  type CarvedSubnet,
  MAX_CLUSTERS_PER_REGION,
  MAX_ZONE_NUMBER,
  NetworkType,
  SubnetRole,
  VPC_PREFIX_RANGE,
  carveSubnets,
  primaryZone,
  usableAddresses,
  zoneNumber,
} from "../../fleet/network/carve";
import {
  type Ipv4Cidr,
  PRIVATE_CIDRS,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  parseCidr,
  subdivideCidr,
} from "../../fleet/network/cidr";

const ZONE_NUMBERS = Array.from({ length: MAX_ZONE_NUMBER }, (_, i) => i + 1);

const zoneName = (n: number) => `ap-region-${n}`;

/** A VPC CIDR: prefix 12 to 18, at a random aligned place in a private range that can hold it. */
const vpcCidr: fc.Arbitrary<string> = fc
  .integer({ min: VPC_PREFIX_RANGE.min, max: VPC_PREFIX_RANGE.max })
  .chain((prefix) =>
    fc
      .constantFrom(...PRIVATE_CIDRS.filter((range) => range.prefix <= prefix))
      .chain((range) =>
        fc
          .integer({ min: 0, max: 2 ** (prefix - range.prefix) - 1 })
          .map((index) => formatCidr(subdivideCidr(range, prefix, index))),
      ),
  );

const networkType = fc.constantFrom(NetworkType.VpcCni, NetworkType.GlobalRouter);

const clusters = (maxLength: number): fc.Arbitrary<CarveCluster[]> =>
  fc
    .array(networkType, { maxLength })
    .map((types) => types.map((type, i) => ({ name: `c${i}`, networkType: type })));

/** A region: VPC, a random subset of zones 1..16 in random order, 0..6 clusters. */
const carveInput = (opts: { maxZones: number; maxClusters: number }): fc.Arbitrary<CarveInput> =>
  fc.record({
    vpcCidr,
    zones: fc
      .shuffledSubarray(ZONE_NUMBERS, { maxLength: opts.maxZones })
      .map((ns) => ns.map(zoneName)),
    clusters: clusters(opts.maxClusters),
  });

function cidr(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`carved ${text}: ${parsed.reason}`);
  return parsed.cidr;
}

const blocksByKey = (subnets: readonly CarvedSubnet[]) =>
  new Map(subnets.map((s) => [s.key, s.cidrBlock]));

function expectUnchanged(before: readonly CarvedSubnet[], after: readonly CarvedSubnet[]): void {
  const now = blocksByKey(after);
  for (const subnet of before) expect(now.get(subnet.key)).toBe(subnet.cidrBlock);
}

describe("carveSubnets", () => {
  it("carves the documented example", () => {
    const subnets = carveSubnets({
      vpcCidr: "10.10.0.0/16",
      zones: ["ap-guangzhou-3", "ap-guangzhou-6"],
      clusters: [{ name: "gz1", networkType: NetworkType.VpcCni }],
    });
    expect(subnets).toEqual([
      {
        key: "node-ap-guangzhou-3",
        role: "node",
        zone: "ap-guangzhou-3",
        cidrBlock: "10.10.8.0/22",
      },
      {
        key: "node-ap-guangzhou-6",
        role: "node",
        zone: "ap-guangzhou-6",
        cidrBlock: "10.10.20.0/22",
      },
      {
        key: "pod-gz1-ap-guangzhou-3",
        role: "pod",
        zone: "ap-guangzhou-3",
        cluster: "gz1",
        cidrBlock: "10.10.68.0/23",
      },
      {
        key: "pod-gz1-ap-guangzhou-6",
        role: "pod",
        zone: "ap-guangzhou-6",
        cluster: "gz1",
        cidrBlock: "10.10.74.0/23",
      },
    ]);
  });

  it("gives GR clusters no pod subnets but keeps their slot", () => {
    const subnets = carveSubnets({
      vpcCidr: "172.16.0.0/12",
      zones: ["ap-shanghai-1"],
      clusters: [
        { name: "gr1", networkType: NetworkType.GlobalRouter },
        { name: "sh2", networkType: NetworkType.VpcCni },
      ],
    });
    expect(subnets.map((s) => [s.key, s.cidrBlock])).toEqual([
      ["node-ap-shanghai-1", "172.16.0.0/18"],
      ["pod-sh2-ap-shanghai-1", "172.22.0.0/19"],
    ]);
  });

  it("puts the last zone of the last cluster at the very end of a /18", () => {
    const subnets = carveSubnets({
      vpcCidr: "192.168.64.0/18",
      zones: ["ap-beijing-16"],
      clusters: ZONE_NUMBERS.slice(0, MAX_CLUSTERS_PER_REGION).map((n) => ({
        name: `bj${n}`,
        networkType: NetworkType.VpcCni,
      })),
    });
    expect(subnets[0].cidrBlock).toBe("192.168.79.0/24");
    expect(subnets.at(-1)).toEqual({
      key: "pod-bj6-ap-beijing-16",
      role: "pod",
      zone: "ap-beijing-16",
      cluster: "bj6",
      cidrBlock: "192.168.127.128/25",
    });
  });

  it("is deterministic", () =>
    fc.assert(
      fc.property(carveInput({ maxZones: 16, maxClusters: 6 }), (input) => {
        expect(carveSubnets(input)).toEqual(carveSubnets(structuredClone(input)));
      }),
    ));

  it("never overlaps, stays inside the VPC and uses distinct keys", () =>
    fc.assert(
      fc.property(carveInput({ maxZones: 16, maxClusters: 6 }), (input) => {
        const vpc = cidr(input.vpcCidr);
        const subnets = carveSubnets(input);
        const blocks = subnets.map((s) => cidr(s.cidrBlock));
        blocks.forEach((block, i) => {
          expect(cidrContains(vpc, block)).toBe(true);
          blocks.slice(i + 1).forEach((other) => expect(cidrsOverlap(block, other)).toBe(false));
        });
        expect(new Set(subnets.map((s) => s.key)).size).toBe(subnets.length);
      }),
    ));

  it("follows the layout: node /p+6 in the first quarter, pod /p+7 after it", () =>
    fc.assert(
      fc.property(carveInput({ maxZones: 16, maxClusters: 6 }), (input) => {
        const vpc = cidr(input.vpcCidr);
        const firstQuarter = subdivideCidr(vpc, vpc.prefix + 2, 0);
        const vpcCniCount = input.clusters.filter(
          (c) => c.networkType === NetworkType.VpcCni,
        ).length;
        const subnets = carveSubnets(input);
        expect(subnets).toHaveLength(input.zones.length * (1 + vpcCniCount));
        for (const subnet of subnets) {
          const block = cidr(subnet.cidrBlock);
          const isNode = subnet.role === SubnetRole.Node;
          expect(block.prefix).toBe(vpc.prefix + (isNode ? 6 : 7));
          expect(cidrContains(firstQuarter, block)).toBe(isNode);
        }
      }),
    ));

  it("carves the same subnets, in the same order, whatever the order of the zones", () =>
    fc.assert(
      fc.property(
        carveInput({ maxZones: 16, maxClusters: 6 }),
        fc.array(fc.integer(), { minLength: MAX_ZONE_NUMBER, maxLength: MAX_ZONE_NUMBER }),
        (input, keys) => {
          const shuffled = input.zones
            .map((zone, i) => ({ zone, key: keys[i] }))
            .sort((a, b) => a.key - b.key)
            .map((z) => z.zone);
          const subnets = carveSubnets({ ...input, zones: shuffled });
          expect(subnets).toEqual(carveSubnets(input));
          // Node subnets come by zone number, the primary zone's first.
          const nodeZones = subnets.filter((s) => s.role === SubnetRole.Node).map((s) => s.zone);
          expect(nodeZones.map((z) => zoneNumber(z))).toEqual(
            input.zones.map((z) => zoneNumber(z)).sort((a, b) => (a ?? 0) - (b ?? 0)),
          );
          if (input.zones.length === 0) return;
          expect(primaryZone(shuffled)).toBe(primaryZone(input.zones));
          expect(nodeZones[0]).toBe(primaryZone(input.zones));
        },
      ),
    ));

  it("keeps every subnet in place when a zone is inserted anywhere", () =>
    fc.assert(
      fc.property(
        carveInput({ maxZones: 15, maxClusters: 6 }),
        fc.nat(),
        fc.nat(),
        (input, pick, at) => {
          const present = new Set(input.zones);
          const missing = ZONE_NUMBERS.map(zoneName).filter((z) => !present.has(z));
          const zones = [...input.zones];
          zones.splice(at % (zones.length + 1), 0, missing[pick % missing.length]);
          expectUnchanged(carveSubnets(input), carveSubnets({ ...input, zones }));
        },
      ),
    ));

  it("keeps every subnet in place when a cluster is appended", () =>
    fc.assert(
      fc.property(carveInput({ maxZones: 16, maxClusters: 5 }), networkType, (input, type) => {
        const grown = [...input.clusters, { name: "appended", networkType: type }];
        expectUnchanged(carveSubnets(input), carveSubnets({ ...input, clusters: grown }));
      }),
    ));

  const sixClusters = ZONE_NUMBERS.slice(0, 6).map((n) => ({
    name: `c${n}`,
    networkType: NetworkType.GlobalRouter,
  }));
  const ok: CarveInput = { vpcCidr: "10.10.0.0/16", zones: ["ap-guangzhou-3"], clusters: [] };

  it.each<[string, Partial<CarveInput>, string]>([
    ["a bad VPC CIDR", { vpcCidr: "10.0.0.0/33" }, 'vpcCidr "10.0.0.0/33": not an IPv4 CIDR'],
    [
      "VPC host bits",
      { vpcCidr: "10.10.1.0/16" },
      'vpcCidr "10.10.1.0/16": host bits set, did you mean 10.10.0.0/16',
    ],
    [
      "a /20 VPC",
      { vpcCidr: "10.0.0.0/20" },
      'vpcCidr "10.0.0.0/20": prefix /20 is outside 12 to 18',
    ],
    [
      "a /11 VPC",
      { vpcCidr: "10.0.0.0/11" },
      'vpcCidr "10.0.0.0/11": prefix /11 is outside 12 to 18',
    ],
    [
      "zone 17",
      { zones: ["ap-guangzhou-17"] },
      'zone "ap-guangzhou-17" is not <region>-<n> with n from 1 to 16, such as ap-guangzhou-3',
    ],
    [
      "a zone without region",
      { zones: ["guangzhou-3"] },
      'zone "guangzhou-3" is not <region>-<n> with n from 1 to 16, such as ap-guangzhou-3',
    ],
    [
      "a duplicate zone",
      { zones: ["ap-guangzhou-3", "ap-guangzhou-3"] },
      'zone "ap-guangzhou-3" is listed twice',
    ],
    [
      "zones of two regions",
      { zones: ["ap-guangzhou-3", "ap-shanghai-4"] },
      'zone "ap-shanghai-4" is not in region ap-guangzhou, one VPC spans one region',
    ],
    [
      "seven clusters",
      { clusters: [...sixClusters, { name: "c7", networkType: NetworkType.VpcCni }] },
      "7 clusters, at most 6 fit in one region's VPC",
    ],
    [
      "a duplicate cluster",
      { clusters: [sixClusters[0], sixClusters[0]] },
      'cluster "c1" is listed twice',
    ],
    [
      "an unknown network type",
      { clusters: [{ name: "x", networkType: "Cilium" as NetworkType }] },
      'cluster "x": network type "Cilium" is not one of VPC-CNI, GR',
    ],
  ])("fails on %s", (_, patch, message) => {
    expect(() => carveSubnets({ ...ok, ...patch })).toThrow(new RangeError(message));
  });

  it("carves nothing for a region without zones", () => {
    expect(carveSubnets({ ...ok, zones: [], clusters: sixClusters })).toEqual([]);
  });
});

describe("zoneNumber", () => {
  it.each([
    ["ap-guangzhou-3", 3],
    ["ap-guangzhou-16", 16],
    ["na-siliconvalley-1", 1],
    ["eu-frankfurt-2", 2],
    ["ap-region-9", 9],
  ])("reads %s as %i", (zone, n) => {
    expect(zoneNumber(zone)).toBe(n);
  });

  it.each([
    "ap-guangzhou-0",
    "ap-guangzhou-17",
    "ap-guangzhou-03",
    "ap-guangzhou",
    "guangzhou-3",
    "AP-guangzhou-3",
    "ap-guangzhou-3 ",
    "ap_guangzhou-3",
    "",
  ])("fails on %j", (zone) => {
    expect(zoneNumber(zone)).toBeUndefined();
  });
});

describe("usableAddresses", () => {
  it.each([
    [16, 65533],
    [22, 1021],
    [23, 509],
    [24, 253],
    [25, 125],
    [28, 13],
  ])("a /%i subnet has %i usable addresses", (prefix, count) => {
    expect(usableAddresses(prefix)).toBe(count);
  });

  it.each([
    [29, "subnet prefix /29 is outside 0 to 28"],
    [-1, "subnet prefix /-1 is outside 0 to 28"],
    [24.5, "subnet prefix /24.5 is outside 0 to 28"],
  ])("fails on /%d", (prefix, message) => {
    expect(() => usableAddresses(prefix)).toThrow(new RangeError(message));
  });
});
