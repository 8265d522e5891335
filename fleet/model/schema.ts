/**
 * The fleet file's shape: types, required fields, enums, ranges and defaults.
 *
 * Only structure lives here. Formats, references between fields and fleet-wide rules (Set ids,
 * CIDR overlap, pinned images, ...) are checked by `validate.ts` on the raw document, so that a
 * file with both kinds of problem gets every one reported in a single run. Patterns given with
 * `.meta()` only document the format for editors through the generated JSON Schema.
 *
 * Compatibility: the names are binding (DESIGN.md). New fields must be optional with a default so
 * that every file written to this format stays valid.
 */
import { z } from "zod";
import { NetworkType } from "../network/carve";

/** Where the framework database runs. */
export const DbMode = { TencentDb: "tencentdb", InCluster: "in-cluster" } as const;
/** One of {@link DbMode}. */
export type DbMode = (typeof DbMode)[keyof typeof DbMode];

/**
 * Where a region's network comes from: `created` by its `<region>-infra` stack, or `existing`
 * (a VPC this fleet does not manage, whose clusters all exist too; the region then has no infra
 * stack).
 */
export const NetworkSource = { Created: "created", Existing: "existing" } as const;
/** One of {@link NetworkSource}. */
export type NetworkSource = (typeof NetworkSource)[keyof typeof NetworkSource];

/** Inclusive whole-number range with a message that states both bounds and the value. */
function intRange(min: number, max: number) {
  const message = (input: unknown) =>
    `must be a whole number from ${min} to ${max}, got ${String(input)}`;
  return z
    .number()
    .int({ error: (iss) => message(iss.input) })
    .min(min, { error: (iss) => message(iss.input) })
    .max(max, { error: (iss) => message(iss.input) });
}

const text = (description: string, pattern?: string) =>
  z.string().meta(pattern === undefined ? { description } : { description, pattern });

const cidrText = (description: string) =>
  z.string().meta({
    description,
    pattern: "^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$",
    examples: ["10.10.0.0/16"],
  });

const passwordGeneration = intRange(1, 1000000).optional().meta({
  description:
    "rotates the framework user's generated password: raise it by one to get a new password (README: Rotating the database credentials); absent is the first",
});

const TencentDbSchema = z.strictObject({
  mode: z.literal(DbMode.TencentDb),
  engineVersion: z
    .union([z.string(), z.number()])
    .default("5.7")
    .meta({ description: 'MySQL version; TARS needs "5.7" (MySQL 8 defaults break it)' }),
  memoryMb: intRange(1000, 488000).default(4000).meta({ description: "instance memory, MB" }),
  storageGb: intRange(25, 6000).default(200).meta({ description: "disk size, GB" }),
  passwordGeneration,
  standbyRegion: text(
    "region holding a cross-region disaster-recovery replica of the database, and tarsweb and the query services at 0 replicas (README: Losing the home region); absent: the home region is a single point of failure",
  ).optional(),
  servingRegion: text(
    "the region whose instance is the database's master: the home region, or the standby region once `tarsfed failover --region <home>` has promoted its replica; absent is the home region",
  ).optional(),
  clientImage: text(
    "image whose mysql client (with bash) the database, IDC-groups and region-recovery Jobs run, pinned; mirror it into a registry every cluster can pull from (the standby region's cluster pulls it first during a failover)",
  ).default("mysql:5.7.44"),
  dnsZone: text(
    "Private DNS zone (a domain under a standard top-level domain such as com) holding the database's record db.<zone>, attached to every fleet VPC; every framework client connects to that name; absent is tarsfed-<fleet name>.com",
  ).optional(),
});

const InClusterDbSchema = z.strictObject({
  mode: z.literal(DbMode.InCluster),
  storageGb: intRange(10, 32000).default(50).meta({ description: "volume size, GB" }),
  storageClass: text("Kubernetes StorageClass of the volume").default("cbs"),
  image: text("MySQL 5.7 image, pinned").default("mysql:5.7.44"),
  passwordGeneration,
});

const DbSchema = z
  .discriminatedUnion("mode", [TencentDbSchema, InClusterDbSchema])
  .meta({ description: "framework database (db_tars and friends), hosted in the home region" });

