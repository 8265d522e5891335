/**
 * Rules for regions, zones, clusters, node pools and CVM pools.
 */
import { type FieldPath } from "../model/issues";
import { asInt, asString, entriesOf, field, isRecord, itemsOf } from "../model/raw";
import { MAX_CLUSTERS_PER_REGION, MAX_ZONE_NUMBER, zoneNumber } from "../network/carve";
import { parseInstanceType } from "../model/instance-types";
import { GLOBAL_STACK, INFRA_STACK_SUFFIX } from "../model/naming";
import { isSha256, isTarsnodePackageUrl } from "../tars/tarsnode-bootstrap";
import { allowed, checkLabelKey, type FleetNames, type Report } from "./validate-common";

/** Longest region, cluster, node pool and CVM pool names: they become parts of cloud names. */
export const MAX_PART_NAME_LENGTH = 20;

/**
 * A node pool's `nodeOs`: a custom image id, or a public image's OS name as TKE spells them
 * (`tlinux3.1x86_64`, `tlinux2.2(tkernel3)x86_64`, `ubuntu18.04.1x86_64`, `centos7.6.0_x64`).
 * @see https://github.com/tencentcloudstack/terraform-provider-tencentcloud/blob/f6970a90038400958503a0edab62c6c463baa7b0/website/docs/r/kubernetes_node_pool.html.markdown (`node_os`)
 */
const NODE_OS = /^(img-[a-z0-9]{8}|[a-z]+\d[a-z0-9._()]*)$/;

/** Oldest Kubernetes minor TKE creates with containerd, which this project assumes. */
export const MIN_KUBERNETES_MINOR = 24;

/** Checks every region; returns the names other checks refer to. */
export function checkRegions(regions: unknown, report: Report): FleetNames {
  const regionNames = new Set<string>();
  const clusters = new Map<string, FieldPath>();
  const tencentRegions = new Map<string, string>();
  for (const [name, region] of entriesOf(regions)) {
    const path = ["regions", name];
    regionNames.add(name);
    if (checkLabelKey(path, "region", MAX_PART_NAME_LENGTH, report) && name === GLOBAL_STACK) {
      report(path, `region name "${GLOBAL_STACK}" is taken by the stack that holds the CCN`, "key");
    } else if (name.endsWith(INFRA_STACK_SUFFIX)) {
      report(
        path,
        `region name ${JSON.stringify(name)} ends in "${INFRA_STACK_SUFFIX}", which names a region's infra stack (<region>${INFRA_STACK_SUFFIX}): choose another name`,
        "key",
      );
    }
    let tencentRegion = asString(field(region, "tencentRegion"));
    if (tencentRegion !== undefined) {
      const other = tencentRegions.get(tencentRegion);
      if (!/^[a-z]{2}-[a-z]+$/.test(tencentRegion)) {
        report(
          [...path, "tencentRegion"],
          `must be a Tencent Cloud region such as "ap-guangzhou", got ${JSON.stringify(tencentRegion)}`,
        );
        tencentRegion = undefined; // the zones can't be checked against it
      } else if (other !== undefined) {
        report(
          [...path, "tencentRegion"],
          `${tencentRegion} is already used by region ${other}; each fleet region needs its own Tencent Cloud region`,
        );
      } else tencentRegions.set(tencentRegion, name);
    }
    const zones = checkZones(path, region, tencentRegion, report);
    checkPrimaryZone(path, region, zones, report);
    checkClusters(path, region, clusters, report);
    checkCvmPools(path, region, zones, report);
  }
  return { regions: regionNames, clusters, sets: new Set() };
}

