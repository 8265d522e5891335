/**
 * Turns a parsed, valid fleet file into the model: maps become ordered lists of named specs.
 */
import { defaultDatabaseDnsZone } from "../network/database-dns";
import { TARSWEB_TAG } from "../tars/framework";
import { type FleetFile } from "./schema";
import {
  type ClusterSpec,
  type CvmPoolSpec,
  type DbSpec,
  type ExistingClusterSpec,
  type FleetSpec,
  type RegionSpec,
} from "./model";

type RegionFile = FleetFile["regions"][string];

function toDb(db: FleetFile["tars"]["db"], homeRegion: string, fleetName: string): DbSpec {
  return db.mode === "tencentdb"
    ? {
        ...db,
        engineVersion: String(db.engineVersion),
        servingRegion: db.servingRegion ?? homeRegion,
        dnsZone: db.dnsZone ?? defaultDatabaseDnsZone(fleetName),
      }
    : { ...db };
}

type ExistingFile = NonNullable<RegionFile["clusters"][string]["existing"]>;

/** An existing cluster's entry; validation made sure it names one source and one capacity form. */
function toExisting(file: ExistingFile): ExistingClusterSpec {
  const { kubeconfig, capacity } = file;
  return {
    kubeconfig:
      kubeconfig.secretConfig !== undefined
        ? { secretConfig: kubeconfig.secretConfig }
        : { file: kubeconfig.file ?? "" },
    capacity:
      capacity.instanceType !== undefined
        ? { instanceType: capacity.instanceType, nodes: capacity.nodes ?? 0 }
        : { cpu: String(capacity.cpu ?? ""), memory: capacity.memory ?? "" },
  };
}

function toClusters(region: string, file: RegionFile): ClusterSpec[] {
  return Object.entries(file.clusters).map(([name, c]) => ({
    name,
    region,
    kubernetesVersion: c.kubernetesVersion,
    networkType: c.networkType,
    serviceCidr: c.serviceCidr,
    ...(c.podCidr === undefined ? {} : { podCidr: c.podCidr }),
    nodePools: Object.entries(c.nodePools ?? {}).map(([poolName, p]) => ({
      name: poolName,
      ...p,
    })),
    ...(c.existing === undefined ? {} : { existing: toExisting(c.existing) }),
  }));
}

/**
 * The pools of one region. Each gets its own package digest or the fleet's, lowercased as
 * `sha256sum` prints it; validation refused a pool with neither, so `""` never reaches a pool.
 */
function toCvmPools(region: string, file: RegionFile, fleetSha256?: string): CvmPoolSpec[] {
  return Object.entries(file.cvm).map(([name, p]) => ({
    name,
    region,
    count: p.count,
    instanceType: p.instanceType,
    imageId: p.imageId,
    zones: p.zones ?? (p.zone === undefined ? [] : [p.zone]),
    systemDiskSizeGiB: p.systemDiskSizeGiB,
    ...(p.tarsnodePackageUrl === undefined ? {} : { tarsnodePackageUrl: p.tarsnodePackageUrl }),
    tarsnodePackageSha256: (p.tarsnodePackageSha256 ?? fleetSha256 ?? "").toLowerCase(),
  }));
}

function toRegions(file: FleetFile): RegionSpec[] {
  return Object.entries(file.regions).map(([name, r]) => ({
    name,
    tencentRegion: r.tencentRegion,
    vpcCidr: r.vpcCidr,
    network: r.network,
    zones: r.zones ?? [],
    ...(r.primaryZone === undefined ? {} : { primaryZone: r.primaryZone }),
    clusters: toClusters(name, r),
    cvmPools: toCvmPools(name, r, file.tars.tarsnodePackageSha256),
  }));
}

/** Builds the model from a file that passed both the schema and the rules. */
export function toFleetSpec(file: FleetFile): FleetSpec {
  return {
    name: file.name,
    homeRegion: file.homeRegion,
    tars: {
      imageRegistry: file.tars.imageRegistry,
      version: file.tars.version,
      frameworkImage: file.tars.frameworkImage,
      images: {
        ...file.tars.images,
        tarsweb: file.tars.images.tarsweb ?? `${file.tars.imageRegistry}/tarsweb:${TARSWEB_TAG}`,
      },
      prestopWaitSeconds: file.tars.prestopWaitSeconds,
      db: toDb(file.tars.db, file.homeRegion, file.name),
      registryReplicas: file.tars.registry.replicas,
      log: file.tars.log,
      packages: file.tars.packages,
      webReplicas: file.tars.web.replicas,
      webAllowedCidrs: file.tars.web.allowedCidrs,
    },
    network: {
      defaultBandwidthMbps: file.network.defaultBandwidthMbps,
      bandwidth: file.network.bandwidth.map((b) => {
        const [a, c] = [...b.regions].sort();
        return { regions: [a, c] as const, mbps: b.mbps };
      }),
    },
    regions: toRegions(file),
    sets: Object.entries(file.sets).map(([id, s]) => ({
      id,
      cluster: s.cluster,
      ...(s.standby === undefined ? {} : { standby: s.standby }),
      warmStandby: s.warmStandby,
      failedOver: s.failedOver,
    })),
    servers: Object.entries(file.servers).map(([id, s]) => {
      const [app, server] = id.split(".");
      return {
        id,
        app,
        server,
        image: s.image,
        servants: Object.entries(s.servants).map(([name, v]) => ({ name, port: v.port })),
        resources: { cpu: String(s.resources.cpu), memory: s.resources.memory },
        replicas: Object.entries(s.replicas).map(([set, count]) => ({ set, count })),
      };
    }),
  };
}
