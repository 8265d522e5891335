/**
 * The fleet edits of the change-minimality bench: one per operation, as a user would make it.
 *
 * Targets are chosen from the fleet, deterministically, so a report can be compared across runs.
 * Value edits go through `setScalar` (every other byte of the file stays); structural additions
 * are appended where a user appends them, at the end of their list or map, because the subnet
 * carve fixes a cluster's place by its position (`fleet/network/carve.ts`).
 */
import { parseDocument } from "yaml";
import { MAX_CLUSTERS_PER_REGION, MAX_ZONE_NUMBER, zoneNumber } from "../fleet/network/carve";
import {
  cidrsOverlap,
  formatCidr,
  parseCidr,
  subdivideCidr,
  type Ipv4Cidr,
} from "../fleet/network/cidr";
import { setScalar } from "../fleet/operations/edit";
import { type FieldPath } from "../fleet/model/issues";
import { allClusters, type FleetSpec, regionByName, type SetSpec } from "../fleet/model/model";
import { GLOBAL_STACK } from "../fleet/model/naming";

/** The operations whose diffs the bench measures. */
export const Operation = {
  Failover: "failover",
  Failback: "failback",
  ScaleReplicas: "scale-replicas",
  AddZone: "add-zone",
  AddCluster: "add-cluster",
  AddRegion: "add-region",
  AddCvmNode: "add-cvm-node",
} as const;
/** One of {@link Operation}. */
export type Operation = (typeof Operation)[keyof typeof Operation];

/** What an operation acts on, for the minimal-change model. */
export type Subject =
  | { readonly kind: "set"; readonly set: string }
  | { readonly kind: "replicas"; readonly server: string; readonly set: string }
  | { readonly kind: "zone"; readonly region: string; readonly zone: string }
  | { readonly kind: "cluster"; readonly region: string; readonly cluster: string }
  | { readonly kind: "region"; readonly region: string }
  | {
      readonly kind: "cvm";
      readonly region: string;
      readonly pool: string;
      readonly newPool: boolean;
    };

/** One operation as two fleet texts: the file before and after it. */
export interface OperationEdit {
  readonly operation: Operation;
  /** What it acts on, for people: `app.gz.1 (warm standby in sh1)`. */
  readonly target: string;
  readonly subject: Subject;
  readonly baseText: string;
  readonly headText: string;
}

/** Service CIDRs are /20s (4096 services) taken from 172.16.0.0/12, like the demo's. */
const SERVICE_POOL = { text: "172.16.0.0/12", prefix: 20 } as const;
/** New regions get a /16 from 10.0.0.0/8, starting at 10.1.0.0/16. */
const VPC_POOL = { text: "10.0.0.0/8", prefix: 16, first: 1 } as const;

/**
 * Tencent Cloud regions a new fleet region may take: its fleet name, its first cluster's prefix.
 * @see https://www.tencentcloud.com/document/product/213/6091 (regions and availability zones)
 */
const NEW_REGIONS = [
  { tencentRegion: "ap-singapore", name: "singapore", cluster: "sg" },
  { tencentRegion: "ap-tokyo", name: "tokyo", cluster: "tk" },
  { tencentRegion: "ap-seoul", name: "seoul", cluster: "se" },
  { tencentRegion: "eu-frankfurt", name: "frankfurt", cluster: "fr" },
] as const;

/** The machines of a CVM pool the bench adds to a fleet that has none (the generator's pool). */
const NEW_CVM_POOL = { name: "tarsnode", instanceType: "S5.LARGE8", imageId: "img-eb30mz89" };

/** A new cluster's one node pool: small, of the instance type its region already uses. */
const newNodePool = (instanceType: string) => ({
  general: { instanceType, minSize: 1, maxSize: 3, desiredSize: 1 },
});

