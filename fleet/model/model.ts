/**
 * The validated fleet: what every stack, component and command works from.
 *
 * Built by `load.ts` from a fleet file that passed validation, with every default applied.
 * Collections are lists in file order (order matters: cluster position fixes its subnets), each
 * element carrying its own key, so nothing downstream depends on object key order.
 */
import { type NetworkType } from "../network/carve";
import { type DbMode, type NetworkSource } from "./schema";

/** The whole platform. */
export interface FleetSpec {
  /** Fleet name, a lowercase DNS label; prefixes every cloud name. */
  readonly name: string;
  /** Region hosting the framework database, tarsweb and tarsnotify. */
  readonly homeRegion: string;
  readonly tars: TarsSpec;
  readonly network: NetworkSpec;
  readonly regions: readonly RegionSpec[];
  readonly sets: readonly SetSpec[];
  readonly servers: readonly ServerSpec[];
}

/** Shared TARS framework settings. */
export interface TarsSpec {
  /** Registry and namespace of the base-service images, e.g. `ccr.ccs.tencentyun.com/tarsbase`. */
  readonly imageRegistry: string;
  /** Base-service image tag, e.g. `v1.1.3`. */
  readonly version: string;
  /** Image with the framework's SQL files and a MySQL client; runs the schema Job. */
  readonly frameworkImage: string;
  /** Framework images that `imageRegistry` and `version` do not name. */
  readonly images: FrameworkImages;
  /** `TARS_PRESTOP_WAITTIME`: seconds a deregistered pod keeps serving before it stops. */
  readonly prestopWaitSeconds: number;
  readonly db: DbSpec;
  /** Registry replicas in every cluster. */
  readonly registryReplicas: number;
  /** tarslog's volume and how long it keeps files (`tars.log`). */
  readonly log: LogSpec;
  /** The package store tarsweb and tarspatch share (`tars.packages`); used only with CVM pools. */
  readonly packages: PackageStoreSpec;
  readonly webReplicas: number;
  /** Networks allowed to reach tarsweb besides the fleet's own VPCs. */
  readonly webAllowedCidrs: readonly string[];
}

/** tarslog's volume in each region (`tars.log`). */
export interface LogSpec {
  /** Size of the volume, GiB (rendered as `<n>Gi`). */
  readonly storageGb: number;
  /** Kubernetes StorageClass of the volume, e.g. TKE's `cbs`. */
  readonly storageClass: string;
  /** Days a file is kept after its last write; older files are deleted. */
  readonly retentionDays: number;
}

/** The package store's volume in the home cluster (`tars.packages`). */
export interface PackageStoreSpec {
  /** Size of the volume, GiB (rendered as `<n>Gi`). */
  readonly storageGb: number;
  /**
   * Kubernetes StorageClass of the volume; it must allow ReadWriteMany (CFS).
   *
   * @default - the home TARS stack creates the class `PACKAGE_STORE_CLASS` (`fleet/k8s/base-services.ts`)
   */
  readonly storageClass?: string;
}

/**
 * Framework images named in full (`tars.images`).
 *
 * K8STARS publishes tarsweb at its own tag, and no tarsAdminRegistry or tarspatch image at all;
 * the fleet names those two when it needs them (CVM pools).
 */
export interface FrameworkImages {
  /** tarsweb's image; defaults to `<imageRegistry>/tarsweb:<the tag K8STARS pins>`. */
  readonly tarsweb: string;
  /** tarsAdminRegistry's image, when the fleet names one. */
  readonly tarsAdminRegistry?: string;
  /** tarspatch's image, when the fleet names one. */
  readonly tarspatch?: string;
}

