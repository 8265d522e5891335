/**
 * Stable subnet carving for one region's VPC.
 *
 * Subnets are carved from the VPC CIDR by position, never by counting, so adding a zone or a
 * cluster never moves an existing subnet. A subnet whose `cidrBlock` changes is a replacement:
 * every node and ENI in it must go first. Each subnet's place is fixed by two slots:
 *
 * - zone slot `z` = the zone's numeric suffix minus 1 (`ap-guangzhou-3` → 2), for zones 1 to
 *   {@link MAX_ZONE_NUMBER};
 * - cluster slot `c` = the cluster's index in the region's `clusters` list, in declaration order
 *   (new clusters go at the end), at most {@link MAX_CLUSTERS_PER_REGION}.
 *
 * With `p` the VPC prefix (within {@link VPC_PREFIX_RANGE}), the layout is:
 *
 * - The first quarter of the VPC (`/p+2`) holds node subnets: 16 zone slots of prefix `p+6`. The
 *   node subnet of zone slot `z` is block `z` of size `p+6` (a /22 in a /16).
 * - The last three quarters hold VPC-CNI pod (ENI) subnets of prefix `p+7` (a /23 in a /16). The
 *   pod subnet of cluster slot `c` in zone slot `z` is block `32 + c*16 + z` of size `p+7`
 *   (blocks 0 to 31 at `p+7` are the first quarter). Six clusters fill the VPC exactly.
 *
 * Only `VPC-CNI` clusters get pod subnets: `GR` (Global Router) clusters take pod IPs from their
 * own cluster CIDR outside the VPC. A GR cluster still occupies its slot, so switching its
 * neighbours' order or type never shifts them.
 *
 * Example, VPC 10.10.0.0/16, zones ap-guangzhou-3 and ap-guangzhou-6, one VPC-CNI cluster `gz1`:
 * node-ap-guangzhou-3 = 10.10.8.0/22, node-ap-guangzhou-6 = 10.10.20.0/22,
 * pod-gz1-ap-guangzhou-3 = 10.10.68.0/23, pod-gz1-ap-guangzhou-6 = 10.10.74.0/23.
 */
import { type Ipv4Cidr, formatCidr, parseCidr, subdivideCidr } from "./cidr";

/**
 * Highest zone number a carve accepts.
 *
 * Sixteen node slots fill the VPC's first quarter; a zone numbered above 16 has no slot.
 */
export const MAX_ZONE_NUMBER = 16;

/**
 * Most clusters one region's VPC can hold.
 *
 * Six clusters × 16 zone slots of pod subnets fill the last three quarters of the VPC.
 */
export const MAX_CLUSTERS_PER_REGION = 6;

/**
 * Prefix lengths a VPC CIDR may have for carving.
 *
 * At /18 the pod subnets are /25 (128 addresses); smaller VPCs would leave pod subnets too small to
 * be useful. /12 is the largest VPC Tencent Cloud creates.
 * @see https://www.tencentcloud.com/document/product/215/31795
 */
export const VPC_PREFIX_RANGE = { min: 12, max: 18 } as const;

/**
 * TKE container network modes, as Tencent Cloud spells them.
 *
 * `VPC-CNI` gives pods ENI addresses from VPC subnets; `GR` (Global Router) routes a separate
 * cluster CIDR and needs no VPC subnets for pods.
 */
export const NetworkType = { VpcCni: "VPC-CNI", GlobalRouter: "GR" } as const;
/** One of the {@link NetworkType} values. */
export type NetworkType = (typeof NetworkType)[keyof typeof NetworkType];

/**
 * What a carved subnet is for.
 *
 * `node` subnets hold CVM node primary ENIs; `pod` subnets hold VPC-CNI pod ENIs of one cluster.
 */
export const SubnetRole = { Node: "node", Pod: "pod" } as const;
/** One of the {@link SubnetRole} values. */
export type SubnetRole = (typeof SubnetRole)[keyof typeof SubnetRole];

/** A cluster as the carve sees it: its name and container network mode. */
export interface CarveCluster {
  /** Cluster name, unique within the region; it becomes part of the pod subnets' keys. */
  readonly name: string;
  /** Container network mode; only `VPC-CNI` clusters get pod subnets. */
  readonly networkType: NetworkType;
}

/**
 * Everything the carve needs for one region, already validated.
 *
 * The validator reports bad input with file positions; {@link carveSubnets} only asserts.
 */