const TarsSchema = z.strictObject({
  imageRegistry: text("registry and namespace of the base-service images").default(
    "ccr.ccs.tencentyun.com/tarsbase",
  ),
  version: text("base-service image tag").default("v1.1.3"),
  frameworkImage: text(
    "tarscloud/framework image: the framework's SQL files and a MySQL client, for the schema Job",
  ).default("tarscloud/framework:v2.4.3"),
  images: z
    .strictObject({
      tarsweb: text(
        "tarsweb image, pinned; default <imageRegistry>/tarsweb:v1.1.0, the tag K8STARS pins",
      ).optional(),
      tarsAdminRegistry: text(
        "tarsAdminRegistry image (tarscli-supervised), pinned; required with CVM pools: nobody publishes one",
      ).optional(),
      tarspatch: text(
        "tarspatch image (tarscli-supervised), pinned; required with CVM pools: nobody publishes one",
      ).optional(),
    })
    .default({})
    .meta({ description: "framework images that tars.imageRegistry and tars.version do not name" }),
  tarsnodePackageSha256: text(
    "sha256 of tarsnode.tgz (sha256sum tarsnode.tgz); CVM pools unpack nothing else; a pool may name its own",
    "^[0-9a-fA-F]{64}$",
  ).optional(),
  prestopWaitSeconds: intRange(0, 600).default(80).meta({
    description: "TARS_PRESTOP_WAITTIME: seconds a pod stays deregistered before it stops",
  }),
  db: DbSchema.default({
    mode: "tencentdb",
    engineVersion: "5.7",
    memoryMb: 4000,
    storageGb: 200,
    clientImage: "mysql:5.7.44",
  }),
  registry: z
    .strictObject({ replicas: intRange(1, 20).default(2).meta({ description: "per cluster" }) })
    .default({ replicas: 2 }),
  log: z
    .strictObject({
      storageGb: intRange(10, 32000)
        .default(100)
        .meta({ description: "size of tarslog's volume in each region, GB" }),
      storageClass: text(
        "Kubernetes StorageClass of tarslog's volume; TKE clusters have `cbs` (CBS cloud disks)",
      ).default("cbs"),
      retentionDays: intRange(1, 3650)
        .default(30)
        .meta({ description: "days tarslog's files are kept; older files are deleted hourly" }),
    })
    .default({ storageGb: 100, storageClass: "cbs", retentionDays: 30 })
    .meta({ description: "tarslog, the remote log service of every region" }),
  packages: z
    .strictObject({
      storageGb: intRange(10, 32000)
        .default(10)
        .meta({ description: "size of the package store, GB (a CFS file system grows as needed)" }),
      storageClass: text(
        "Kubernetes StorageClass of the package store, used as is; it must allow ReadWriteMany " +
          "(a CFS class). Unset: the home TARS stack creates the CFS class `tars-packages-cfs` in " +
          "the home cluster's VPC and subnet, which needs TKE's CFS add-on installed first; an " +
          "existing home cluster must name its class",
      ).optional(),
    })
    .default({ storageGb: 10 })
    .meta({
      description:
        "the volume tarsweb uploads server packages to and tarspatch serves them from to CVM nodes; only with CVM pools",
    }),
  web: z
    .strictObject({
      replicas: intRange(1, 10).default(1),
      allowedCidrs: z
        .array(cidrText("network allowed to reach tarsweb"))
        .default([])
        .meta({ description: "who may reach tarsweb besides the fleet's own VPCs" }),
    })
    .default({ replicas: 1, allowedCidrs: [] }),
});

const BandwidthSchema = z.strictObject({
  regions: z.array(text("fleet region name")).meta({ description: "the two regions of the pair" }),
  mbps: intRange(1, 100000),
});

const NetworkSchema = z.strictObject({
  defaultBandwidthMbps: intRange(1, 100000)
    .default(100)
    .meta({ description: "CCN limit for every region pair not listed in bandwidth" }),
  bandwidth: z.array(BandwidthSchema).default([]),
});

