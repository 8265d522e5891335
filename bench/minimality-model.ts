/**
 * The smallest change each bench operation can make, worked out from the fleet and the shape of
 * the components, never from a diff.
 *
 * A minimal change touches exactly the resources the operation is about, replaces nothing, and
 * updates in place only what must learn about the change (a security group that opens TARS ports
 * to a new VPC, a cluster that gets a new ENI subnet). Counts are per stack, action and resource
 * type; each entry says why the resources must change. An entry names its region, and lands in
 * the region's infra stack (cloud resources and their components) or its TARS stack (Kubernetes
 * objects, the clusters' providers and their components), as the program splits them.
 */
import { ComponentType } from "../components/registry";
import { NetworkType } from "../fleet/network/carve";
import { cidrsOverlap, parseCidr } from "../fleet/network/cidr";
import { homeClusterName } from "../fleet/operations/capacity";
import { homeFrameworkServices, regionalServicesIn } from "../fleet/tars/framework";
import { DbMode } from "../fleet/model/schema";
import {
  type ClusterSpec,
  clusterByName,
  type FleetSpec,
  regionByName,
} from "../fleet/model/model";
import { GLOBAL_STACK, infraStackName } from "../fleet/model/naming";
import { placeWorkloads } from "../fleet/tars/placement";
import { clusterPodRanges } from "../fleet/network/security";
import { Operation, type OperationEdit, type Subject } from "./minimality-edits";
import { databaseDns, databaseReplicaRegion } from "../fleet/network/database-dns";
import { regionSlice } from "../fleet/stacks/slice";

/** The Pulumi type tokens the model names. */
export const ResourceType = {
  SetDeployment: ComponentType.TarsSetDeployment,
  TkeCluster: ComponentType.TkeCluster,
  ClusterConnection: ComponentType.ClusterConnection,
  TarsFramework: ComponentType.TarsFramework,
  RegionNetwork: ComponentType.RegionNetwork,
  TarsLoadBalancers: ComponentType.TarsLoadBalancers,
  CvmPool: ComponentType.CvmPool,
  DatabaseDnsAttachment: ComponentType.DatabaseDnsAttachment,
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  Deployment: "kubernetes:apps/v1:Deployment",
  Pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  Service: "kubernetes:core/v1:Service",
  Secret: "kubernetes:core/v1:Secret",
  Namespace: "kubernetes:core/v1:Namespace",
  NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  Job: "kubernetes:batch/v1:Job",
  KubernetesProvider: "pulumi:providers:kubernetes",
  TencentProvider: "pulumi:providers:tencentcloud",
  Vpc: "tencentcloud:index/vpc:Vpc",
  Subnet: "tencentcloud:index/subnet:Subnet",
  SecurityGroup: "tencentcloud:index/securityGroup:SecurityGroup",
  SecurityGroupRules: "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet",
  CcnAttachment: "tencentcloud:index/ccnAttachmentV2:CcnAttachmentV2",
  DnsAttachment: "tencentcloud:index/privateDnsZoneVpcAttachment:PrivateDnsZoneVpcAttachment",
  CcnBandwidthLimit: "tencentcloud:index/ccnBandwidthLimit:CcnBandwidthLimit",
  Cluster: "tencentcloud:index/kubernetesCluster:KubernetesCluster",
  NodePool: "tencentcloud:index/kubernetesNodePool:KubernetesNodePool",
  Endpoint: "tencentcloud:index/kubernetesClusterEndpoint:KubernetesClusterEndpoint",
  Clb: "tencentcloud:index/clbInstance:ClbInstance",
  Instance: "tencentcloud:index/instance:Instance",
  Mysql: "tencentcloud:index/mysqlInstance:MysqlInstance",
} as const;

/** What a diff does to a resource. */
export const DiffAction = { Added: "added", Removed: "removed", Changed: "changed" } as const;
/** One of {@link DiffAction}. */
export type DiffAction = (typeof DiffAction)[keyof typeof DiffAction];

