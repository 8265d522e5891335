/**
 * One stack's share of the fleet, and the order stacks are deployed in.
 *
 * Stacks are split by lifecycle:
 * - `global`: the CCN and its bandwidth limits (only when some region's network is created);
 * - `<region>-infra`: the region's cloud resources: network, clusters, node pools, API endpoints,
 *   internal load balancers, CVM pools and, at home, the framework database and its passwords.
 *   A region whose network is existing has none;
 * - `<region>`, its TARS stack: the Kubernetes objects (providers, namespaces, framework, base
 *   services, Set Deployments, Jobs, NetworkPolicies).
 *
 * An infra stack reads the CCN id from `global` (and a non-home one tarsweb's address from the
 * home infra stack); a TARS stack reads its kubeconfigs, load balancer ids and, at home, the
 * database's address and passwords from its own infra stack, and every other TARS stack reads
 * the database connection from the home TARS stack. A failover, failback or replica change
 * touches TARS stacks only.
 */
import {
  carveSubnets,
  NetworkType,
  primaryZone,
  SubnetRole,
  type CarvedSubnet,
} from "../network/carve";
import {
  type ClusterSpec,
  type CvmPoolSpec,
  type FleetSpec,
  isCreatedCluster,
  type RegionSpec,
  regionByName,
} from "../model/model";
import { GLOBAL_STACK, INFRA_STACK_SUFFIX, infraStackName, regionStackName } from "../model/naming";
import { placeWorkloads, type WorkloadSpec } from "../tars/placement";
import { DbMode, NetworkSource } from "../model/schema";
import { webSources } from "../network/security";
import { downloadsFromTarsweb } from "../tars/tarsnode-bootstrap";
import { databaseRecordPlan, databaseReplicaRegion } from "../network/database-dns";

/** What one stack deploys. */
export type StackScope =
  | { readonly kind: "global" }
  | { readonly kind: "infra"; readonly region: string }
  | { readonly kind: "tars"; readonly region: string };

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

/** One cluster's share of a region's stacks. */
export interface ClusterSlice {
  readonly cluster: ClusterSpec;
  /** Whether the infra stack creates the cluster (TKE); an existing one is reached by kubeconfig. */
  readonly created: boolean;
  /**
   * Keys of the node subnets the cluster's node pools use (every zone of the region): the primary
   * zone's first (the API endpoint's subnet), then by zone number, whatever the order of `zones`.
   * Empty for an existing cluster.
   */
  readonly nodeSubnetKeys: readonly string[];
  /** Keys of the cluster's own VPC-CNI pod subnets; empty for GR and existing clusters. */
  readonly podSubnetKeys: readonly string[];
  /** The Set Deployments that run in this cluster now. */
  readonly workloads: readonly WorkloadSpec[];
}

/** A created network, as the region's infra stack builds it. */
export interface NetworkSlice {
  /**
   * Zone of the single-zone resources: the framework database, the internal load balancers and
   * the cluster API endpoints (`regions.<r>.primaryZone`, else the lowest-numbered zone).
   */
  readonly primaryZone: string;
  /** Key of the primary zone's node subnet, where the single-zone resources sit. */
  readonly primaryNodeSubnetKey: string;
  /**
   * The subnets to create: node subnets, and the pod subnets of created VPC-CNI clusters (an
   * existing cluster keeps its slot in the carve, so no neighbour moves, but gets no subnets).
   */
  readonly subnets: readonly CarvedSubnet[];
}

/**
 * The internal load balancers (CLBs) a region's infra stack creates; the TARS stack binds each to
 * its LoadBalancer Service by id. Only clusters the fleet creates get them: the binding is TKE's
 * existing-CLB annotation, and an existing cluster need not be a TKE cluster, nor in the network
 * whose subnet the CLB is created in.
 * @see https://www.tencentcloud.com/document/product/457/36835 (Using Existing CLBs)
 */
export interface LoadBalancerSlice {
  /** Clusters whose registry gets a CLB, for CVM machines: the created ones, in file order. */
  readonly registry: readonly string[];
  /**
   * Whether tarsweb gets its CLB: in the home region, and in the database's standby region (its
   * standby tarsweb), when the region's first cluster is created.
   */
  readonly web: boolean;
  /** Whether the in-cluster database gets its CLB (for other regions): likewise, in-cluster mode. */
  readonly database: boolean;
}