/**
 * The OS of a node pool's machines unless the pool names one: TencentOS Server 3.1 (TK4).
 *
 * `node_os` of `tencentcloud_kubernetes_node_pool` takes a public image's OS name or a custom
 * image id, and defaults to `tlinux2.4x86_64` (TencentOS Server 2.4, CentOS 7 based); the
 * provider's own examples pass `tlinux3.1x86_64` as a TKE OS name, and TKE lists it as
 * "TencentOS Server 3.1 (TK4)", the release it recommends. It applies to new nodes only.
 * @see https://github.com/tencentcloudstack/terraform-provider-tencentcloud/blob/f6970a90038400958503a0edab62c6c463baa7b0/website/docs/r/kubernetes_node_pool.html.markdown (`node_os`)
 * @see https://github.com/tencentcloudstack/terraform-provider-tencentcloud/blob/f6970a90038400958503a0edab62c6c463baa7b0/website/docs/r/kubernetes_cluster.html.markdown (`cluster_os = "tlinux3.1x86_64"`)
 * @see https://www.tencentcloud.com/document/product/457/46750 (public images supported by TKE)
 */
export const DEFAULT_NODE_OS = "tlinux3.1x86_64";

const NodePoolSchema = z.strictObject({
  instanceType: text("CVM instance type, e.g. SA5.2XLARGE16"),
  minSize: intRange(0, 2000),
  maxSize: intRange(1, 2000),
  desiredSize: intRange(0, 2000),
  systemDiskSizeGiB: intRange(50, 2048).default(100),
  nodeOs: text(
    "OS of new nodes: a TKE public image OS name (tlinux3.1x86_64 is TencentOS Server 3.1) or a custom image id",
  ).default(DEFAULT_NODE_OS),
});

const KubeconfigSchema = z
  .strictObject({
    secretConfig: text(
      "key of a secret in the region's stack config holding the kubeconfig: <key> or tars-federation:<key>",
      "^(tars-federation:)?[A-Za-z][A-Za-z0-9_-]*$",
    ).optional(),
    file: text("path of a kubeconfig file, relative to the fleet file").optional(),
  })
  .meta({
    description:
      "where the region's stack reads the cluster's kubeconfig (its current context): give secretConfig or file",
  });

const CapacitySchema = z
  .strictObject({
    cpu: z
      .union([z.string(), z.number()])
      .optional()
      .meta({ description: "CPU the cluster can schedule for this fleet, e.g. 32 or 31500m" }),
    memory: text("memory the cluster can schedule for this fleet, e.g. 120Gi").optional(),
    instanceType: text("the nodes' CVM instance type, e.g. SA5.2XLARGE16").optional(),
    nodes: intRange(1, 5000).optional().meta({ description: "how many nodes of instanceType" }),
  })
  .meta({
    description:
      "what the cluster can schedule, for the capacity maths: cpu and memory, or instanceType and nodes",
  });

const ExistingClusterSchema = z
  .strictObject({ kubeconfig: KubeconfigSchema, capacity: CapacitySchema })
  .meta({
    description:
      "a cluster this fleet uses as it is instead of creating it: no node pools, no load balancers",
  });

const ClusterSchema = z.strictObject({
  kubernetesVersion: text("TKE Kubernetes version, quoted", "^\\d+\\.\\d+\\.\\d+$"),
  networkType: z
    .enum([NetworkType.VpcCni, NetworkType.GlobalRouter])
    .default(NetworkType.VpcCni)
    .meta({ description: "VPC-CNI: pod IPs routable across regions; GR needs podCidr" }),
  serviceCidr: cidrText("Kubernetes service CIDR, disjoint from every fleet CIDR"),
  podCidr: cidrText("GR only: container CIDR, disjoint from every fleet CIDR").optional(),
  nodePools: z.record(z.string(), NodePoolSchema).optional().meta({
    description: "the node pools of a cluster this fleet creates; none for an existing one",
  }),
  existing: ExistingClusterSchema.optional(),
});

const CvmPoolSchema = z.strictObject({
  count: intRange(0, 500),
  instanceType: text("CVM instance type, e.g. S5.LARGE8"),
  imageId: text("CVM image id", "^img-[a-z0-9]{8}$"),
  zone: text("zone of the machines").optional(),
  zones: z
    .array(text("zone"))
    .optional()
    .meta({ description: "spread the machines over these zones" }),
  systemDiskSizeGiB: intRange(20, 1024).default(50),
  tarsnodePackageUrl: text(
    "https URL of tarsnode.tgz, e.g. a COS object on the region's intranet endpoint; default http://<home tarsweb>:3000/files/tarsnode.tgz",
  ).optional(),
  tarsnodePackageSha256: text(
    "sha256 of this pool's tarsnode.tgz (sha256sum tarsnode.tgz); default tars.tarsnodePackageSha256",
    "^[0-9a-fA-F]{64}$",
  ).optional(),
});