function checkZones(
  path: FieldPath,
  region: unknown,
  tencentRegion: string | undefined,
  report: Report,
): Set<string> {
  const zones = new Set<string>();
  const list = field(region, "zones");
  // An existing network has no subnets to carve: its zones are optional.
  const network = isRecord(region) ? region.network : undefined;
  if (list === undefined && isRecord(region) && (network === undefined || network === "created")) {
    report([...path, "zones"], "missing, expected a list");
  }
  if (Array.isArray(list) && list.length === 0) {
    report([...path, "zones"], "must list at least one availability zone");
  }
  itemsOf(list).forEach((item, i) => {
    const zone = asString(item);
    if (zone === undefined) return;
    const at = [...path, "zones", i];
    if (zones.has(zone)) report(at, `zone ${zone} is listed twice`);
    zones.add(zone);
    if (tencentRegion !== undefined && !zone.startsWith(`${tencentRegion}-`)) {
      report(
        at,
        `zone ${JSON.stringify(zone)} is not in ${tencentRegion}, expected ${tencentRegion}-<number>`,
      );
    } else if (zoneNumber(zone) === undefined) {
      report(
        at,
        `zone ${JSON.stringify(zone)} must end in a zone number from 1 to ${MAX_ZONE_NUMBER}, e.g. ${tencentRegion ?? "ap-guangzhou"}-3`,
      );
    }
  });
  return zones;
}

/** `primaryZone`, when given, is one of the region's zones. */
function checkPrimaryZone(
  path: FieldPath,
  region: unknown,
  zones: ReadonlySet<string>,
  report: Report,
): void {
  const zone = asString(field(region, "primaryZone"));
  if (zone !== undefined && zones.size > 0 && !zones.has(zone)) {
    report(
      [...path, "primaryZone"],
      `zone ${JSON.stringify(zone)} is not a zone of this region, expected ${allowed(zones)}`,
    );
  }
}

function checkClusters(
  path: FieldPath,
  region: unknown,
  clusters: Map<string, FieldPath>,
  report: Report,
): void {
  const entries = entriesOf(field(region, "clusters"));
  if (entries.length > MAX_CLUSTERS_PER_REGION) {
    report(
      [...path, "clusters"],
      `at most ${MAX_CLUSTERS_PER_REGION} clusters per region fit the subnet plan, got ${entries.length}`,
    );
  }
  for (const [name, cluster] of entries) {
    const at = [...path, "clusters", name];
    checkLabelKey(at, "cluster", MAX_PART_NAME_LENGTH, report);
    const first = clusters.get(name);
    if (first !== undefined) {
      report(
        at,
        `cluster name ${name} is already used at ${first.join(".")}; cluster names are fleet-wide`,
        "key",
      );
    } else clusters.set(name, at);
    checkKubernetesVersion(
      [...at, "kubernetesVersion"],
      field(cluster, "kubernetesVersion"),
      report,
    );
    const networkType = asString(field(cluster, "networkType")) ?? "VPC-CNI";
    const podCidr = field(cluster, "podCidr");
    if (networkType === "GR" && podCidr === undefined) {
      report(
        [...at, "podCidr"],
        "GR clusters need a podCidr (the container CIDR, outside every VPC)",
      );
    }
    if (networkType === "VPC-CNI" && podCidr !== undefined) {
      report(
        [...at, "podCidr"],
        "podCidr applies only to GR clusters; VPC-CNI pods take IPs from subnets carved from vpcCidr",
      );
    }
    const pools = entriesOf(field(cluster, "nodePools"));
    if (isRecord(field(cluster, "nodePools")) && pools.length === 0) {
      report(
        [...at, "nodePools"],
        "must define at least one node pool: TKE opens cluster access only once nodes exist",
      );
    }
    for (const [poolName, pool] of pools)
      checkNodePool([...at, "nodePools", poolName], pool, report);
  }
}