/** The framework database. */
export type DbSpec =
  | {
      readonly mode: typeof DbMode.TencentDb;
      /** Always `5.7`: MySQL 8 defaults (caching_sha2, forced SSL) break TARS. */
      readonly engineVersion: string;
      readonly memoryMb: number;
      readonly storageGb: number;
      /**
       * Raising it replaces the framework user's generated password (a keeper of its
       * `RandomPassword`). Absent is the first generation, with no keeper, so deployments from
       * before the field keep their password.
       */
      readonly passwordGeneration?: number;
      /**
       * The region of the cross-region disaster-recovery replica, with tarsweb and the query
       * services at 0 replicas.
       *
       * @default - none: the home region is a single point of failure
       */
      readonly standbyRegion?: string;
      /**
       * The region whose instance is the master: the home region, or the standby region after
       * `tarsfed failover --region <home>` promoted its replica. The database's DNS record, the
       * web's replicas and the framework pods' roll follow it.
       */
      readonly servingRegion: string;
      /**
       * The image whose `mysql` client (and bash) the database, IDC-groups and region-recovery
       * Jobs run (fleet/k8s/database.ts, `dbClientImage`); pinned.
       *
       * @default `mysql:5.7.44`
       */
      readonly clientImage: string;
      /**
       * The Private DNS zone holding the database's record (`db.<zone>`), attached to every fleet
       * VPC (fleet/network/database-dns.ts).
       *
       * @default `tarsfed-<fleet name>.com`
       */
      readonly dnsZone: string;
    }
  | {
      readonly mode: typeof DbMode.InCluster;
      readonly storageGb: number;
      readonly storageClass: string;
      readonly image: string;
      /**
       * Raising it replaces the framework user's generated password (a keeper of its
       * `RandomPassword`). Absent is the first generation, with no keeper, so deployments from
       * before the field keep their password.
       */
      readonly passwordGeneration?: number;
    };

/** CCN bandwidth limits. */
export interface NetworkSpec {
  readonly defaultBandwidthMbps: number;
  /** Explicit limits for some region pairs; the pair's regions are sorted by name. */
  readonly bandwidth: readonly {
    readonly regions: readonly [string, string];
    readonly mbps: number;
  }[];
}

/** One region: a VPC, its clusters and CVM pools. */
export interface RegionSpec {
  /** Fleet name of the region; also its TARS stack's name (its infra stack is `<region>-infra`). */
  readonly name: string;
  /** Tencent Cloud region, e.g. `ap-guangzhou`. */
  readonly tencentRegion: string;
  readonly vpcCidr: string;
  /**
   * `created`: the region's infra stack creates its VPC, subnets and security groups;
   * `existing`: its clusters all exist, in a network this fleet does not manage (no infra stack).
   */
  readonly network: NetworkSource;
  /** Availability zones in file order, e.g. `ap-guangzhou-3`; empty for an existing network. */
  readonly zones: readonly string[];
  /**
   * Zone of the region's single-zone resources: the framework database, the internal load
   * balancers and the cluster API endpoints. One of `zones`.
   *
   * @default - the lowest-numbered zone (`primaryZone()` in `fleet/network/carve.ts`), never the first listed
   */
  readonly primaryZone?: string;
  readonly clusters: readonly ClusterSpec[];
  readonly cvmPools: readonly CvmPoolSpec[];
}

/** One TKE cluster. */
export interface ClusterSpec {
  /** Fleet-wide unique name, e.g. `gz1`. */
  readonly name: string;
  readonly region: string;
  readonly kubernetesVersion: string;
  readonly networkType: NetworkType;
  readonly serviceCidr: string;
  /** GR clusters only: the container CIDR. */
  readonly podCidr?: string;
  /** The node pools of a cluster this fleet creates; empty for an existing cluster. */
  readonly nodePools: readonly NodePoolSpec[];
  /**
   * How to reach a cluster this fleet does not create, and what it can hold.
   *
   * @default - the fleet creates the cluster (TKE) in its region's infra stack
   */
  readonly existing?: ExistingClusterSpec;
}