/** Resources of one type that a minimal change adds, removes or updates in place in one stack. */
export interface ExpectedChange {
  readonly stack: string;
  readonly action: DiffAction;
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  readonly count: number;
  /** Why these resources must change. */
  readonly reason: string;
  /**
   * Whether they are replaced rather than updated in place: only a Job named after its content,
   * which runs again when the content changes (`fleet/k8s/idc-groups.ts`).
   *
   * @default false
   */
  readonly replaced?: boolean;
}

/** An operation's minimal change, and what it leaves alone that one might expect it to touch. */
export interface MinimalChange {
  readonly changes: readonly ExpectedChange[];
  readonly notes: readonly string[];
}

type TypeCount = readonly [type: string, count: number];

/** The components of an infra stack; everything else of a region is its TARS stack's. */
const INFRA_COMPONENTS: readonly string[] = [
  ComponentType.RegionNetwork,
  ComponentType.TkeCluster,
  ComponentType.TarsLoadBalancers,
  ComponentType.TarsDatabaseInstance,
  ComponentType.TarsDatabaseReplica,
  ComponentType.DatabaseDnsAttachment,
  ComponentType.DatabaseDnsRecord,
  ComponentType.CvmPool,
];

/** The stack of `region` (or `global`) that holds resources of `type`. */
function stackOf(region: string, type: string): string {
  if (region === GLOBAL_STACK) return region;
  const cloud =
    type.startsWith("tencentcloud:") ||
    type.startsWith("random:") ||
    type === ResourceType.TencentProvider ||
    INFRA_COMPONENTS.includes(type);
  return cloud ? infraStackName(region) : region;
}

/**
 * `[type, count]` pairs as changes of one region (or `global`) and action, zero counts dropped;
 * each lands in the region's infra or TARS stack by its type.
 */
function entries(
  region: string,
  action: DiffAction,
  reason: string,
  counts: readonly TypeCount[],
  replaced = false,
): ExpectedChange[] {
  return counts
    .filter(([, count]) => count > 0)
    .map(([type, count]) => ({
      stack: stackOf(region, type),
      action,
      type,
      count,
      reason,
      ...(replaced ? { replaced } : {}),
    }));
}

/**
 * What new IDC group rules change (`fleet/k8s/idc-groups.ts`): in the home stack the rules'
 * ConfigMap and the group Job, replaced so that it runs again (its name is the rules' hash); in
 * every region, the registry of each cluster that was there before, restarted to read them.
 */
function idcGroupChanges(after: FleetSpec, newClusters: readonly string[]): ExpectedChange[] {
  const home = after.homeRegion;
  return [
    ...entries(home, DiffAction.Changed, "the IDC group rules' ConfigMap shows the new rules", [
      [ResourceType.ConfigMap, 1],
    ]),
    ...entries(
      home,
      DiffAction.Changed,
      "the IDC group Job writes the new rules: a new Job, named after their hash",
      [[ResourceType.Job, 1]],
      true,
    ),
    ...after.regions.flatMap((r) =>
      entries(r.name, DiffAction.Changed, "registries restart to read the new IDC group rules", [
        [ResourceType.Deployment, r.clusters.filter((c) => !newClusters.includes(c.name)).length],
      ]),
    ),
  ];
}

/**
 * Per server: a TarsSetDeployment, its `_server_meta.yaml` ConfigMap, Deployment, PDB and
 * NetworkPolicy.
 */
function setObjects(servers: number): TypeCount[] {
  return [
    [ResourceType.SetDeployment, servers],
    [ResourceType.ConfigMap, servers],
    [ResourceType.Deployment, servers],
    [ResourceType.Pdb, servers],
    [ResourceType.NetworkPolicy, servers],
  ];
}

/** The NetworkPolicies TarsFramework gives every cluster (`fleet/k8s/network-policies.ts`). */
const CLUSTER_NETWORK_POLICIES = 5;

/** The Set Deployments (and so Set NetworkPolicies) running in `cluster`. */
function setWorkloadsIn(fleet: FleetSpec, cluster: string): number {
  return placeWorkloads(fleet).filter((w) => w.cluster === cluster).length;
}

/**
 * A cluster's NetworkPolicies that list the fleet's address spaces (other clusters come by
 * address): the registry's, the framework's and the servers' egress, every Set's, the region's
 * base services' where they run, and in the home cluster the framework services' and the
 * in-cluster database's.
 */