export interface CarveInput {
  /**
   * The VPC CIDR block, e.g. `10.10.0.0/16`.
   *
   * Prefix within {@link VPC_PREFIX_RANGE}, no host bits set.
   */
  readonly vpcCidr: string;
  /**
   * Availability zones of the region, e.g. `["ap-guangzhou-3", "ap-guangzhou-6"]`.
   *
   * Distinct, all of one region, numbered 1 to {@link MAX_ZONE_NUMBER}. The order plays no part:
   * not in a subnet's place, nor in the output order (by zone number).
   */
  readonly zones: readonly string[];
  /**
   * The region's clusters in declaration order; new clusters go at the end.
   *
   * Distinct names, at most {@link MAX_CLUSTERS_PER_REGION}. The position is the cluster slot:
   * reordering or removing a cluster from the middle moves the pod subnets of those after it.
   */
  readonly clusters: readonly CarveCluster[];
}

/** One subnet to create in the VPC. */
export interface CarvedSubnet {
  /**
   * Stable logical key: `node-<zone>` or `pod-<cluster>-<zone>`.
   *
   * Use it in resource names; it never depends on list positions.
   */
  readonly key: string;
  /** What the subnet is for. */
  readonly role: SubnetRole;
  /** Availability zone of the subnet, e.g. `ap-guangzhou-3`. */
  readonly zone: string;
  /**
   * Cluster that owns the subnet.
   *
   * @default - absent on node subnets, which all clusters of the zone share
   */
  readonly cluster?: string;
  /** The subnet's CIDR block, e.g. `10.10.8.0/22`. */
  readonly cidrBlock: string;
}

const ZONE_PATTERN = /^([a-z]+(?:-[a-z]+)+)-(\d+)$/;

// Node subnets sit at p+6 (16 per quarter), pod subnets at p+7 starting after the first quarter.
const NODE_PREFIX_OFFSET = 6;
const POD_PREFIX_OFFSET = 7;
const FIRST_POD_BLOCK = 32;

/**
 * The zone's number, `ap-guangzhou-3` → 3, or undefined when it has no usable number.
 *
 * Accepts `<region>-<n>` where the region is lowercase words joined by `-` and `n` is 1 to
 * {@link MAX_ZONE_NUMBER} without leading zeros: `ap-guangzhou-03` would otherwise share a slot
 * (and so a subnet) with `ap-guangzhou-3`.
 */
export function zoneNumber(zone: string): number | undefined {
  const digits = ZONE_PATTERN.exec(zone)?.[2];
  if (digits === undefined || digits.startsWith("0")) return undefined;
  const n = Number(digits);
  return n >= 1 && n <= MAX_ZONE_NUMBER ? n : undefined;
}

/**
 * Addresses of a Tencent Cloud subnet of the given prefix that instances can use.
 *
 * Tencent Cloud reserves 3 addresses in every subnet: the network address, the first host address
 * (the gateway) and the broadcast address; `172.16.0.0/24` loses `.0`, `.1` and `.255`, leaving 253.
 * The brief pointed at https://www.tencentcloud.com/document/product/215/31815 for "3 reserved plus
 * network and broadcast" (5), which we could not confirm; Tencent's own VPC limits page and the
 * CreateSubnet example (a /24 with `TotalIpAddressCount` 253) both say 3 in total.
 * Throws a RangeError unless `prefix` is an integer from 0 to 28; /28 is the smallest subnet
 * Tencent Cloud creates.
 * @see https://github.com/tencentyun/intlcloud-documents/blob/c84b8c9edf75874e0d9cfb974fbd2597df484a0f/yehe_doc/网络与CDN/私有网络/操作指南/私有网络和子网/限制说明_intl_zh.md
 * @see https://github.com/TencentCloud/tencentcloud-cli/blob/dfc02445ae7cbba53b8fc98fb3f12feb9c65f7ad/tccli/examples/vpc/v20170312/CreateSubnet.md
 */
export function usableAddresses(prefix: number): number {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 28) {
    throw new RangeError(`subnet prefix /${prefix} is outside 0 to 28`);
  }
  return 2 ** (32 - prefix) - 3;
}

/**
 * The zone of a region's single-zone resources (the framework database, the internal load
 * balancers, the cluster API endpoints): `chosen` when given, else the lowest-numbered zone.
 *
 * Never the first listed zone: reordering `zones` must not move a database or replace a load
 * balancer. The lowest number is also the first zone of every fleet that lists zones in
 * ascending order, as the demo does. Adding a zone with a lower number than every other moves
 * the default; `regions.<r>.primaryZone` pins it. Throws a RangeError on an empty list or a
 * zone without a number (the validator reports both first).
 */
export function primaryZone(zones: readonly string[], chosen?: string): string {
  if (chosen !== undefined) return chosen;
  const [first] = sortZones(zones);
  if (first === undefined) throw new RangeError("a region needs at least one zone");
  return first;
}

/**
 * `zones` by zone number (`ap-guangzhou-3` before `ap-guangzhou-10`), whatever their order.
 *
 * Throws a RangeError on a zone without a number.
 */