/** Where a stack reads an existing cluster's kubeconfig. */
export type KubeconfigSource =
  | {
      /** Key of a secret in the region's (TARS) stack config, as written (`tars-federation:` optional). */
      readonly secretConfig: string;
    }
  | {
      /** Path of a kubeconfig file, relative to the fleet file's directory, as written. */
      readonly file: string;
    };

/** What an existing cluster can schedule for this fleet, as the fleet file declares it. */
export type ExistingCapacitySpec =
  | {
      /** A Kubernetes CPU quantity, e.g. `32` or `31500m`. */
      readonly cpu: string;
      /** A Kubernetes memory quantity, e.g. `120Gi`. */
      readonly memory: string;
    }
  | {
      /** The nodes' CVM instance type: capacity is `nodes` × what one node schedules. */
      readonly instanceType: string;
      readonly nodes: number;
    };

/** A cluster the fleet uses as it is. */
export interface ExistingClusterSpec {
  readonly kubeconfig: KubeconfigSource;
  readonly capacity: ExistingCapacitySpec;
}

/** One node pool of a cluster. */
export interface NodePoolSpec {
  readonly name: string;
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  readonly systemDiskSizeGiB: number;
  /** `node_os`: a TKE public image OS name, e.g. `tlinux3.1x86_64`, or a custom image id. */
  readonly nodeOs: string;
}

/** CVM machines running tarsnode, outside Kubernetes. */
export interface CvmPoolSpec {
  readonly name: string;
  readonly region: string;
  readonly count: number;
  readonly instanceType: string;
  readonly imageId: string;
  /** Zones the machines are spread over, round-robin. */
  readonly zones: readonly string[];
  readonly systemDiskSizeGiB: number;
  /**
   * Where the machines download tarsnode: an https URL; unset: the home tarsweb's
   * `/files/tarsnode.tgz` over the VPC.
   */
  readonly tarsnodePackageUrl?: string;
  /**
   * sha256 of the package, 64 lowercase hex digits: the pool's own `tarsnodePackageSha256`, else
   * `tars.tarsnodePackageSha256`. The machines unpack no download with another digest.
   */
  readonly tarsnodePackageSha256: string;
}

/** A TARS Set and where it runs. */
export interface SetSpec {
  /** `setName.setArea.setGroup`, e.g. `app.gz.1`. */
  readonly id: string;
  readonly cluster: string;
  readonly standby?: string;
  readonly warmStandby: boolean;
  readonly failedOver: boolean;
}

/** A TARS server (`App.Server`) and its replicas per Set. */
export interface ServerSpec {
  /** `App.Server`, e.g. `TestApp.HelloServer`. */
  readonly id: string;
  readonly app: string;
  readonly server: string;
  readonly image: string;
  readonly servants: readonly { readonly name: string; readonly port: number }[];
  /** Requests and limits per pod, as Kubernetes quantities. */
  readonly resources: { readonly cpu: string; readonly memory: string };
  /** Replicas per Set id, in file order. */
  readonly replicas: readonly { readonly set: string; readonly count: number }[];
}

/** Looks up a region by name; throws when the validated model lacks it (a programmer error). */
export function regionByName(fleet: FleetSpec, name: string): RegionSpec {
  const region = fleet.regions.find((r) => r.name === name);
  if (region === undefined) throw new Error(`fleet ${fleet.name} has no region ${name}`);
  return region;
}

/** Whether the fleet creates the cluster (TKE), rather than using an existing one. */
export function isCreatedCluster(cluster: ClusterSpec): boolean {
  return cluster.existing === undefined;
}

/** Every cluster of the fleet, region by region, in file order. */
export function allClusters(fleet: FleetSpec): ClusterSpec[] {
  return fleet.regions.flatMap((r) => r.clusters);
}

/** Looks up a cluster by name; throws when the validated model lacks it. */
export function clusterByName(fleet: FleetSpec, name: string): ClusterSpec {
  const cluster = allClusters(fleet).find((c) => c.name === name);
  if (cluster === undefined) throw new Error(`fleet ${fleet.name} has no cluster ${name}`);
  return cluster;
}
