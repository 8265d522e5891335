/**
 * Rules for what a fleet uses rather than creates: existing clusters (a kubeconfig and a declared
 * capacity instead of node pools) and existing networks (a region without an infra stack).
 *
 * An existing cluster gets no TKE resources and no load balancers: its region's TARS stack reaches
 * it through the kubeconfig's current context and deploys the Kubernetes objects only. A region
 * whose network is existing has no infra stack at all, so nothing there may need one: created
 * clusters, CVM pools, TencentDB, CCN bandwidth limits.
 */
import { type FieldPath } from "../model/issues";
import {
  configKeyOf,
  kubeconfigProblem,
  PROJECT_CONFIG_NAMESPACE,
  RESERVED_CONFIG_KEYS,
} from "../model/kubeconfig";
import { parseCpuMilli, parseMemoryMiB } from "../model/quantity";
import { asString, entriesOf, field, isRecord, itemsOf } from "../model/raw";
import { checkInstanceType } from "./validate-regions";
import { type Report } from "./validate-common";
import { CFS_PROVISIONER } from "../k8s/base-services";

/**
 * Reads a kubeconfig file the fleet names (its path as written, relative to the fleet file): its
 * text, or why it cannot be read.
 */
export type KubeconfigReader = (
  file: string,
) => { readonly text: string } | { readonly error: string };

const EXISTING = "existing";
const CAPACITY_EXAMPLE =
  '{ cpu: "32", memory: 120Gi } or { instanceType: SA5.2XLARGE16, nodes: 4 }';

/** Whether a raw region declares `network: existing`. */
export function hasExistingNetwork(region: unknown): boolean {
  return asString(field(region, "network")) === EXISTING;
}

/** Checks existing clusters and existing networks, region by region. */
export function checkExisting(
  data: Record<string, unknown>,
  report: Report,
  readKubeconfig?: KubeconfigReader,
): void {
  const home = asString(data.homeRegion);
  // Kubeconfig sources seen, fleet-wide: a file, or a config key of one region's stack.
  const sources = new Map<string, string>();
  for (const [name, region] of entriesOf(data.regions)) {
    const path = ["regions", name];
    for (const [clusterName, cluster] of entriesOf(field(region, "clusters"))) {
      const at = [...path, "clusters", clusterName];
      const existing = field(cluster, "existing");
      if (existing === undefined) {
        checkCreatedCluster(at, cluster, hasExistingNetwork(region), report);
        continue;
      }
      if (field(cluster, "nodePools") !== undefined) {
        report(
          [...at, "nodePools"],
          "an existing cluster's nodes are not managed by this fleet: remove nodePools and declare existing.capacity",
          "key",
        );
      }
      checkKubeconfig([...at, "existing", "kubeconfig"], existing, sources, report, readKubeconfig);
      checkCapacity([...at, "existing", "capacity"], field(existing, "capacity"), report);
    }
    if (hasExistingNetwork(region)) checkExistingNetwork(path, region, name === home, data, report);
    else checkPoolsHaveRegistries(path, region, report);
  }
  checkPoolsReachTarsweb(data, home, report);
  checkPackageStoreClass(data, home, report);
  checkBandwidthNetworks(data, report);
}

function checkCreatedCluster(
  at: FieldPath,
  cluster: unknown,
  existingNetwork: boolean,
  report: Report,
): void {
  if (existingNetwork) {
    report(
      at,
      `is created by this fleet, but regions.${String(at[1])}.network is existing: a created cluster needs the VPC and subnets of a created network; give the cluster existing: { kubeconfig, capacity }, or remove network: existing`,
      "key",
    );
  }
  if (isRecord(cluster) && cluster.nodePools === undefined) {
    report(
      [...at, "nodePools"],
      "missing, expected a map of node pools for a cluster this fleet creates, or existing: { kubeconfig, capacity } for one it does not",
    );
  }
}