export function sortZones(zones: readonly string[]): string[] {
  const numbered = zones.map((zone): [string, number] => {
    const n = zoneNumber(zone);
    if (n === undefined) throw new RangeError(`zone "${zone}" has no zone number`);
    return [zone, n];
  });
  return numbered.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([zone]) => zone);
}

/**
 * Carves the node and pod subnets of one region's VPC.
 *
 * Returns node subnets by zone number, then pod subnets cluster by cluster, each by zone number,
 * whatever the order of `input.zones`.
 * Assumes validated input and throws a RangeError naming the problem on programmer misuse: a bad
 * VPC CIDR or prefix, a zone not of the form `<region>-<n>`, zones of two regions, duplicate
 * zones or clusters, too many clusters, an unknown network type.
 */
export function carveSubnets(input: CarveInput): CarvedSubnet[] {
  const vpc = parseVpcCidr(input.vpcCidr);
  const slots = assignZoneSlots(input.zones);
  const zones = input.zones
    .map((zone, i) => ({ zone, slot: slots[i] }))
    .sort((a, b) => a.slot - b.slot);
  checkClusters(input.clusters);

  const nodeSubnets = zones.map(({ zone, slot }): CarvedSubnet => ({
    key: `node-${zone}`,
    role: SubnetRole.Node,
    zone,
    cidrBlock: formatCidr(subdivideCidr(vpc, vpc.prefix + NODE_PREFIX_OFFSET, slot)),
  }));
  const podSubnets = input.clusters.flatMap((cluster, clusterSlot) =>
    cluster.networkType !== NetworkType.VpcCni
      ? []
      : zones.map(({ zone, slot }): CarvedSubnet => {
          const block = FIRST_POD_BLOCK + clusterSlot * MAX_ZONE_NUMBER + slot;
          return {
            key: `pod-${cluster.name}-${zone}`,
            role: SubnetRole.Pod,
            zone,
            cluster: cluster.name,
            cidrBlock: formatCidr(subdivideCidr(vpc, vpc.prefix + POD_PREFIX_OFFSET, block)),
          };
        }),
  );
  return [...nodeSubnets, ...podSubnets];
}

/** Parses the VPC CIDR and checks its prefix, or throws a RangeError. */
function parseVpcCidr(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new RangeError(`vpcCidr "${text}": ${parsed.reason}`);
  const { prefix } = parsed.cidr;
  if (prefix < VPC_PREFIX_RANGE.min || prefix > VPC_PREFIX_RANGE.max) {
    throw new RangeError(
      `vpcCidr "${text}": prefix /${prefix} is outside ${VPC_PREFIX_RANGE.min} to ${VPC_PREFIX_RANGE.max}`,
    );
  }
  return parsed.cidr;
}

/**
 * Zone slot of each zone, in input order, or throws a RangeError.
 *
 * Zones of one region with distinct numbers get distinct slots; a mix of regions could put
 * `ap-guangzhou-3` and `ap-shanghai-3` in the same subnet, so it is refused.
 */
function assignZoneSlots(zones: readonly string[]): number[] {
  const seen = new Set<string>();
  let region: string | undefined;
  return zones.map((zone) => {
    const n = zoneNumber(zone);
    if (n === undefined) {
      throw new RangeError(
        `zone "${zone}" is not <region>-<n> with n from 1 to ${MAX_ZONE_NUMBER}, such as ap-guangzhou-3`,
      );
    }
    if (seen.has(zone)) throw new RangeError(`zone "${zone}" is listed twice`);
    seen.add(zone);
    const zoneRegion = zone.slice(0, zone.lastIndexOf("-"));
    if (region !== undefined && zoneRegion !== region) {
      throw new RangeError(`zone "${zone}" is not in region ${region}, one VPC spans one region`);
    }
    region = zoneRegion;
    return n - 1;
  });
}

/** Checks cluster count, name uniqueness and network types, or throws a RangeError. */
function checkClusters(clusters: readonly CarveCluster[]): void {
  if (clusters.length > MAX_CLUSTERS_PER_REGION) {
    throw new RangeError(
      `${clusters.length} clusters, at most ${MAX_CLUSTERS_PER_REGION} fit in one region's VPC`,
    );
  }
  const networkTypes: readonly string[] = Object.values(NetworkType);
  const seen = new Set<string>();
  for (const { name, networkType } of clusters) {
    if (seen.has(name)) throw new RangeError(`cluster "${name}" is listed twice`);
    seen.add(name);
    if (!networkTypes.includes(networkType)) {
      throw new RangeError(
        `cluster "${name}": network type "${networkType}" is not one of ${networkTypes.join(", ")}`,
      );
    }
  }
}