/** A region's share, for its infra stack and its TARS stack alike. */
export interface RegionSlice {
  readonly fleet: FleetSpec;
  readonly region: RegionSpec;
  /** Whether this region hosts the framework database, tarsweb and tarsnotify. */
  readonly isHome: boolean;
  /**
   * The network the infra stack creates.
   *
   * @default - none: the region's network is existing, and it has no infra stack
   */
  readonly network?: NetworkSlice;
  readonly clusters: readonly ClusterSlice[];
  readonly cvmPools: readonly CvmPoolSpec[];
  readonly loadBalancers: LoadBalancerSlice;
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

/** Whether the region has an infra stack: its network is created. */
export function hasInfraStack(region: RegionSpec): boolean {
  return region.network === NetworkSource.Created;
}

/** Whether the fleet has a `global` stack: some region's network is created (and joins the CCN). */
export function hasGlobalStack(fleet: FleetSpec): boolean {
  return fleet.regions.some(hasInfraStack);
}

/** The `global` stack's share of the fleet: limits between the regions whose networks it joins. */
export function globalSlice(fleet: FleetSpec): GlobalSlice {
  const home = regionByName(fleet, fleet.homeRegion);
  const explicit = new Map(fleet.network.bandwidth.map((b) => [b.regions.join("|"), b.mbps]));
  const names = fleet.regions
    .filter(hasInfraStack)
    .map((r) => r.name)
    .sort();
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

/** The network a region's infra stack creates: the carve, less existing clusters' pod subnets. */
function networkSlice(region: RegionSpec): NetworkSlice {
  const carved = carveSubnets({
    vpcCidr: region.vpcCidr,
    zones: region.zones,
    clusters: region.clusters,
  });
  const created = new Set(region.clusters.filter(isCreatedCluster).map((c) => c.name));
  const subnets = carved.filter((s) => s.cluster === undefined || created.has(s.cluster));
  const primary = primaryZone(region.zones, region.primaryZone);
  const primarySubnet = subnets.find((s) => s.role === SubnetRole.Node && s.zone === primary);
  // The validator reports a primaryZone outside `zones` first.
  if (primarySubnet === undefined)
    throw new RangeError(`region ${region.name}: primary zone ${primary} is not one of its zones`);
  return { primaryZone: primary, primaryNodeSubnetKey: primarySubnet.key, subnets };
}

/** The keys of a created cluster's subnets: every node subnet, the primary zone's first. */
function clusterSubnetKeys(
  network: NetworkSlice,
  cluster: ClusterSpec,
): Pick<ClusterSlice, "nodeSubnetKeys" | "podSubnetKeys"> {
  const nodes = network.subnets.filter((s) => s.role === SubnetRole.Node);
  const primary = nodes.filter((s) => s.key === network.primaryNodeSubnetKey);
  return {
    nodeSubnetKeys: [...primary, ...nodes.filter((s) => !primary.includes(s))].map((s) => s.key),
    podSubnetKeys:
      cluster.networkType === NetworkType.VpcCni
        ? network.subnets
            .filter((s) => s.role === SubnetRole.Pod && s.cluster === cluster.name)
            .map((s) => s.key)
        : [],
  };
}

/** A region's share of the fleet, for its infra stack and its TARS stack. */
export function regionSlice(fleet: FleetSpec, regionName: string): RegionSlice {
  const region = regionByName(fleet, regionName);
  const network = hasInfraStack(region) ? networkSlice(region) : undefined;
  const workloads = placeWorkloads(fleet);
  const isHome = fleet.homeRegion === region.name;
  const homeCreated = isHome && region.clusters[0] !== undefined && network !== undefined;
  const firstCreated = homeCreated && isCreatedCluster(region.clusters[0]);
  // The database's standby region runs a standby tarsweb in its first cluster
  // (fleet/tars/framework.ts, standbyWeb): its CLB exists from the start, so a failover changes
  // no cloud resource to reach it.
  const standbyWebCreated =
    !isHome &&
    databaseReplicaRegion(fleet) === region.name &&
    network !== undefined &&
    region.clusters[0] !== undefined &&
    isCreatedCluster(region.clusters[0]);
  return {
    fleet,
    region,
    isHome,
    ...(network === undefined ? {} : { network }),
    clusters: region.clusters.map((cluster) => {
      const created = isCreatedCluster(cluster);
      const keys =
        created && network !== undefined
          ? clusterSubnetKeys(network, cluster)
          : { nodeSubnetKeys: [], podSubnetKeys: [] };
      return {
        cluster,
        created,
        ...keys,
        workloads: workloads.filter((w) => w.cluster === cluster.name),
      };
    }),
    cvmPools: region.cvmPools,
    loadBalancers: {
      registry:
        network === undefined ? [] : region.clusters.filter(isCreatedCluster).map((c) => c.name),
      web: firstCreated || standbyWebCreated,
      database: firstCreated && fleet.tars.db.mode === DbMode.InCluster,
    },
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

/** The stack that a scope names: `global`, `<region>-infra` or the region's name. */
export function stackNameOf(scope: StackScope): string {
  if (scope.kind === "global") return GLOBAL_STACK;
  return scope.kind === "infra" ? infraStackName(scope.region) : regionStackName(scope.region);
}

/**
 * Reads a scope from its stack name (the stack config `tars-federation:scope`, which `tarsfed`
 * sets to the stack's name): `global`, `<region>-infra` or `<region>`. Undefined when the fleet
 * has no such stack (an infra stack of an existing network, `global` with no created network).
 */
export function parseScope(fleet: FleetSpec, text: string): StackScope | undefined {
  if (text === GLOBAL_STACK) return hasGlobalStack(fleet) ? { kind: "global" } : undefined;
  const region = fleet.regions.find((r) => r.name === text);
  if (region !== undefined) return { kind: "tars", region: region.name };
  if (!text.endsWith(INFRA_STACK_SUFFIX)) return undefined;
  const infra = fleet.regions.find((r) => infraStackName(r.name) === text);
  return infra !== undefined && hasInfraStack(infra)
    ? { kind: "infra", region: infra.name }
    : undefined;
}

/** The region a stack belongs to (its infra or TARS stack), or undefined for `global`. */
export function regionOfStack(fleet: FleetSpec, stack: string): string | undefined {
  const scope = parseScope(fleet, stack);
  return scope === undefined || scope.kind === "global" ? undefined : scope.region;
}

/** Whether `stack` is a TARS stack of the fleet (one named after a region). */
export function isTarsStack(fleet: FleetSpec, stack: string): boolean {
  return parseScope(fleet, stack)?.kind === "tars";
}

/** The regions, the home region first, then the others in file order. */
function homeFirst(fleet: FleetSpec): RegionSpec[] {
  const home = regionByName(fleet, fleet.homeRegion);
  return [home, ...fleet.regions.filter((r) => r !== home)];
}

/** A region's stacks in deployment order: `<region>-infra` (when it has one), then `<region>`. */
export function stacksOfRegion(fleet: FleetSpec, region: string): string[] {
  const spec = regionByName(fleet, region);
  return [...(hasInfraStack(spec) ? [infraStackName(region)] : []), regionStackName(region)];
}

/** The TARS stacks in deployment order: the home region's, then the others. */
export function tarsStackOrder(fleet: FleetSpec): string[] {
  return homeFirst(fleet).map((r) => regionStackName(r.name));
}

/**
 * The stacks in deployment order, as waves: `global`, the home region's infra stack, the other
 * infra stacks, the home TARS stack, the other TARS stacks. A wave's stacks depend only on the
 * waves before it and may run in parallel; empty waves are left out.
 */
export function stackWaves(fleet: FleetSpec): string[][] {
  const [home, ...others] = homeFirst(fleet);
  const infra = (regions: readonly RegionSpec[]) =>
    regions.filter(hasInfraStack).map((r) => infraStackName(r.name));
  return [
    hasGlobalStack(fleet) ? [GLOBAL_STACK] : [],
    infra([home]),
    infra(others),
    [regionStackName(home.name)],
    others.map((r) => regionStackName(r.name)),
  ].filter((wave) => wave.length > 0);
}

/** The stacks in deployment order, flattened. */
export function stackOrder(fleet: FleetSpec): string[] {
  return stackWaves(fleet).flat();
}

/**
 * The stacks whose outputs `stack` reads through stack references: `global` for an infra stack
 * (and the home infra stack, for tarsweb's address, for another region's whose CVM pools download
 * tarsnode from tarsweb, and for the database's master, for the standby region's); its own infra stack
 * for a TARS stack (and the home TARS stack, for the database, for another region's; in
 * `tencentdb` mode, the infra stack holding the database's DNS record).
 */
export function stackDependencies(fleet: FleetSpec, stack: string): string[] {
  const scope = parseScope(fleet, stack);
  if (scope === undefined || scope.kind === "global") return [];
  const home = regionByName(fleet, fleet.homeRegion);
  const isHome = scope.region === home.name;
  if (scope.kind === "infra") {
    // tarsweb's address, for CVM machines that download tarsnode from it.
    const web =
      !isHome &&
      hasInfraStack(home) &&
      regionByName(fleet, scope.region).cvmPools.some(downloadsFromTarsweb);
    // The database's master (its id and region for the DR replica, its address for the record)
    // in the standby region: fleet/network/database-dns.ts.
    const replica = !isHome && databaseReplicaRegion(fleet) === scope.region;
    return [GLOBAL_STACK, ...(web || replica ? [infraStackName(home.name)] : [])];
  }
  const own = regionByName(fleet, scope.region);
  // TencentDB: the infra stack holding the database's DNS record (the standby's with a standby,
  // else the home's), so no init Job, registry or base service starts before `db.<zone>`
  // resolves (fleet/network/database-dns.ts, databaseRecordPlan).
  const record = databaseRecordPlan(fleet);
  const recordStack =
    record !== undefined && hasInfraStack(regionByName(fleet, record.region))
      ? infraStackName(record.region)
      : undefined;
  const infra = [
    ...(hasInfraStack(own) ? [infraStackName(own.name)] : []),
    ...(recordStack === undefined ? [] : [recordStack]),
  ];
  return [...new Set(infra), ...(isHome ? [] : [regionStackName(home.name)])];
}

/** `stacks` and every stack they read from, directly or not, in deployment order. */
export function withDependencies(fleet: FleetSpec, stacks: readonly string[]): string[] {
  const needed = new Set<string>();
  const visit = (stack: string) => {
    if (needed.has(stack)) return;
    needed.add(stack);
    stackDependencies(fleet, stack).forEach(visit);
  };
  stacks.forEach(visit);
  return stackOrder(fleet).filter((s) => needed.has(s));
}
