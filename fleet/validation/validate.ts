/**
 * Fleet-wide rules: formats, references between fields, and the address plan.
 *
 * Runs on the raw document (see `raw.ts`) beside the structural schema and reports every problem
 * it finds, each at the field it concerns. Cross-field messages name both fields.
 */
import { formatPath, type Issue } from "../model/issues";
import { asString, entriesOf, field, isRecord, itemsOf } from "../model/raw";
import { type SourceIndex } from "../model/source";
import { isDnsLabel } from "../model/naming";
import { allowed, type FleetNames, type Report } from "./validate-common";
import { UNPUBLISHED_SERVICES } from "../tars/framework";
import { pinnedImageProblem } from "../model/image";
import { checkAddressPlan } from "./validate-network";
import { checkIdcGroupRules } from "./validate-idc-groups";
import { checkRegions, checkTarsnodePackages } from "./validate-regions";
import { checkSets, checkServers } from "./validate-workloads";
import { checkExisting, type KubeconfigReader } from "./validate-existing";
import { checkDatabaseStandby } from "./validate-database";

/** Longest fleet name; it prefixes every cloud name. */
export const MAX_FLEET_NAME_LENGTH = 24;

/** What validation reads besides the document. */
export interface ValidateOptions {
  /**
   * Reads the kubeconfig files existing clusters name.
   *
   * @default - files are not read: their contents are not checked
   */
  readonly readKubeconfig?: KubeconfigReader;
}

/** Validates a parsed (but not yet typed) fleet document; returns every issue found. */
export function validateFleet(
  data: unknown,
  index: SourceIndex,
  options: ValidateOptions = {},
): Issue[] {
  const issues: Issue[] = [];
  const report: Report = (path, message, target = "value") =>
    issues.push({ ...index.pos(path, target), path: formatPath(path), message });
  if (!isRecord(data)) {
    report([], "expected a map with name, homeRegion, regions, sets and servers");
    return issues;
  }
  checkFleetName(data.name, report);
  const names = checkRegions(data.regions, report);
  const home = asString(data.homeRegion);
  if (home !== undefined && !names.regions.has(home)) {
    report(
      ["homeRegion"],
      `unknown region ${JSON.stringify(home)}, expected ${allowed(names.regions)}`,
    );
  }
  checkRegionsRunTars(data.regions, home, report);
  checkTars(data.tars, report);
  checkFrameworkImages(data, report);
  checkTarsnodePackages(data, report);
  checkBandwidth(field(data, "network"), names, report);
  checkAddressPlan(data, report);
  checkExisting(data, report, options.readKubeconfig);
  checkDatabaseStandby(data, names.regions, report);
  checkIdcGroupRules(data.regions, report);
  const sets = checkSets(data.sets, names, report);
  checkServers(data.servers, { ...names, sets }, report);
  return issues;
}

/**
 * The home region runs the database Job, tarsweb and tarsnotify in its first cluster, and CVM
 * machines register with their region's cluster registries: both need a cluster.
 */
function checkRegionsRunTars(regions: unknown, home: string | undefined, report: Report): void {
  for (const [name, region] of entriesOf(regions)) {
    if (entriesOf(field(region, "clusters")).length > 0) continue;
    if (name === home) {
      report(
        ["regions", name, "clusters"],
        "the home region needs a cluster: its first cluster runs the framework database Job, tarsweb and tarsnotify",
        "key",
      );
    } else if (entriesOf(field(region, "cvm")).length > 0) {
      report(
        ["regions", name, "cvm"],
        "CVM pools need a cluster in their region: tarsnode registers with the region's cluster registries",
        "key",
      );
    }
  }
}

function checkFleetName(name: unknown, report: Report): void {
  const text = asString(name);
  if (text === undefined) return;
  if (!isDnsLabel(text) || text.length > MAX_FLEET_NAME_LENGTH) {
    report(
      ["name"],
      `must be a lowercase DNS label of at most ${MAX_FLEET_NAME_LENGTH} characters (a-z, 0-9, -), got ${JSON.stringify(text)}`,
    );
  }
}