/** `existing.kubeconfig`: one source, a key this project may read, a file that is a kubeconfig. */
function checkKubeconfig(
  at: FieldPath,
  existing: unknown,
  sources: Map<string, string>,
  report: Report,
  readKubeconfig: KubeconfigReader | undefined,
): void {
  const kubeconfig = field(existing, "kubeconfig");
  if (!isRecord(existing)) return;
  if (kubeconfig === undefined || (isRecord(kubeconfig) && Object.keys(kubeconfig).length === 0)) {
    report(
      at,
      `missing, expected { secretConfig: <key> } (a secret of the region's stack config) or { file: <path> } (a kubeconfig file, relative to the fleet file)`,
    );
    return;
  }
  const secretConfig = asString(field(kubeconfig, "secretConfig"));
  const file = asString(field(kubeconfig, "file"));
  if (field(kubeconfig, "secretConfig") !== undefined && field(kubeconfig, "file") !== undefined) {
    report([...at, "file"], "give secretConfig or file, not both");
    return;
  }
  const clusterPath = at.slice(0, 4).join(".");
  const seen = (source: string, where: FieldPath) => {
    const first = sources.get(source);
    if (first !== undefined) {
      report(where, `is also the kubeconfig of ${first}: one cluster cannot be two fleet clusters`);
    } else sources.set(source, clusterPath);
  };
  if (secretConfig !== undefined) {
    const key = configKeyOf(secretConfig);
    if (key === undefined) {
      report(
        [...at, "secretConfig"],
        `must be a stack config key of this project, <key> or ${PROJECT_CONFIG_NAMESPACE}:<key> (a letter, then letters, digits, _ or -), got ${JSON.stringify(secretConfig)}`,
      );
    } else if (RESERVED_CONFIG_KEYS.includes(key)) {
      report(
        [...at, "secretConfig"],
        `${PROJECT_CONFIG_NAMESPACE}:${key} is the project's own setting, choose another key such as "${String(at[3])}Kubeconfig"`,
      );
    } else seen(`config:${String(at[1])}:${key}`, [...at, "secretConfig"]);
  }
  if (file !== undefined) {
    seen(`file:${file}`, [...at, "file"]);
    checkKubeconfigFile([...at, "file"], file, report, readKubeconfig);
  }
}

function checkKubeconfigFile(
  at: FieldPath,
  file: string,
  report: Report,
  readKubeconfig: KubeconfigReader | undefined,
): void {
  if (readKubeconfig === undefined) return;
  const read = readKubeconfig(file);
  if ("error" in read) {
    report(at, `cannot read the kubeconfig ${file}: ${read.error}`);
    return;
  }
  const problem = kubeconfigProblem(read.text);
  if (problem !== undefined) report(at, `kubeconfig ${file} ${problem}`);
}

/** `existing.capacity`: cpu and memory, or instanceType and nodes. */
function checkCapacity(at: FieldPath, capacity: unknown, report: Report): void {
  if (capacity === undefined) {
    report(
      at,
      `missing: an existing cluster declares what it can schedule for this fleet, for the capacity checks of failover and scale, e.g. ${CAPACITY_EXAMPLE}`,
    );
    return;
  }
  if (!isRecord(capacity)) return;
  const has = (key: string) => capacity[key] !== undefined;
  const byAmount = has("cpu") || has("memory");
  const byNodes = has("instanceType") || has("nodes");
  if (byAmount && byNodes) {
    report(
      at,
      "give cpu and memory (what the cluster schedules), or instanceType and nodes, not both",
    );
    return;
  }
  if (!byAmount && !byNodes) {
    report(at, `must name cpu and memory, or instanceType and nodes, e.g. ${CAPACITY_EXAMPLE}`);
    return;
  }
  const pairs = byAmount ? (["cpu", "memory"] as const) : (["instanceType", "nodes"] as const);
  for (const [key, other] of [pairs, [pairs[1], pairs[0]] as const]) {
    if (has(key) && !has(other)) report(at, `${key} needs ${other} too`);
  }
  const cpu = capacity.cpu;
  if (typeof cpu === "string" || typeof cpu === "number") {
    const parsed = parseCpuMilli(cpu);
    if (!parsed.ok) report([...at, "cpu"], parsed.reason);
  }
  const memory = asString(capacity.memory);
  if (memory !== undefined) {
    const parsed = parseMemoryMiB(memory);
    if (!parsed.ok) report([...at, "memory"], parsed.reason);
  }
  checkInstanceType([...at, "instanceType"], capacity.instanceType, report);
}