function addressPolicies(fleet: FleetSpec, cluster: string): number {
  const home = cluster === homeClusterName(fleet);
  return (
    3 +
    setWorkloadsIn(fleet, cluster) +
    regionalServicesIn(fleet, cluster).length +
    (home ? homeFrameworkServices(fleet).length : 0) +
    (home && fleet.tars.db.mode === DbMode.InCluster ? 1 : 0)
  );
}

/**
 * A cluster's NetworkPolicies that leave out its own pod addresses (its pods are admitted by
 * selector): the servers' egress, every Set's, and the in-cluster database's.
 */
function ownPodPolicies(fleet: FleetSpec, cluster: string): number {
  const home = cluster === homeClusterName(fleet);
  return (
    1 + setWorkloadsIn(fleet, cluster) + (home && fleet.tars.db.mode === DbMode.InCluster ? 1 : 0)
  );
}

/** Whether pod addresses in `ranges` lie in `tars.web.allowedCidrs`: tarsweb refuses them there. */
function inWebAllowList(fleet: FleetSpec, ranges: readonly string[]): boolean {
  const parse = (c: string) => {
    const p = parseCidr(c);
    if (!p.ok) throw new Error(`bad CIDR ${c}`);
    return p.cidr;
  };
  return ranges.some((r) =>
    fleet.tars.webAllowedCidrs.some((a) => cidrsOverlap(parse(a), parse(r))),
  );
}

/**
 * A cluster's own resources: TkeCluster (the cluster, its node pools, the intranet endpoint) and
 * the registry's internal CLB in the infra stack; ClusterConnection (the Kubernetes provider, the
 * two namespaces) and TarsFramework (the DB Secret, the registry Deployment, Service and PDB, and
 * the LoadBalancer Service bound to the CLB) in the TARS stack.
 */
function clusterObjects(cluster: ClusterSpec): TypeCount[] {
  return [
    [ResourceType.TkeCluster, 1],
    [ResourceType.Cluster, 1],
    [ResourceType.NodePool, cluster.nodePools.length],
    [ResourceType.Endpoint, 1],
    [ResourceType.ClusterConnection, 1],
    [ResourceType.KubernetesProvider, 1],
    [ResourceType.Namespace, 2],
    [ResourceType.TarsFramework, 1],
    [ResourceType.Secret, 1],
    // The database's address, `tars-db-config` (fleet/k8s/db-config.ts).
    [ResourceType.ConfigMap, 1],
    [ResourceType.Deployment, 1],
    [ResourceType.Service, 2],
    [ResourceType.Pdb, 1],
    [ResourceType.Clb, 1],
    [ResourceType.NetworkPolicy, CLUSTER_NETWORK_POLICIES],
  ];
}

/**
 * The region's base services in the cluster that runs them: tarsconfig, tarsstat and tarsproperty
 * (meta ConfigMap, NetworkPolicy, Deployment, PDB each) and tarslog (meta ConfigMap,
 * NetworkPolicy, StatefulSet); nothing elsewhere.
 */
function baseServiceObjects(fleet: FleetSpec, cluster: string): TypeCount[] {
  const services = regionalServicesIn(fleet, cluster);
  const deployed = services.filter((s) => s.logVolume === undefined).length;
  return services.length === 0
    ? []
    : [
        [ResourceType.ConfigMap, services.length],
        [ResourceType.NetworkPolicy, services.length],
        [ResourceType.Deployment, deployed],
        [ResourceType.Pdb, deployed],
        [ResourceType.StatefulSet, services.length - deployed],
      ];
}

const regionOfCluster = (fleet: FleetSpec, cluster: string) => clusterByName(fleet, cluster).region;
const isVpcCni = (c: ClusterSpec) => c.networkType === NetworkType.VpcCni;