function cidrOf(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.reason}`);
  return parsed.cidr;
}

/** Every VPC, service and GR pod CIDR of the fleet: what a new CIDR must not overlap. */
function usedCidrs(fleet: FleetSpec): Ipv4Cidr[] {
  return fleet.regions
    .flatMap((r) => [r.vpcCidr, ...r.clusters.flatMap((c) => [c.serviceCidr, c.podCidr ?? []])])
    .flat()
    .map(cidrOf);
}

/** The first block of `pool` from index `first` on that overlaps nothing in `used`. */
function freeBlock(
  pool: { text: string; prefix: number; first?: number },
  used: readonly Ipv4Cidr[],
): string {
  const outer = cidrOf(pool.text);
  for (let i = pool.first ?? 0; i < 2 ** (pool.prefix - outer.prefix); i++) {
    const block = subdivideCidr(outer, pool.prefix, i);
    if (!used.some((u) => cidrsOverlap(u, block))) return formatCidr(block);
  }
  throw new Error(`no free /${pool.prefix} left in ${pool.text}`);
}

/** `gz2` → `gz3`, skipping names the fleet has; a name without a number gets `2`, `3`… */
function nextName(last: string, taken: ReadonlySet<string>): string {
  const match = /^(.*?)(\d+)$/.exec(last);
  const stem = match?.[1] ?? last;
  for (let n = match === null ? 2 : Number(match[2]) + 1; ; n++) {
    if (!taken.has(`${stem}${n}`)) return `${stem}${n}`;
  }
}

const clusterNames = (fleet: FleetSpec) => new Set(allClusters(fleet).map((c) => c.name));

/** Appends to a list or map of the document at `path` and prints it again. */
function appendIn(text: string, path: FieldPath, value: unknown, key?: string): string {
  const doc = parseDocument(text);
  if (key === undefined) doc.addIn(path, doc.createNode(value));
  else doc.setIn([...path, key], doc.createNode(value));
  return doc.toString();
}

/** Fails the first Set with a warm standby over (or, lacking one, the first with a standby). */
function failoverEdits(text: string, fleet: FleetSpec): OperationEdit[] {
  const movable = fleet.sets.filter((s) => s.standby !== undefined && !s.failedOver);
  const set: SetSpec | undefined = movable.find((s) => s.warmStandby) ?? movable[0];
  if (set === undefined) return [];
  const failedOver = setScalar(text, ["sets", set.id, "failedOver"], true);
  const standby = set.warmStandby ? "warm standby" : "cold standby";
  const target = `${set.id} (${standby} in ${set.standby})`;
  const subject = { kind: "set", set: set.id } as const;
  return [
    { operation: Operation.Failover, target, subject, baseText: text, headText: failedOver },
    { operation: Operation.Failback, target, subject, baseText: failedOver, headText: text },
  ];
}

/** One more replica of the first server in its first Set. */
function replicasEdit(text: string, fleet: FleetSpec): OperationEdit[] {
  const server = fleet.servers[0];
  const first = server?.replicas[0];
  if (first === undefined) return [];
  const headText = setScalar(text, ["servers", server.id, "replicas", first.set], first.count + 1);
  return [
    {
      operation: Operation.ScaleReplicas,
      target: `${server.id} in ${first.set}: ${first.count} → ${first.count + 1}`,
      subject: { kind: "replicas", server: server.id, set: first.set },
      baseText: text,
      headText,
    },
  ];
}

/** The home region's next zone: one above its highest, or the lowest free number. */
function zoneEdit(text: string, fleet: FleetSpec): OperationEdit[] {
  const region = regionByName(fleet, fleet.homeRegion);
  const used = new Set(region.zones.map(zoneNumber));
  const free = Array.from({ length: MAX_ZONE_NUMBER }, (_, i) => i + 1).filter((n) => !used.has(n));
  const highest = Math.max(0, ...[...used].filter((n): n is number => n !== undefined));
  const number = free.find((n) => n > highest) ?? free[0];
  if (number === undefined) return [];
  const zone = `${region.tencentRegion}-${number}`;
  return [
    {
      operation: Operation.AddZone,
      target: `${zone} in ${region.name}`,
      subject: { kind: "zone", region: region.name, zone },
      baseText: text,
      headText: appendIn(text, ["regions", region.name, "zones"], zone),
    },
  ];
}

/** A VPC-CNI cluster appended to the home region, with a free service CIDR and one small pool. */
function clusterEdit(text: string, fleet: FleetSpec): OperationEdit[] {
  const region = regionByName(fleet, fleet.homeRegion);
  const last = region.clusters[region.clusters.length - 1];
  if (region.clusters.length >= MAX_CLUSTERS_PER_REGION || last === undefined) return [];
  const name = nextName(last.name, clusterNames(fleet));
  const cluster = {
    kubernetesVersion: last.kubernetesVersion,
    networkType: "VPC-CNI",
    serviceCidr: freeBlock(SERVICE_POOL, usedCidrs(fleet)),
    nodePools: newNodePool(region.clusters[0].nodePools[0].instanceType),
  };
  return [
    {
      operation: Operation.AddCluster,
      target: `${name} in ${region.name} (VPC-CNI, ${cluster.serviceCidr})`,
      subject: { kind: "cluster", region: region.name, cluster: name },
      baseText: text,
      headText: appendIn(text, ["regions", region.name, "clusters"], cluster, name),
    },
  ];
}

/** A region appended to the fleet: a free /16, two zones and one VPC-CNI cluster, no Sets yet. */
function regionEdit(text: string, fleet: FleetSpec): OperationEdit[] {
  const tencentRegions = new Set(fleet.regions.map((r) => r.tencentRegion));
  const names = new Set([GLOBAL_STACK, ...fleet.regions.map((r) => r.name)]);
  const pick = NEW_REGIONS.find((c) => !tencentRegions.has(c.tencentRegion) && !names.has(c.name));
  if (pick === undefined) return [];
  const used = usedCidrs(fleet);
  const vpcCidr = freeBlock(VPC_POOL, used);
  const cluster = nextName(`${pick.cluster}0`, clusterNames(fleet));
  const home = regionByName(fleet, fleet.homeRegion).clusters[0];
  const region = {
    tencentRegion: pick.tencentRegion,
    vpcCidr,
    zones: [1, 2].map((n) => `${pick.tencentRegion}-${n}`),
    clusters: {
      [cluster]: {
        kubernetesVersion: home.kubernetesVersion,
        networkType: "VPC-CNI",
        serviceCidr: freeBlock(SERVICE_POOL, [...used, cidrOf(vpcCidr)]),
        nodePools: newNodePool(home.nodePools[0].instanceType),
      },
    },
  };
  return [
    {
      operation: Operation.AddRegion,
      target: `${pick.name} (${pick.tencentRegion}, ${vpcCidr}, cluster ${cluster})`,
      subject: { kind: "region", region: pick.name },
      baseText: text,
      headText: appendIn(text, ["regions"], region, pick.name),
    },
  ];
}

/** One more machine in the first CVM pool, or a new one-machine pool in the home region. */
function cvmEdit(text: string, fleet: FleetSpec): OperationEdit[] {
  const region = fleet.regions.find((r) => r.cvmPools.length > 0);
  if (region !== undefined) {
    const pool = region.cvmPools[0];
    const path = ["regions", region.name, "cvm", pool.name, "count"];
    return [
      {
        operation: Operation.AddCvmNode,
        target: `${region.name}/${pool.name}: ${pool.count} → ${pool.count + 1}`,
        subject: { kind: "cvm", region: region.name, pool: pool.name, newPool: false },
        baseText: text,
        headText: setScalar(text, path, pool.count + 1),
      },
    ];
  }
  const home = regionByName(fleet, fleet.homeRegion);
  const { name, ...machine } = NEW_CVM_POOL;
  const pool = { count: 1, ...machine, zone: home.zones[0] };
  return [
    {
      operation: Operation.AddCvmNode,
      target: `new pool ${home.name}/${name} of 1 machine (the fleet had no CVM pool)`,
      subject: { kind: "cvm", region: home.name, pool: name, newPool: true },
      baseText: text,
      headText: appendIn(text, ["regions", home.name, "cvm"], pool, name),
    },
  ];
}

/**
 * Every operation's edit of a fleet file, in report order.
 *
 * An operation the fleet cannot take (no Set with a standby, a home region with six clusters or
 * sixteen zones, every candidate Tencent region taken) is left out.
 */
export function operationEdits(text: string, fleet: FleetSpec): OperationEdit[] {
  return [failoverEdits, replicasEdit, zoneEdit, clusterEdit, regionEdit, cvmEdit].flatMap((edit) =>
    edit(text, fleet),
  );
}