const RegionSchema = z.strictObject({
  tencentRegion: text("Tencent Cloud region, e.g. ap-guangzhou", "^[a-z]{2}-[a-z]+$"),
  vpcCidr: cidrText("the region's VPC, /12 to /18"),
  network: z
    .enum([NetworkSource.Created, NetworkSource.Existing])
    .default(NetworkSource.Created)
    .meta({
      description:
        "created: the region's infra stack creates the VPC; existing: a VPC of clusters that all exist, no infra stack",
    }),
  zones: z.array(text("availability zone, e.g. ap-guangzhou-3")).optional().meta({
    description:
      "the availability zones subnets are carved for; required unless network is existing",
  }),
  primaryZone: text(
    "zone of the single-zone resources (framework database, load balancers, API endpoints); default: the lowest-numbered zone",
  ).optional(),
  clusters: z.record(z.string(), ClusterSchema).default({}),
  cvm: z.record(z.string(), CvmPoolSchema).default({}),
});

const SetSchema = z.strictObject({
  cluster: text("cluster the Set runs in"),
  standby: text("cluster the Set fails over to").optional(),
  warmStandby: z
    .boolean()
    .default(false)
    .meta({ description: "keep one no-traffic replica per server in the standby cluster" }),
  failedOver: z
    .boolean()
    .default(false)
    .meta({ description: "run the Set in its standby cluster" }),
});

const ServantSchema = z.strictObject({ port: intRange(1, 65535) });

const ResourcesSchema = z.strictObject({
  cpu: z
    .union([z.string(), z.number()])
    .default("250m")
    .meta({ description: "CPU request and limit" }),
  memory: text("memory request and limit").default("256Mi"),
});

const ServerSchema = z.strictObject({
  image: text("container image with a tag or digest, never latest"),
  servants: z.record(z.string(), ServantSchema),
  resources: ResourcesSchema.default({ cpu: "250m", memory: "256Mi" }),
  replicas: z.record(z.string(), intRange(1, 1000)).meta({ description: "replicas per Set id" }),
});

/** The whole fleet file. */
export const FleetFileSchema = z
  .strictObject({
    name: text("fleet name, a lowercase DNS label", "^[a-z]([-a-z0-9]*[a-z0-9])?$"),
    homeRegion: text("region hosting the framework database, tarsweb and tarsnotify"),
    tars: TarsSchema.default({
      imageRegistry: "ccr.ccs.tencentyun.com/tarsbase",
      version: "v1.1.3",
      frameworkImage: "tarscloud/framework:v2.4.3",
      images: {},
      prestopWaitSeconds: 80,
      db: {
        mode: "tencentdb",
        engineVersion: "5.7",
        memoryMb: 4000,
        storageGb: 200,
        clientImage: "mysql:5.7.44",
      },
      registry: { replicas: 2 },
      log: { storageGb: 100, storageClass: "cbs", retentionDays: 30 },
      packages: { storageGb: 10 },
      web: { replicas: 1, allowedCidrs: [] },
    }),
    network: NetworkSchema.default({ defaultBandwidthMbps: 100, bandwidth: [] }),
    regions: z.record(z.string(), RegionSchema),
    sets: z.record(z.string(), SetSchema).default({}),
    servers: z.record(z.string(), ServerSchema).default({}),
  })
  .meta({
    title: "TARS Federation fleet",
    description: "One TARS platform across Tencent Cloud regions",
  });

/** A fleet file after structural parsing, defaults applied. */
export type FleetFile = z.output<typeof FleetFileSchema>;

/** The JSON Schema editors use for `stacks/fleet.yaml` (generated; see `test/fleet/schema.test.ts`). */
export function fleetJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(FleetFileSchema, { io: "input" });
}

/** The JSON Schema as the text checked in at `stacks/fleet.schema.json`. */
export function fleetJsonSchemaText(): string {
  return `${JSON.stringify(fleetJsonSchema(), null, 2)}\n`;
}
