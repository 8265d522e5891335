/**
 * Existing clusters and existing networks: every rule with the exact problem lines a user sees.
 *
 * Rows edit the existing-clusters test fleet (test/fixtures/existing/fleet.yaml). Kubeconfig
 * files are read through a fake reader holding the texts below, except where a test reads the
 * disk.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { kubeconfigProblem } from "../../fleet/model/kubeconfig";
import { parseFleet } from "../../fleet/model/load";
import { clusterCapacities } from "../../fleet/operations/capacity";

const FIXTURE = path.join(__dirname, "..", "fixtures", "existing", "fleet.yaml");
const base = readFileSync(FIXTURE, "utf8");
const small = readFileSync(path.join(__dirname, "..", "fixtures", "small-fleet.yaml"), "utf8");

const KUBECONFIG = readFileSync(
  path.join(__dirname, "..", "fixtures", "existing", "kubeconfigs", "gz1.yaml"),
  "utf8",
);

const files: Record<string, string> = {
  "kubeconfigs/gz1.yaml": KUBECONFIG,
  "kubeconfigs/bj1.yaml": KUBECONFIG.replaceAll("gz1", "bj1"),
  "not-yaml.txt": "this is: not: a kubeconfig: [",
  "deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n",
  "no-context.yaml": KUBECONFIG.replace("current-context: gz1\n", ""),
  "other-context.yaml": KUBECONFIG.replace("current-context: gz1", "current-context: prod"),
  "no-cluster.yaml": KUBECONFIG.replace(
    "context: { cluster: gz1, user: tarsfed }",
    "context: { cluster: gz9, user: tarsfed }",
  ),
  "no-server.yaml": KUBECONFIG.replace('server: "https://127.0.0.1:16443", ', ""),
};

const reader = (file: string) =>
  file in files ? { text: files[file] } : { error: `no such file ${file}` };

function edit(text: string, edits: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of edits) {
    expect(out, `the fleet should contain ${JSON.stringify(from)}`).toContain(from);
    out = out.replace(from, to);
  }
  return out;
}

function problems(text: string): string[] {
  try {
    parseFleet(text, "fleet.yaml", { readKubeconfig: reader });
    return [];
  } catch (error) {
    if (error instanceof FleetError) return error.message.split("\n");
    throw error;
  }
}

const kubeconfigFile = (file: string): [string, string][] => [
  ["kubeconfig: { file: kubeconfigs/gz1.yaml }", `kubeconfig: { file: ${file} }`],
];

const rows: [string, [string, string][], string[]][] = [
  [
    "a kubeconfig file that is not YAML",
    kubeconfigFile("not-yaml.txt"),
    [
      "fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: kubeconfig not-yaml.txt is not a kubeconfig: expected a YAML map of kind Config with clusters, contexts and current-context",
    ],
  ],
  [
    "a kubeconfig file holding another kind",
    kubeconfigFile("deployment.yaml"),
    [
      "fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: kubeconfig deployment.yaml is not a kubeconfig: expected a YAML map of kind Config with clusters, contexts and current-context",
    ],
  ],
  [
    "a kubeconfig without a current context",
    kubeconfigFile("no-context.yaml"),
    [
      'fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: kubeconfig no-context.yaml has no current-context, which names the context to use (contexts: "gz1"); set it with kubectl config use-context <context>',
    ],
  ],
  [
    "a current context that is not a context",
    kubeconfigFile("other-context.yaml"),
    [
      'fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: kubeconfig other-context.yaml has current-context "prod", which is not one of its contexts ("gz1")',
    ],
  ],
  [
    "a context naming no cluster of the file",
    kubeconfigFile("no-cluster.yaml"),
    [
      'fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: kubeconfig no-cluster.yaml has context "gz1" naming cluster "gz9", which is not one of its clusters ("gz1")',
    ],
  ],
  [
    "a cluster without a server",
    kubeconfigFile("no-server.yaml"),
    [
      'fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: kubeconfig no-server.yaml has cluster "gz1" without a server, expected the API server\'s URL such as https://10.10.0.5:6443',
    ],
  ],
  [
    "a kubeconfig file that is not there",
    kubeconfigFile("kubeconfigs/gz9.yaml"),
    [
      "fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: cannot read the kubeconfig kubeconfigs/gz9.yaml: no such file kubeconfigs/gz9.yaml",
    ],
  ],
  [
    "a missing capacity",
    [['          capacity: { cpu: "32", memory: 64Gi }\n', ""]],
    [
      'fleet.yaml:19:9 regions.guangzhou.clusters.gz1.existing.capacity: missing: an existing cluster declares what it can schedule for this fleet, for the capacity checks of failover and scale, e.g. { cpu: "32", memory: 120Gi } or { instanceType: SA5.2XLARGE16, nodes: 4 }',
    ],
  ],
  [
    "a capacity of both forms",
    [['capacity: { cpu: "32", memory: 64Gi }', 'capacity: { cpu: "32", memory: 64Gi, nodes: 2 }']],
    [
      "fleet.yaml:21:21 regions.guangzhou.clusters.gz1.existing.capacity: give cpu and memory (what the cluster schedules), or instanceType and nodes, not both",
    ],
  ],
  [
    "a capacity with cpu only",
    [['capacity: { cpu: "32", memory: 64Gi }', 'capacity: { cpu: "32" }']],
    ["fleet.yaml:21:21 regions.guangzhou.clusters.gz1.existing.capacity: cpu needs memory too"],
  ],
  [
    "a capacity with nodes only",
    [["capacity: { instanceType: SA5.2XLARGE16, nodes: 3 }", "capacity: { nodes: 3 }"]],
    [
      "fleet.yaml:43:21 regions.beijing.clusters.bj1.existing.capacity: nodes needs instanceType too",
    ],
  ],
  [
    "an empty capacity",
    [['capacity: { cpu: "32", memory: 64Gi }', "capacity: {}"]],
    [
      'fleet.yaml:21:21 regions.guangzhou.clusters.gz1.existing.capacity: must name cpu and memory, or instanceType and nodes, e.g. { cpu: "32", memory: 120Gi } or { instanceType: SA5.2XLARGE16, nodes: 4 }',
    ],
  ],
  [
    "capacity quantities Kubernetes does not read",
    [['capacity: { cpu: "32", memory: 64Gi }', "capacity: { cpu: 32 cores, memory: 64GB }"]],
    [
      'fleet.yaml:21:28 regions.guangzhou.clusters.gz1.existing.capacity.cpu: not a CPU quantity, got "32 cores", expected cores such as 2 or 0.5, or millicores such as 500m',
      'fleet.yaml:21:46 regions.guangzhou.clusters.gz1.existing.capacity.memory: not a memory quantity, got "64GB", expected a number with Ki, Mi, Gi or Ti such as 512Mi',
    ],
  ],
  [
    "a capacity instance type the maths cannot read",
    [["instanceType: SA5.2XLARGE16, nodes: 3", "instanceType: big, nodes: 3"]],
    [
      'fleet.yaml:43:37 regions.beijing.clusters.bj1.existing.capacity.instanceType: unreadable instance type "big", expected FAMILY.SIZE<memoryGiB> such as S5.LARGE8 (SIZE: SMALL, MEDIUM, LARGE, <n>XLARGE)',
    ],
  ],
  [
    "a kubeconfig with no source",
    [["kubeconfig: { file: kubeconfigs/gz1.yaml }", "kubeconfig: {}"]],
    [
      "fleet.yaml:20:23 regions.guangzhou.clusters.gz1.existing.kubeconfig: missing, expected { secretConfig: <key> } (a secret of the region's stack config) or { file: <path> } (a kubeconfig file, relative to the fleet file)",
    ],
  ],
  [
    "a kubeconfig with both sources",
    [
      [
        "kubeconfig: { file: kubeconfigs/gz1.yaml }",
        "kubeconfig: { file: kubeconfigs/gz1.yaml, secretConfig: gz1Kubeconfig }",
      ],
    ],
    [
      "fleet.yaml:20:31 regions.guangzhou.clusters.gz1.existing.kubeconfig.file: give secretConfig or file, not both",
    ],
  ],
  [
    "a secret config key of another namespace",
    [["secretConfig: sh1Kubeconfig", "secretConfig: kubernetes:kubeconfig"]],
    [
      'fleet.yaml:31:39 regions.shanghai.clusters.sh1.existing.kubeconfig.secretConfig: must be a stack config key of this project, <key> or tars-federation:<key> (a letter, then letters, digits, _ or -), got "kubernetes:kubeconfig"',
    ],
  ],
  [
    "a secret config key the project uses",
    [["secretConfig: sh1Kubeconfig", "secretConfig: tars-federation:scope"]],
    [
      'fleet.yaml:31:39 regions.shanghai.clusters.sh1.existing.kubeconfig.secretConfig: tars-federation:scope is the project\'s own setting, choose another key such as "sh1Kubeconfig"',
    ],
  ],
  [
    "an existing cluster with node pools",
    [
      [
        '          capacity: { cpu: "16", memory: 32Gi }\n',
        '          capacity: { cpu: "16", memory: 32Gi }\n        nodePools:\n          general: { instanceType: S5.LARGE8, minSize: 1, maxSize: 2, desiredSize: 1 }\n',
      ],
    ],
    [
      "fleet.yaml:33:9 regions.shanghai.clusters.sh1.nodePools: an existing cluster's nodes are not managed by this fleet: remove nodePools and declare existing.capacity",
    ],
  ],
  [
    "a created cluster in an existing network",
    [
      [
        '        existing:\n          kubeconfig: { secretConfig: sh1Kubeconfig }\n          capacity: { cpu: "16", memory: 32Gi }\n',
        "        nodePools:\n          general: { instanceType: S5.LARGE8, minSize: 1, maxSize: 2, desiredSize: 1 }\n",
      ],
    ],
    [
      "fleet.yaml:27:7 regions.shanghai.clusters.sh1: is created by this fleet, but regions.shanghai.network is existing: a created cluster needs the VPC and subnets of a created network; give the cluster existing: { kubeconfig, capacity }, or remove network: existing",
    ],
  ],
  [
    "an existing network at home with TencentDB",
    [["db: { mode: in-cluster }", "db: { mode: tencentdb }"]],
    [
      "fleet.yaml:14:14 regions.guangzhou.network: the home region's network cannot be existing while tars.db.mode is tencentdb (the default): TencentDB is created in the home region's VPC; set tars.db.mode to in-cluster, or remove network: existing",
    ],
  ],
  [
    "CVM pools in an existing network",
    [
      [
        "          capacity: { instanceType: SA5.2XLARGE16, nodes: 3 }\n",
        '          capacity: { instanceType: SA5.2XLARGE16, nodes: 3 }\n    cvm:\n      legacy: { count: 1, instanceType: S5.LARGE8, imageId: img-eb30mz89, zone: ap-beijing-3, tarsnodePackageUrl: "https://example.com/tarsnode.tgz", tarsnodePackageSha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 }\n',
      ],
      ["tars:\n", "tars:\n  images: { tarsAdminRegistry: a/b:1, tarspatch: a/c:1 }\n"],
    ],
    [
      "fleet.yaml:45:5 regions.beijing.cvm: CVM pools need a network this fleet creates (subnets and a security group for the machines), but regions.beijing.network is existing: remove the pools or network: existing",
      "fleet.yaml:45:5 regions.beijing.cvm: CVM pools need the package store in the home region's first cluster gz1, which is existing, so this fleet creates no StorageClass there: set tars.packages.storageClass to a ReadWriteMany class of that cluster, e.g. a CFS class of provisioner com.tencent.cloud.csi.cfs (install TKE's CFS add-on first)",
      'fleet.yaml:46:81 regions.beijing.cvm.legacy.zone: zone "ap-beijing-3" is not a zone of this region, expected a defined name, but none is defined',
    ],
  ],
  [
    "a primary zone in an existing network",
    [
      [
        "    network: existing\n    clusters:\n      sh1:",
        "    network: existing\n    primaryZone: ap-shanghai-2\n    clusters:\n      sh1:",
      ],
    ],
    [
      "fleet.yaml:26:5 regions.shanghai.primaryZone: places the load balancers and the database of a created network; a region whose network is existing has none: remove it",
    ],
  ],
  [
    "two clusters with one kubeconfig",
    [["kubeconfig: { file: kubeconfigs/bj1.yaml }", "kubeconfig: { file: kubeconfigs/gz1.yaml }"]],
    [
      "fleet.yaml:42:31 regions.beijing.clusters.bj1.existing.kubeconfig.file: is also the kubeconfig of regions.guangzhou.clusters.gz1: one cluster cannot be two fleet clusters",
    ],
  ],
  [
    "an unknown network kind",
    [
      [
        "network: existing\n    clusters:\n      gz1:",
        "network: imported\n    clusters:\n      gz1:",
      ],
    ],
    ['fleet.yaml:14:14 regions.guangzhou.network: must be created or existing, got "imported"'],
  ],
];

describe("existing clusters and networks", () => {
  it("accepts the existing-clusters test fleet", () => {
    expect(problems(base)).toEqual([]);
  });

  it.each(rows)("fails on %s", (_name, edits, expected) => {
    expect(problems(edit(base, edits))).toEqual(expected);
  });
});

/** An existing cluster entry for sh1 of the small fleet, instead of its node pools. */
const EXISTING_SH1 =
  '        existing:\n          kubeconfig: { secretConfig: sh1Kubeconfig }\n          capacity: { cpu: "8", memory: 16Gi }\n';