function checkKubernetesVersion(path: FieldPath, value: unknown, report: Report): void {
  if (typeof value === "number") {
    report(
      path,
      `must be a quoted version such as "1.30.0", got ${value} (YAML read it as a number)`,
    );
    return;
  }
  const version = asString(value);
  if (version === undefined) return;
  const match = /^1\.(\d+)\.\d+$/.exec(version);
  if (match === null) {
    report(path, `must be a version such as "1.30.0", got ${JSON.stringify(version)}`);
  } else if (Number(match[1]) < MIN_KUBERNETES_MINOR) {
    report(
      path,
      `must be 1.${MIN_KUBERNETES_MINOR}.0 or newer (containerd), got ${JSON.stringify(version)}`,
    );
  }
}

function checkNodePool(path: FieldPath, pool: unknown, report: Report): void {
  checkLabelKey(path, "node pool", MAX_PART_NAME_LENGTH, report);
  checkInstanceType([...path, "instanceType"], field(pool, "instanceType"), report);
  const min = asInt(field(pool, "minSize"));
  const max = asInt(field(pool, "maxSize"));
  const desired = asInt(field(pool, "desiredSize"));
  if (min !== undefined && max !== undefined && min > max) {
    report([...path, "minSize"], `minSize ${min} is above maxSize ${max}`);
  }
  if (desired !== undefined && min !== undefined && desired < min) {
    report([...path, "desiredSize"], `desiredSize ${desired} is below minSize ${min}`);
  }
  if (desired !== undefined && max !== undefined && desired > max) {
    report([...path, "desiredSize"], `desiredSize ${desired} is above maxSize ${max}`);
  }
  const nodeOs = asString(field(pool, "nodeOs"));
  if (nodeOs !== undefined && !NODE_OS.test(nodeOs)) {
    report(
      [...path, "nodeOs"],
      `must be a TKE public image OS name such as "tlinux3.1x86_64" or a custom image id such as "img-eb30mz89", got ${JSON.stringify(nodeOs)}`,
    );
  }
}

/** Reports an instance type the capacity maths cannot read. */
export function checkInstanceType(path: FieldPath, value: unknown, report: Report): void {
  const name = asString(value);
  if (name === undefined) return;
  const parsed = parseInstanceType(name);
  if (!parsed.ok) report(path, parsed.reason);
}

function checkCvmPools(
  path: FieldPath,
  region: unknown,
  zones: ReadonlySet<string>,
  report: Report,
): void {
  for (const [name, pool] of entriesOf(field(region, "cvm"))) {
    const at = [...path, "cvm", name];
    checkLabelKey(at, "CVM pool", MAX_PART_NAME_LENGTH, report);
    checkInstanceType([...at, "instanceType"], field(pool, "instanceType"), report);
    const imageId = asString(field(pool, "imageId"));
    if (imageId !== undefined && !/^img-[a-z0-9]{8}$/.test(imageId)) {
      report(
        [...at, "imageId"],
        `must be a CVM image id such as "img-eb30mz89", got ${JSON.stringify(imageId)}`,
      );
    }
    const zone = field(pool, "zone");
    const list = field(pool, "zones");
    if (zone !== undefined && list !== undefined) {
      report([...at, "zones"], "give zone or zones, not both");
    } else if (zone === undefined && list === undefined) {
      report(at, "needs zone (one zone) or zones (spread over several)", "key");
    }
    const chosen: [FieldPath, unknown][] =
      list !== undefined
        ? itemsOf(list).map((z, i): [FieldPath, unknown] => [[...at, "zones", i], z])
        : [[[...at, "zone"], zone]];
    const seen = new Set<string>();
    for (const [zonePath, value] of chosen) {
      const z = asString(value);
      if (z !== undefined && seen.has(z)) report(zonePath, `zone ${z} is listed twice`);
      if (z !== undefined) seen.add(z);
      if (z !== undefined && !zones.has(z)) {
        report(
          zonePath,
          `zone ${JSON.stringify(z)} is not a zone of this region, expected ${allowed(zones)}`,
        );
      }
    }
    if (Array.isArray(list) && list.length === 0)
      report([...at, "zones"], "must list at least one zone");
  }
}