/** Failing a Set over (`back` false) or back: its Deployments move, nothing else. */
function moveSet(fleet: FleetSpec, setId: string, back: boolean): MinimalChange {
  const set = fleet.sets.find((s) => s.id === setId);
  if (set?.standby === undefined) throw new Error(`Set ${setId} has no standby`);
  const servers = fleet.servers.filter((s) => s.replicas.some((r) => r.set === setId)).length;
  const [from, to] = back ? [set.standby, set.cluster] : [set.cluster, set.standby];
  const [fromStack, toStack] = [regionOfCluster(fleet, from), regionOfCluster(fleet, to)];
  const leave = `the Set's ${servers} server(s) leave ${from}`;
  const arrive = `the Set's ${servers} server(s) start in ${to}`;
  const ownCluster = back ? to : from;
  if (!set.warmStandby) {
    return {
      changes: [
        ...entries(fromStack, DiffAction.Removed, leave, setObjects(servers)),
        ...entries(toStack, DiffAction.Added, arrive, setObjects(servers)),
      ],
      notes: [],
    };
  }
  // The warm copy and the active copy are the same objects in the standby cluster.
  const standbyStack = regionOfCluster(fleet, set.standby);
  const ownStack = regionOfCluster(fleet, ownCluster);
  const warm = back
    ? `the warm copies in ${set.standby} go back to 1 replica, no traffic, warm-standby role`
    : `the warm copies in ${set.standby} scale up and take traffic (replicas, env, role)`;
  return {
    changes: [
      ...entries(
        ownStack,
        back ? DiffAction.Added : DiffAction.Removed,
        back ? arrive : leave,
        setObjects(servers),
      ),
      ...entries(standbyStack, DiffAction.Changed, warm, [[ResourceType.Deployment, servers]]),
    ],
    notes: ["the standby's ConfigMaps and PDBs do not depend on the role: they stay"],
  };
}

function scaleReplicas(fleet: FleetSpec, setId: string): MinimalChange {
  const set = fleet.sets.find((s) => s.id === setId);
  if (set === undefined) throw new Error(`no Set ${setId}`);
  const active = set.failedOver && set.standby !== undefined ? set.standby : set.cluster;
  return {
    changes: entries(
      regionOfCluster(fleet, active),
      DiffAction.Changed,
      `spec.replicas in ${active}`,
      [[ResourceType.Deployment, 1]],
    ),
    notes: ["the PDB allows one pod down whatever the replicas: it stays"],
  };
}

/**
 * The standby web's NetworkPolicy in the database's standby region (`TarsStandbyWeb`), which
 * admits what tarsweb's does, and, when it has a CLB (its region's first cluster is created), the
 * CLB's rules and, with `service`, the Service's `loadBalancerSourceRanges`, as tarsweb's; none
 * without a standby.
 */
function standbyWebPolicy(after: FleetSpec, reason: string, service = false): ExpectedChange[] {
  const standby = databaseReplicaRegion(after);
  if (standby === undefined) return [];
  const clb = regionSlice(after, standby).loadBalancers.web;
  return entries(standby, DiffAction.Changed, reason, [
    [ResourceType.NetworkPolicy, 1],
    ...(clb ? ([[ResourceType.SecurityGroupRules, 1]] as TypeCount[]) : []),
    ...(clb && service ? ([[ResourceType.Service, 1]] as TypeCount[]) : []),
  ]);
}

/**
 * The standby web's CLB rules and Service when new node subnets join the fleet, as tarsweb's;
 * none without a standby web CLB.
 */
function standbyWebClb(after: FleetSpec, reason: string): ExpectedChange[] {
  const standby = databaseReplicaRegion(after);
  if (standby === undefined || !regionSlice(after, standby).loadBalancers.web) return [];
  return entries(standby, DiffAction.Changed, reason, [
    [ResourceType.SecurityGroupRules, 1],
    [ResourceType.Service, 1],
  ]);
}