/** A region without an infra stack has nothing that needs one. */
function checkExistingNetwork(
  path: FieldPath,
  region: unknown,
  isHome: boolean,
  data: Record<string, unknown>,
  report: Report,
): void {
  if (entriesOf(field(region, "cvm")).length > 0) {
    report(
      [...path, "cvm"],
      `CVM pools need a network this fleet creates (subnets and a security group for the machines), but regions.${String(path[1])}.network is existing: remove the pools or network: existing`,
      "key",
    );
  }
  if (field(region, "primaryZone") !== undefined) {
    report(
      [...path, "primaryZone"],
      "places the load balancers and the database of a created network; a region whose network is existing has none: remove it",
      "key",
    );
  }
  const mode = asString(field(field(field(data, "tars"), "db"), "mode")) ?? "tencentdb";
  if (isHome && mode === "tencentdb") {
    report(
      [...path, "network"],
      "the home region's network cannot be existing while tars.db.mode is tencentdb (the default): TencentDB is created in the home region's VPC; set tars.db.mode to in-cluster, or remove network: existing",
    );
  }
}

/** CVM machines register with the registries of created clusters, through their load balancers. */
function checkPoolsHaveRegistries(path: FieldPath, region: unknown, report: Report): void {
  const clusters = entriesOf(field(region, "clusters"));
  if (entriesOf(field(region, "cvm")).length === 0 || clusters.length === 0) return;
  if (clusters.some(([, c]) => field(c, "existing") === undefined)) return;
  report(
    [...path, "cvm"],
    "CVM pools register with the registries of the region's created clusters, through the load balancers this fleet makes for them, and every cluster of the region is existing: create a cluster here or remove the pools",
    "key",
  );
}

/** The name of the home region's first cluster when it is existing, else undefined. */
function existingHomeCluster(
  data: Record<string, unknown>,
  home: string | undefined,
): string | undefined {
  if (home === undefined) return undefined;
  const [first] = entriesOf(field(field(data.regions, home), "clusters"));
  return first === undefined || field(first[1], "existing") === undefined ? undefined : first[0];
}

/**
 * A pool without its own package URL downloads tarsnode from tarsweb's load balancer, which only
 * a created home cluster gets.
 */
function checkPoolsReachTarsweb(
  data: Record<string, unknown>,
  home: string | undefined,
  report: Report,
): void {
  const first = existingHomeCluster(data, home);
  if (first === undefined) return;
  for (const [name, region] of entriesOf(data.regions)) {
    for (const [pool, spec] of entriesOf(field(region, "cvm"))) {
      if (field(spec, "tarsnodePackageUrl") !== undefined) continue;
      report(
        ["regions", name, "cvm", pool],
        `downloads tarsnode from tarsweb's load balancer (no tarsnodePackageUrl), but the home region's first cluster ${first} is existing and gets no load balancer: set tarsnodePackageUrl`,
        "key",
      );
    }
  }
}

/**
 * With CVM pools, the package store's class: the home TARS stack creates one only in a home
 * cluster this fleet creates (in its VPC, `fleet/k8s/base-services.ts` `packageStoreClass`), so
 * an existing home cluster must name a ReadWriteMany class it has.
 */
function checkPackageStoreClass(
  data: Record<string, unknown>,
  home: string | undefined,
  report: Report,
): void {
  const first = existingHomeCluster(data, home);
  if (first === undefined) return;
  const packages = field(field(data, "tars"), "packages");
  if (field(packages, "storageClass") !== undefined) return;
  const withPools = entriesOf(data.regions).find(([, r]) => entriesOf(field(r, "cvm")).length > 0);
  if (withPools === undefined) return;
  report(
    packages === undefined ? ["regions", withPools[0], "cvm"] : ["tars", "packages"],
    `CVM pools need the package store in the home region's first cluster ${first}, which is existing, so this fleet creates no StorageClass there: set tars.packages.storageClass to a ReadWriteMany class of that cluster, e.g. a CFS class of provisioner ${CFS_PROVISIONER} (install TKE's CFS add-on first)`,
    "key",
  );
}

/** CCN limits apply between networks the fleet creates and attaches to its CCN. */
function checkBandwidthNetworks(data: Record<string, unknown>, report: Report): void {
  itemsOf(field(field(data, "network"), "bandwidth")).forEach((entry, i) => {
    itemsOf(field(entry, "regions")).forEach((value, j) => {
      const name = asString(value);
      if (name === undefined || !hasExistingNetwork(field(data.regions, name))) return;
      report(
        ["network", "bandwidth", i, "regions", j],
        `region ${name}'s network is existing: CCN limits apply only between the networks this fleet creates and attaches to its CCN`,
      );
    });
  });
}
