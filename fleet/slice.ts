/**
 * One stack's share of the fleet, and the order stacks are deployed in.
 *
 * Stacks are `global` (the CCN and its bandwidth limits) and one per region. The home region's
 * stack also owns the framework database, tarsweb and tarsnotify. Every region stack reads the
 * CCN id from `global`; the other regions read the database from the home region's stack.
 */
import { carveSubnets, NetworkType, primaryZone, SubnetRole, type CarvedSubnet } from "./carve";
import {
  type ClusterSpec,
  type CvmPoolSpec,
  type FleetSpec,
  type RegionSpec,
  regionByName,
} from "./model";
import { GLOBAL_STACK } from "./naming";
import { placeWorkloads, type WorkloadSpec } from "./placement";
import { webSources } from "./security";

/** What one stack deploys. */
export type StackScope =
  { readonly kind: "global" } | { readonly kind: "region"; readonly region: string };

/** One CCN bandwidth limit between two regions. */
export interface BandwidthLimitSpec {
  /** Fleet region names, sorted. */
  readonly regions: readonly [string, string];
  /** Tencent Cloud regions of the pair, in the same order. */
  readonly tencentRegions: readonly [string, string];
  readonly mbps: number;
}

/** The `global` stack's share. */
export interface GlobalSlice {
  readonly fleet: FleetSpec;
  /** Tencent Cloud region whose API manages the CCN: the home region's. */
  readonly ccnTencentRegion: string;
  readonly bandwidthLimits: readonly BandwidthLimitSpec[];
}

/** One cluster's share of a region stack. */
export interface ClusterSlice {
  readonly cluster: ClusterSpec;
  /**
   * Keys of the node subnets the cluster's node pools use (every zone of the region): the primary
   * zone's first (the API endpoint's subnet), then by zone number, whatever the order of `zones`.
   */
  readonly nodeSubnetKeys: readonly string[];
  /** Keys of the cluster's own VPC-CNI pod subnets; empty for GR clusters. */
  readonly podSubnetKeys: readonly string[];
  /** The Set Deployments that run in this cluster now. */
  readonly workloads: readonly WorkloadSpec[];
}

/** A region stack's share. */
export interface RegionSlice {
  readonly fleet: FleetSpec;
  readonly region: RegionSpec;
  /** Whether this region hosts the framework database, tarsweb and tarsnotify. */
  readonly isHome: boolean;
  /**
   * Zone of the single-zone resources: the framework database, the internal load balancers and
   * the cluster API endpoints (`regions.<r>.primaryZone`, else the lowest-numbered zone).
   */
  readonly primaryZone: string;
  /** Key of the primary zone's node subnet, where the single-zone resources sit. */
  readonly primaryNodeSubnetKey: string;
  readonly subnets: readonly CarvedSubnet[];
  readonly clusters: readonly ClusterSlice[];
  readonly cvmPools: readonly CvmPoolSpec[];
  /**
   * Every address space of the fleet that TARS traffic comes from: all VPC CIDRs and GR pod
   * CIDRs. Security groups open TARS ports to these and to nothing else.
   */
  readonly fleetCidrs: readonly string[];
  /** This region's own address spaces: its VPC CIDR and its GR pod CIDRs. */
  readonly ownCidrs: readonly string[];
  /** Where tarsweb may be reached from; only the home region serves tarsweb. */
  readonly webSources: readonly string[];
  /** Servant ports of every server in the fleet: any of them may fail over into this region. */
  readonly servantPorts: readonly number[];
  /** Whether any region of the fleet has CVM pools, which tarsnode management needs served. */
  readonly fleetHasCvmPools: boolean;
}

/** The `global` stack's share of the fleet. */
export function globalSlice(fleet: FleetSpec): GlobalSlice {
  const home = regionByName(fleet, fleet.homeRegion);
  const explicit = new Map(fleet.network.bandwidth.map((b) => [b.regions.join("|"), b.mbps]));
  const names = fleet.regions.map((r) => r.name).sort();
  const limits: BandwidthLimitSpec[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const pair = [names[i], names[j]] as const;
      limits.push({
        regions: pair,
        tencentRegions: [
          regionByName(fleet, pair[0]).tencentRegion,
          regionByName(fleet, pair[1]).tencentRegion,
        ],
        mbps: explicit.get(pair.join("|")) ?? fleet.network.defaultBandwidthMbps,
      });
    }
  }
  return { fleet, ccnTencentRegion: home.tencentRegion, bandwidthLimits: limits };
}