function checkTars(tars: unknown, report: Report): void {
  const version = asString(field(tars, "version"));
  if (version === "latest") {
    report(["tars", "version"], 'must be a pinned base-service tag such as "v1.1.3", got "latest"');
  }
  const registry = asString(field(tars, "imageRegistry"));
  if (registry !== undefined && version !== undefined && version !== "latest") {
    const problem = pinnedImageProblem(`${registry}/tarsregistry:${version}`);
    if (problem !== undefined) report(["tars", "imageRegistry"], problem);
  }
  const frameworkImage = asString(field(tars, "frameworkImage"));
  const frameworkProblem =
    frameworkImage === undefined ? undefined : pinnedImageProblem(frameworkImage);
  if (frameworkProblem !== undefined) report(["tars", "frameworkImage"], frameworkProblem);
  const db = field(tars, "db");
  if (asString(field(db, "mode")) === "tencentdb") {
    const engine = field(db, "engineVersion");
    const version = typeof engine === "number" ? String(engine) : asString(engine);
    if (version !== undefined && version !== "5.7") {
      report(
        ["tars", "db", "engineVersion"],
        `must be "5.7", got ${JSON.stringify(version)}: MySQL 8 defaults (caching_sha2_password, forced SSL) break the TARS framework`,
      );
    }
  }
  // The in-cluster database's image, or the client image the TencentDB Jobs run.
  const imageKey = asString(field(db, "mode")) === "in-cluster" ? "image" : "clientImage";
  const image = asString(field(db, imageKey));
  const problem = image === undefined ? undefined : pinnedImageProblem(image);
  if (problem !== undefined) report(["tars", "db", imageKey], problem);
}

/**
 * `tars.images`: each image named is pinned, and a fleet with CVM pools names the images of
 * tarsAdminRegistry and tarspatch, which no public registry publishes (`fleet/tars/framework.ts`).
 */
function checkFrameworkImages(data: Record<string, unknown>, report: Report): void {
  const images = field(field(data, "tars"), "images");
  for (const [key, value] of entriesOf(images)) {
    const image = asString(value);
    const problem = image === undefined ? undefined : pinnedImageProblem(image);
    if (problem !== undefined) report(["tars", "images", key], problem);
  }
  const pool = entriesOf(data.regions)
    .flatMap(([region, r]) => entriesOf(field(r, "cvm")).map(([name]) => [region, name]))
    .at(0);
  if (pool === undefined) return;
  for (const key of UNPUBLISHED_SERVICES) {
    if (field(images, key) !== undefined) continue;
    report(
      ["tars", "images", key],
      `is required: regions.${pool[0]}.cvm.${pool[1]} runs tarsnode, which needs ${key}, and no public registry publishes its image; name a pinned image you built (see the README's image table), e.g. "ccr.ccs.tencentyun.com/<namespace>/${key.toLowerCase()}:v2.4.3"`,
    );
  }
}

function checkBandwidth(network: unknown, names: FleetNames, report: Report): void {
  const seen = new Map<string, number>();
  itemsOf(field(network, "bandwidth")).forEach((entry, i) => {
    const path = ["network", "bandwidth", i, "regions"];
    const regions = itemsOf(field(entry, "regions"));
    if (!Array.isArray(field(entry, "regions"))) return;
    if (regions.length !== 2) {
      report(path, `must name exactly two regions, got ${regions.length}`);
      return;
    }
    const [a, b] = regions.map((r) => asString(r));
    regions.forEach((r, j) => {
      const name = asString(r);
      if (name !== undefined && !names.regions.has(name)) {
        report(
          [...path, j],
          `unknown region ${JSON.stringify(name)}, expected ${allowed(names.regions)}`,
        );
      }
    });
    if (a === undefined || b === undefined) return;
    if (a === b) {
      report(path, `must name two different regions, got ${JSON.stringify(a)} twice`);
      return;
    }
    const key = [a, b].sort().join("|");
    const first = seen.get(key);
    if (first !== undefined) {
      report(path, `the pair ${a}, ${b} already has a limit at network.bandwidth[${first}]`);
    } else seen.set(key, i);
  });
}