function addZone(after: FleetSpec, regionName: string, zone: string): MinimalChange {
  const region = regionByName(after, regionName);
  const vpcCni = region.clusters.filter(isVpcCni).length;
  const ownPods = region.clusters
    .filter(isVpcCni)
    .reduce((n, c) => n + ownPodPolicies(after, c.name), 0);
  return {
    changes: [
      ...entries(
        after.homeRegion,
        DiffAction.Changed,
        "tarsweb admits the new node subnet (CLB rules, loadBalancerSourceRanges, its policy)",
        [
          [ResourceType.SecurityGroupRules, 1],
          [ResourceType.Service, 1],
          [ResourceType.NetworkPolicy, 1],
        ],
      ),
      ...standbyWebPolicy(
        after,
        "the standby web admits the new node subnet, as tarsweb does (CLB rules, loadBalancerSourceRanges, its policy)",
        true,
      ),
      ...entries(
        regionName,
        DiffAction.Changed,
        "policies that leave out their cluster's own pods gain its new pod subnet",
        [[ResourceType.NetworkPolicy, ownPods]],
      ),
      ...entries(regionName, DiffAction.Added, `node subnet of ${zone}`, [
        [ResourceType.Subnet, 1],
      ]),
      ...entries(regionName, DiffAction.Added, `pod subnet of ${zone} per VPC-CNI cluster`, [
        [ResourceType.Subnet, vpcCni],
      ]),
      ...entries(regionName, DiffAction.Changed, "eniSubnetIds gains the pod subnet (in place)", [
        [ResourceType.Cluster, vpcCni],
      ]),
      ...idcGroupChanges(after, []),
    ],
    notes: ["node pools keep the subnets they were created with (subnetIds is ignoreChanges)"],
  };
}

function addCluster(after: FleetSpec, regionName: string, clusterName: string): MinimalChange {
  const region = regionByName(after, regionName);
  const cluster = clusterByName(after, clusterName);
  const podSubnets = isVpcCni(cluster) ? region.zones.length : 0;
  const cvm = region.cvmPools.length > 0;
  const webLearns = inWebAllowList(after, clusterPodRanges(after, clusterName));
  return {
    changes: [
      ...(webLearns
        ? entries(
            after.homeRegion,
            DiffAction.Changed,
            "tarsweb refuses the new cluster's pods inside web.allowedCidrs (CLB rules, its policy)",
            [
              [ResourceType.SecurityGroupRules, 1],
              [ResourceType.NetworkPolicy, 1],
            ],
          )
        : []),
      ...(webLearns
        ? standbyWebPolicy(after, "the standby web refuses the new cluster's pods, as tarsweb does")
        : []),
      ...entries(
        regionName,
        DiffAction.Added,
        `the cluster ${clusterName} and its registry`,
        clusterObjects(cluster),
      ),
      ...entries(regionName, DiffAction.Added, `its pod subnet in each zone`, [
        [ResourceType.Subnet, podSubnets],
      ]),
      ...idcGroupChanges(after, [clusterName]),
    ],
    notes: cvm
      ? ["CVM user data gains the new registry but runs at first boot only (ignoreChanges)"]
      : [],
  };
}

/**
 * The new region's stacks, component by component: its infra stack (network, clusters, CLBs) and
 * its TARS stack (providers, framework, base services); the edit puts no Set and no CVM pool there.
 */
function newRegionStack(after: FleetSpec, regionName: string): ExpectedChange[] {
  const region = regionByName(after, regionName);
  const zones = region.zones.length;
  const network: TypeCount[] = [
    [ResourceType.TencentProvider, 1],
    [ResourceType.RegionNetwork, 1],
    [ResourceType.Vpc, 1],
    [ResourceType.Subnet, zones * (1 + region.clusters.filter(isVpcCni).length)],
    [ResourceType.SecurityGroup, 2],
    [ResourceType.SecurityGroupRules, 2],
    [ResourceType.CcnAttachment, 1],
    [ResourceType.TarsLoadBalancers, 1],
    // With TencentDB, the VPC joins the database's DNS zone (fleet/network/database-dns.ts).
    [ResourceType.DatabaseDnsAttachment, databaseDns(after) === undefined ? 0 : 1],
    [ResourceType.DnsAttachment, databaseDns(after) === undefined ? 0 : 1],
  ];
  return [
    ...entries(
      regionName,
      DiffAction.Added,
      "the region's VPC, subnets, node and API endpoint security groups and CCN attachment",
      network,
    ),
    ...region.clusters.flatMap((c) => [
      ...entries(
        regionName,
        DiffAction.Added,
        `the cluster ${c.name} and its registry`,
        clusterObjects(c),
      ),
      ...entries(
        regionName,
        DiffAction.Added,
        `the region's base services in ${c.name}`,
        baseServiceObjects(after, c.name),
      ),
    ]),
  ];
}