const SH1_POOLS =
  "        nodePools:\n          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 1 }\n";
const GZ1_POOLS =
  "        nodePools:\n          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }\n";

const EXISTING_GZ1 =
  '        existing:\n          kubeconfig: { secretConfig: gz1Kubeconfig }\n          capacity: { cpu: "8", memory: 16Gi }\n';
/** What an existing gz1 with gz's CVM pools gets besides the package store's class (one line added to tars). */
const EXISTING_GZ1_POOL_PROBLEMS = [
  "fleet.yaml:27:5 regions.gz.cvm: CVM pools register with the registries of the region's created clusters, through the load balancers this fleet makes for them, and every cluster of the region is existing: create a cluster here or remove the pools",
  "fleet.yaml:28:7 regions.gz.cvm.legacy: downloads tarsnode from tarsweb's load balancer (no tarsnodePackageUrl), but the home region's first cluster gz1 is existing and gets no load balancer: set tarsnodePackageUrl",
];

const createdNetworkRows: [string, [string, string][], string[]][] = [
  [
    "a created cluster without node pools",
    [[SH1_POOLS, ""]],
    [
      "fleet.yaml:32:7 regions.sh.clusters.sh1.nodePools: missing, expected a map of node pools for a cluster this fleet creates, or existing: { kubeconfig, capacity } for one it does not",
    ],
  ],
  [
    "a created network without zones",
    [["    zones: [ap-shanghai-2]\n", ""]],
    ["fleet.yaml:27:3 regions.sh.zones: missing, expected a list"],
  ],
  [
    "a CCN limit naming an existing network",
    [
      ["    zones: [ap-shanghai-2]\n", "    network: existing\n"],
      [SH1_POOLS, EXISTING_SH1],
    ],
    [
      "fleet.yaml:13:23 network.bandwidth[0].regions[1]: region sh's network is existing: CCN limits apply only between the networks this fleet creates and attaches to its CCN",
      "fleet.yaml:30:14 regions.sh.network: is existing while tars.db.mode is tencentdb (the default): every cluster reaches TencentDB by its name in a Private DNS zone that resolves only in the VPCs this fleet creates and attaches to it; remove network: existing, or set tars.db.mode to in-cluster",
    ],
  ],
  [
    "CVM pools in a region whose clusters all exist",
    [
      [
        GZ1_POOLS,
        '        existing:\n          kubeconfig: { secretConfig: gz1Kubeconfig }\n          capacity: { cpu: "8", memory: 16Gi }\n',
      ],
    ],
    [
      "fleet.yaml:26:5 regions.gz.cvm: CVM pools need the package store in the home region's first cluster gz1, which is existing, so this fleet creates no StorageClass there: set tars.packages.storageClass to a ReadWriteMany class of that cluster, e.g. a CFS class of provisioner com.tencent.cloud.csi.cfs (install TKE's CFS add-on first)",
      "fleet.yaml:26:5 regions.gz.cvm: CVM pools register with the registries of the region's created clusters, through the load balancers this fleet makes for them, and every cluster of the region is existing: create a cluster here or remove the pools",
      "fleet.yaml:27:7 regions.gz.cvm.legacy: downloads tarsnode from tarsweb's load balancer (no tarsnodePackageUrl), but the home region's first cluster gz1 is existing and gets no load balancer: set tarsnodePackageUrl",
    ],
  ],
  [
    "an existing home cluster, CVM pools and a package store that names no class",
    [
      [GZ1_POOLS, EXISTING_GZ1],
      ["  version: v1.1.3\n", "  version: v1.1.3\n  packages: { storageGb: 20 }\n"],
    ],
    [
      "fleet.yaml:6:3 tars.packages: CVM pools need the package store in the home region's first cluster gz1, which is existing, so this fleet creates no StorageClass there: set tars.packages.storageClass to a ReadWriteMany class of that cluster, e.g. a CFS class of provisioner com.tencent.cloud.csi.cfs (install TKE's CFS add-on first)",
      ...EXISTING_GZ1_POOL_PROBLEMS,
    ],
  ],
  [
    "a region named like an infra stack",
    [
      ["homeRegion: gz", "homeRegion: gz-infra"],
      ["  gz:\n", "  gz-infra:\n"],
      ["regions: [gz, sh]", "regions: [gz-infra, sh]"],
    ],
    [
      'fleet.yaml:15:3 regions.gz-infra: region name "gz-infra" ends in "-infra", which names a region\'s infra stack (<region>-infra): choose another name',
    ],
  ],
];