/**
 * Where each CVM pool gets tarsnode, and how its machines know it is the right file.
 *
 * Every pool needs the package's sha256, its own `tarsnodePackageSha256` or the fleet's
 * `tars.tarsnodePackageSha256`: the bootstrap runs the package as root and unpacks nothing with
 * another digest. A URL a pool names must be https: plain http is left to the default, tarsweb
 * over the VPC (`fleet/tars/tarsnode-bootstrap.ts`, README "Why plain http is left to tarsweb"). COS
 * objects are named by their https URL: the machines fetch them without credentials, so there is
 * no `cos://` form to sign requests for. The example is the bucket's virtual-hosted URL on the
 * region's intranet endpoint, `cos-internal.<Region>.tencentcos.cn`.
 * @see https://github.com/tencentyun/cos-java-sdk-v5/blob/master/src/main/java/com/qcloud/cos/demo/ObjectTaggingDemo.java (the intranet endpoint)
 * @see https://cloud.tencent.com/document/product/436/102489 (virtual-hosted style only, for buckets created from 2024)
 */
export function checkTarsnodePackages(data: Record<string, unknown>, report: Report): void {
  const fleetDigest = field(field(data, "tars"), "tarsnodePackageSha256");
  checkSha256(["tars", "tarsnodePackageSha256"], fleetDigest, report);
  for (const [regionName, region] of entriesOf(data.regions)) {
    const tencentRegion = asString(field(region, "tencentRegion")) ?? "";
    const example = `https://<BucketName-APPID>.cos-internal.${/^[a-z]{2}-[a-z]+$/.test(tencentRegion) ? tencentRegion : "ap-guangzhou"}.tencentcos.cn/tars/tarsnode.tgz`;
    for (const [name, pool] of entriesOf(field(region, "cvm"))) {
      const at = ["regions", regionName, "cvm", name];
      checkPackageUrl(
        [...at, "tarsnodePackageUrl"],
        field(pool, "tarsnodePackageUrl"),
        example,
        report,
      );
      const digest = field(pool, "tarsnodePackageSha256");
      checkSha256([...at, "tarsnodePackageSha256"], digest, report);
      if (digest === undefined && fleetDigest === undefined) {
        report(
          at,
          "needs the sha256 of the tarsnode package its machines download, which they run as root: set tars.tarsnodePackageSha256 (for every pool) or this pool's tarsnodePackageSha256 to the 64 hex digits that `sha256sum tarsnode.tgz` prints for the file they download",
          "key",
        );
      }
    }
  }
}

/** Reports a digest that is not a sha256 as `sha256sum` prints it. */
function checkSha256(path: FieldPath, value: unknown, report: Report): void {
  const digest = asString(value);
  if (digest === undefined || isSha256(digest)) return;
  report(
    path,
    `must be the package's sha256, the 64 hex digits \`sha256sum tarsnode.tgz\` prints before the file name, got ${JSON.stringify(digest)}`,
  );
}

/** Reports a package URL that is not https, or that the bootstrap script would refuse to embed. */
function checkPackageUrl(path: FieldPath, value: unknown, example: string, report: Report): void {
  const url = asString(value);
  if (url === undefined || isTarsnodePackageUrl(url)) return;
  const got = `got ${JSON.stringify(url)}`;
  if (/^http:\/\//i.test(url)) {
    report(
      path,
      `must be https: plain http is only for the default, tarsweb's /files/tarsnode.tgz over the VPC; serve the package over https, e.g. a COS object "${example}", or leave tarsnodePackageUrl out, ${got}`,
    );
  } else if (/^cos:\/\//i.test(url)) {
    report(
      path,
      `must be the COS object's https URL, which the machines download without credentials, e.g. "${example}", ${got}`,
    );
  } else {
    report(
      path,
      `must be an https URL of the tarsnode package without quotes, spaces, $, backticks or backslashes, such as "${example}", ${got}`,
    );
  }
}