function addRegion(after: FleetSpec, regionName: string): MinimalChange {
  const region = regionByName(after, regionName);
  const others = after.regions.filter((r) => r.name !== regionName);
  const open = `TARS ports open to ${region.vpcCidr}`;
  const home = after.homeRegion;
  const standby = databaseReplicaRegion(after);
  // Home's tarsweb policy; the standby region's standby web and query services (TarsStandbyWeb).
  const policies = (r: (typeof others)[number]) =>
    r.clusters.reduce((n, c) => n + addressPolicies(after, c.name), 0) +
    (r.name === home ? 1 : 0) +
    (r.name === standby ? 3 : 0);
  return {
    changes: [
      ...newRegionStack(after, regionName),
      ...entries(GLOBAL_STACK, DiffAction.Added, "a CCN bandwidth limit to each existing region", [
        [ResourceType.CcnBandwidthLimit, others.length],
      ]),
      ...others.flatMap((r) =>
        entries(r.name, DiffAction.Changed, `nodes and API endpoint groups: ${open}`, [
          [ResourceType.SecurityGroupRules, 2],
        ]),
      ),
      // Every policy that names the fleet's address spaces, and tarsweb's (new node subnets).
      ...others.flatMap((r) =>
        entries(r.name, DiffAction.Changed, `NetworkPolicies admit ${region.vpcCidr}`, [
          [ResourceType.NetworkPolicy, policies(r)],
        ]),
      ),
      ...entries(
        home,
        DiffAction.Changed,
        `tarsweb reachable from the new node subnets (CLB rules, loadBalancerSourceRanges)`,
        [
          [ResourceType.SecurityGroupRules, 1],
          [ResourceType.Service, 1],
        ],
      ),
      ...standbyWebClb(
        after,
        "the standby tarsweb reachable from the new node subnets (CLB rules, loadBalancerSourceRanges)",
      ),
      // Home's database group, and the standby region's (its DR replica's), if any.
      ...[home, ...(standby === undefined ? [] : [standby])].flatMap((r) =>
        entries(r, DiffAction.Changed, `database security group: MySQL open to ${region.vpcCidr}`, [
          [ResourceType.SecurityGroupRules, 1],
        ]),
      ),
      ...idcGroupChanges(
        after,
        region.clusters.map((c) => c.name),
      ),
    ],
    notes: ["existing bandwidth limits, subnets, clusters and Set Deployments stay as they are"],
  };
}

function addCvmNode(before: FleetSpec, subject: Extract<Subject, { kind: "cvm" }>): MinimalChange {
  const machine = entries(subject.region, DiffAction.Added, `one machine in ${subject.pool}`, [
    [ResourceType.Instance, 1],
  ]);
  if (!subject.newPool) return { changes: machine, notes: ["the other machines stay"] };
  const firstPool = !before.regions.some((r) => r.cvmPools.length > 0);
  return {
    changes: [
      ...machine,
      ...entries(subject.region, DiffAction.Added, `the pool ${subject.pool}`, [
        [ResourceType.CvmPool, 1],
      ]),
      // framework.ts: tarsnode is managed through tarsAdminRegistry and tarspatch.
      ...(firstPool
        ? entries(
            before.homeRegion,
            DiffAction.Added,
            "the fleet's first CVM pool: tarsAdminRegistry and tarspatch (tarscli objects each)",
            [
              [ResourceType.ConfigMap, 2],
              [ResourceType.Deployment, 2],
              [ResourceType.Pdb, 2],
              [ResourceType.NetworkPolicy, 2],
            ],
          )
        : []),
    ],
    notes: [],
  };
}

/** The minimal change of an operation, from the fleets before (`base`) and after (`head`) it. */
export function minimalChange(
  edit: OperationEdit,
  before: FleetSpec,
  after: FleetSpec,
): MinimalChange {
  const subject = edit.subject;
  switch (subject.kind) {
    case "set":
      return moveSet(before, subject.set, edit.operation === Operation.Failback);
    case "replicas":
      return scaleReplicas(before, subject.set);
    case "zone":
      return addZone(after, subject.region, subject.zone);
    case "cluster":
      return addCluster(after, subject.region, subject.cluster);
    case "region":
      return addRegion(after, subject.region);
    case "cvm":
      return addCvmNode(before, subject);
  }
}