/** A region's VPC CIDR and GR pod CIDRs, in file order. */
export function regionAddressSpaces(region: RegionSpec): string[] {
  return [
    region.vpcCidr,
    ...region.clusters.flatMap((c) => (c.podCidr === undefined ? [] : [c.podCidr])),
  ];
}

/** Every VPC and GR pod CIDR of the fleet, in file order. */
export function fleetAddressSpaces(fleet: FleetSpec): string[] {
  return fleet.regions.flatMap(regionAddressSpaces);
}

/** A region stack's share of the fleet. */
export function regionSlice(fleet: FleetSpec, regionName: string): RegionSlice {
  const region = regionByName(fleet, regionName);
  const subnets = carveSubnets({
    vpcCidr: region.vpcCidr,
    zones: region.zones,
    clusters: region.clusters,
  });
  const workloads = placeWorkloads(fleet);
  const primary = primaryZone(region.zones, region.primaryZone);
  const nodeSubnets = subnets.filter((s) => s.role === SubnetRole.Node);
  const primarySubnet = nodeSubnets.find((s) => s.zone === primary);
  // The validator reports a primaryZone outside `zones` first.
  if (primarySubnet === undefined)
    throw new RangeError(`region ${region.name}: primary zone ${primary} is not one of its zones`);
  const nodeSubnetKeys = [primarySubnet, ...nodeSubnets.filter((s) => s !== primarySubnet)].map(
    (s) => s.key,
  );
  return {
    fleet,
    region,
    isHome: fleet.homeRegion === region.name,
    primaryZone: primary,
    primaryNodeSubnetKey: primarySubnet.key,
    subnets,
    clusters: region.clusters.map((cluster) => ({
      cluster,
      nodeSubnetKeys,
      podSubnetKeys:
        cluster.networkType === NetworkType.VpcCni
          ? subnets
              .filter((s) => s.role === SubnetRole.Pod && s.cluster === cluster.name)
              .map((s) => s.key)
          : [],
      workloads: workloads.filter((w) => w.cluster === cluster.name),
    })),
    cvmPools: region.cvmPools,
    fleetCidrs: fleetAddressSpaces(fleet),
    ownCidrs: regionAddressSpaces(region),
    webSources: webSources(
      fleet.regions.map((r) => r.vpcCidr),
      fleet.tars.webAllowedCidrs,
    ),
    servantPorts: [...new Set(fleet.servers.flatMap((s) => s.servants.map((v) => v.port)))].sort(
      (a, b) => a - b,
    ),
    fleetHasCvmPools: fleet.regions.some((r) => r.cvmPools.length > 0),
  };
}

/** The stack that a scope names: `global` or the region's name. */
export function stackNameOf(scope: StackScope): string {
  return scope.kind === "global" ? GLOBAL_STACK : scope.region;
}

/** Reads a scope from its stack-config spelling (`global` or a region name). */
export function parseScope(fleet: FleetSpec, text: string): StackScope | undefined {
  if (text === GLOBAL_STACK) return { kind: "global" };
  return fleet.regions.some((r) => r.name === text) ? { kind: "region", region: text } : undefined;
}

/**
 * The stacks in deployment order, as waves: `global`, then the home region, then every other
 * region (which depend only on the two before and may run in parallel).
 */
export function stackWaves(fleet: FleetSpec): string[][] {
  const others = fleet.regions.map((r) => r.name).filter((r) => r !== fleet.homeRegion);
  return [[GLOBAL_STACK], [fleet.homeRegion], ...(others.length > 0 ? [others] : [])];
}

/** The stacks in deployment order, flattened. */
export function stackOrder(fleet: FleetSpec): string[] {
  return stackWaves(fleet).flat();
}