describe("existing clusters beside created ones", () => {
  it("accepts an existing cluster in a created network", () => {
    expect(problems(edit(small, [[SH1_POOLS, EXISTING_SH1]]))).toEqual([]);
  });

  it("accepts an existing home cluster with CVM pools when tars.packages names its class", () => {
    const edits: [string, string][] = [
      [GZ1_POOLS, EXISTING_GZ1],
      ["  version: v1.1.3\n", "  version: v1.1.3\n  packages: { storageClass: cfs-rwx }\n"],
    ];
    expect(problems(edit(small, edits))).toEqual(EXISTING_GZ1_POOL_PROBLEMS);
  });

  it.each(createdNetworkRows)("fails on %s", (_name, edits, expected) => {
    expect(problems(edit(small, edits))).toEqual(expected);
  });
});

describe("kubeconfig files on disk", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-kubeconfig-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads them relative to the fleet file, and names the fleet file's line in a problem", () => {
    writeFileSync(path.join(dir, "gz1.yaml"), files["no-context.yaml"]);
    writeFileSync(path.join(dir, "bj1.yaml"), files["kubeconfigs/bj1.yaml"]);
    const text = edit(base, [
      ["kubeconfigs/gz1.yaml", "gz1.yaml"],
      ["kubeconfigs/bj1.yaml", "bj1.yaml"],
    ]);
    const fleet = path.join(dir, "fleet.yaml");
    expect(() => parseFleet(text, fleet)).toThrow(
      new FleetError([
        {
          file: fleet,
          line: 20,
          col: 31,
          path: "regions.guangzhou.clusters.gz1.existing.kubeconfig.file",
          message:
            'kubeconfig gz1.yaml has no current-context, which names the context to use (contexts: "gz1"); set it with kubectl config use-context <context>',
        },
      ]).message,
    );
    writeFileSync(path.join(dir, "gz1.yaml"), KUBECONFIG);
    expect(parseFleet(text, fleet).spec.regions[0].clusters[0].existing?.kubeconfig).toEqual({
      file: "gz1.yaml",
    });
  });
});

