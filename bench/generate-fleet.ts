/**
 * Fleets of any size for benchmarks and tests, valid by construction.
 *
 * Every region gets its own VPC (`10.<i>.0.0/16`), every cluster its own service CIDR (a /20 in
 * 172.16.0.0/12), every Set a cluster and a standby in the next region, and every server the
 * same number of Sets, so the plan grows linearly with `sets × serversPerSet`.
 */
import { stringify } from "yaml";

/** The knobs of a generated fleet. */
export interface FleetShape {
  /** Regions, 1 to 200. The first is the home region. */
  readonly regions: number;
  /** Clusters in each region, 1 to 6. */
  readonly clustersPerRegion: number;
  /** TARS Sets, spread round-robin over every cluster. */
  readonly sets: number;
  /** TARS servers. */
  readonly servers: number;
  /** Sets each server runs in (its replicas map), at most `sets`. */
  readonly setsPerServer: number;
  /**
   * Zones per region, 1 to 16.
   *
   * @default 2
   */
  readonly zonesPerRegion?: number;
  /**
   * CVM machines per region (one pool).
   *
   * @default 0
   */
  readonly cvmPerRegion?: number;
  /**
   * Whether every Set keeps a warm standby.
   *
   * @default false
   */
  readonly warmStandby?: boolean;
}

/** `0 → a`, `25 → z`, `26 → ba`: letters only, as Tencent region and Set names need. */
export function letters(index: number): string {
  let out = "";
  let n = index;
  do {
    out = String.fromCharCode(97 + (n % 26)) + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
}

function regionName(i: number): string {
  return `r${letters(i)}`;
}

function clusterName(region: number, cluster: number): string {
  return `c${letters(region)}${cluster + 1}`;
}

function serviceCidr(index: number): string {
  // 256 /20 blocks fit in 172.16.0.0/12.
  return `172.${16 + Math.floor(index / 16)}.${(index % 16) * 16}.0/20`;
}

function regionOf(shape: FleetShape, i: number, clusterIndex: { n: number }) {
  const tencentRegion = `ap-${regionName(i)}`;
  const zones = Array.from(
    { length: shape.zonesPerRegion ?? 2 },
    (_, z) => `${tencentRegion}-${z + 1}`,
  );
  const clusters: Record<string, unknown> = {};
  for (let c = 0; c < shape.clustersPerRegion; c++) {
    clusters[clusterName(i, c)] = {
      kubernetesVersion: "1.30.0",
      networkType: "VPC-CNI",
      serviceCidr: serviceCidr(clusterIndex.n++),
      nodePools: {
        general: { instanceType: "SA5.8XLARGE64", minSize: 2, maxSize: 500, desiredSize: 3 },
      },
    };
  }
  const cvmCount = shape.cvmPerRegion ?? 0;
  const cvm =
    cvmCount > 0
      ? {
          spare: {
            count: cvmCount,
            instanceType: "S5.LARGE8",
            imageId: "img-eb30mz89",
            zone: zones[0],
          },
        }
      : {};
  return { tencentRegion, vpcCidr: `10.${i + 1}.0.0/16`, zones, clusters, cvm };
}

/** The fleet file document (a plain object) of `shape`. */
export function generateFleetDocument(shape: FleetShape): Record<string, unknown> {
  if (shape.regions < 1 || shape.regions > 200)
    throw new RangeError(`regions must be 1 to 200, got ${shape.regions}`);
  if (shape.clustersPerRegion < 1 || shape.clustersPerRegion > 6) {
    throw new RangeError(`clustersPerRegion must be 1 to 6, got ${shape.clustersPerRegion}`);
  }
  if (shape.regions * shape.clustersPerRegion > 256)
    throw new RangeError("at most 256 clusters: one /20 service CIDR each in 172.16.0.0/12");
  const clusterIndex = { n: 0 };
  const regions: Record<string, unknown> = {};
  for (let i = 0; i < shape.regions; i++) regions[regionName(i)] = regionOf(shape, i, clusterIndex);
  const clusters = Array.from({ length: shape.regions * shape.clustersPerRegion }, (_, k) =>
    clusterName(Math.floor(k / shape.clustersPerRegion), k % shape.clustersPerRegion),
  );
  const sets: Record<string, unknown> = {};
  const setIds: string[] = [];
  for (let s = 0; s < shape.sets; s++) {
    const k = s % clusters.length;
    // The standby sits in the next region (same slot), or the next cluster with a single region.
    const standby =
      shape.regions > 1
        ? clusters[(k + shape.clustersPerRegion) % clusters.length]
        : clusters[(k + 1) % clusters.length];
    const id = `app.${letters(Math.floor(s / 100))}.${s % 100}`;
    setIds.push(id);
    sets[id] =
      standby === clusters[k]
        ? { cluster: clusters[k] }
        : { cluster: clusters[k], standby, warmStandby: shape.warmStandby === true };
  }
  const servers: Record<string, unknown> = {};
  const perServer = Math.min(shape.setsPerServer, shape.sets);
  for (let v = 0; v < shape.servers; v++) {
    const replicas: Record<string, number> = {};
    for (let j = 0; j < perServer; j++)
      replicas[setIds[(v + j) % setIds.length]] = 1 + ((v + j) % 3);
    servers[`App${v}.Server${v}`] = {
      image: `ccr.ccs.tencentyun.com/bench/server${v}:1.0.${v}`,
      servants: { MainObj: { port: 10000 + (v % 5000) } },
      resources: { cpu: "100m", memory: "128Mi" },
      replicas,
    };
  }
  return {
    name: "bench",
    homeRegion: regionName(0),
    tars: {
      // Named always, so that a CVM pool added by an edit keeps the fleet valid (fleet/validation/validate.ts).
      images: {
        tarsAdminRegistry: "ccr.ccs.tencentyun.com/bench/tarsadminregistry:v2.4.3",
        tarspatch: "ccr.ccs.tencentyun.com/bench/tarspatch:v2.4.3",
      },
      // Likewise every CVM pool needs its package's sha256; this one is of an empty file.
      tarsnodePackageSha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      db: { mode: "tencentdb", engineVersion: "5.7" },
    },
    network: { defaultBandwidthMbps: 100 },
    regions,
    sets,
    servers,
  };
}

/** The fleet file text of `shape`. */
export function generateFleetText(shape: FleetShape): string {
  return `# Generated by bench/generate-fleet.ts: ${JSON.stringify(shape)}\n${stringify(generateFleetDocument(shape), { lineWidth: 0 })}`;
}