describe("kubeconfigProblem", () => {
  it("accepts a kubeconfig whose current context names a cluster with a server", () => {
    expect(kubeconfigProblem(KUBECONFIG)).toBeUndefined();
  });

  it("fails on a list, or an empty text", () => {
    for (const text of ["- a\n- b\n", ""]) {
      expect(kubeconfigProblem(text)).toBe(
        "is not a kubeconfig: expected a YAML map of kind Config with clusters, contexts and current-context",
      );
    }
  });
});

describe("the capacity of existing clusters", () => {
  it("is what they declare: cpu and memory, or nodes of an instance type", () => {
    const fleet = parseFleet(base, FIXTURE).spec;
    const lines = clusterCapacities(fleet).map((c) => [c.cluster, c.capacity, c.capacityNow]);
    const bj1 = clusterCapacities(
      parseFleet(edit(small, [[SH1_POOLS, EXISTING_SH1]]), "fleet.yaml", {
        readKubeconfig: reader,
      }).spec,
    ).find((c) => c.cluster === "gz1");
    expect(lines.slice(0, 2)).toEqual([
      ["gz1", { cpuMilli: 32000, memoryMiB: 65536 }, { cpuMilli: 32000, memoryMiB: 65536 }],
      ["sh1", { cpuMilli: 16000, memoryMiB: 32768 }, { cpuMilli: 16000, memoryMiB: 32768 }],
    ]);
    // Three nodes of SA5.2XLARGE16 hold three times what one node does, as a node pool of 3.
    expect(lines[2][1]).toEqual(lines[2][2]);
    expect(lines[2][1]).toEqual({
      cpuMilli: ((bj1?.capacity.cpuMilli ?? 0) * 3) / 4,
      memoryMiB: ((bj1?.capacity.memoryMiB ?? 0) * 3) / 4,
    });
  });
});
