import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet, type LoadedFleet } from "../../fleet/model/load";
import { diffCommand } from "../../cli/commands/diff";
import { createContext } from "../../cli/context";
import { diffPlans, type FleetDiff, type StackDiff } from "../../cli/diff/compare";
import { renderDiffMarkdown, renderDiffText } from "../../cli/diff/render";
import { ExitCode } from "../../cli/exit-codes";
import { memoryIo } from "../../cli/io";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type Json, type PlannedResource } from "../../fleet/stacks/plan-document";
import { demoText, replaceOnce } from "../fleet/fleet-copies";

const DEMO = "stacks/fleet.yaml";
const NODE_POOL = "tencentcloud:index/kubernetesNodePool:KubernetesNodePool";
const CLUSTER = "tencentcloud:index/kubernetesCluster:KubernetesCluster";
const SUBNET = "tencentcloud:index/subnet:Subnet";
const MYSQL = "tencentcloud:index/mysqlInstance:MysqlInstance";
const CLB = "tencentcloud:index/clbInstance:ClbInstance";
const ENDPOINT = "tencentcloud:index/kubernetesClusterEndpoint:KubernetesClusterEndpoint";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
/** The home stack's IDC group Job: named after its rules' hash, so new rules replace it. */
const IDC_JOB = "tars-db-idc-groups-job";
const K8S_PROVIDER_URN = "urn:pulumi:s::p::pulumi:providers:kubernetes::k8s";

// ---------------------------------------------------------------------------------------------
// Hand-made plans

function resource(type: string, name: string, inputs: { [key: string]: Json }): PlannedResource {
  const provider = type.startsWith("kubernetes:") ? K8S_PROVIDER_URN : null;
  const urn = `urn:pulumi:s::p::${type}::${name}`;
  const parent = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s";
  const flags = {
    custom: true,
    protect: false,
    retainOnDelete: false,
    dependencies: [],
    ignoreChanges: [],
  };
  return { urn, type, name, parent, provider, inputs, ...flags };
}

function plan(...stacks: [string, PlannedResource[]][]): FleetPlan {
  const empty = { outputs: {}, violations: [] };
  return {
    fleet: "demo",
    stacks: stacks.map(([name, resources]) => ({ name, resources, ...empty })),
  };
}

/** The one change of a one-resource diff. */
function onlyChange(
  before: PlannedResource,
  after: PlannedResource,
  extra: PlannedResource[] = [],
) {
  const diff = diffPlans(plan(["s", [before, ...extra]]), plan(["s", [after, ...extra]]));
  expect(diff.stacks[0].changed).toHaveLength(1);
  const { replace, fields, replaceFields } = diff.stacks[0].changed[0];
  return { replace, fields, replaceFields };
}

const pool = (autoScalingConfig: { [key: string]: Json }, maxSize = 10) =>
  resource(NODE_POOL, "gz1-general", { autoScalingConfig, maxSize, subnetIds: ["subnet-a"] });

const deployment = (spec: { [key: string]: Json }) =>
  resource(DEPLOYMENT, "web", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "tars", labels: { "tarsfed.io/set": "app.gz.1" } },
    spec,
  });

const podSpec = (env: Json[]) => ({ containers: [{ name: "web", image: "web:1", env }] });

const replaces = (before: PlannedResource, after: PlannedResource, extra?: PlannedResource[]) =>
  onlyChange(before, after, extra).replace;

describe("diffPlans", () => {
  it("reports nothing when only the order of object keys differs", () => {
    const a = resource(SUBNET, "n", { cidrBlock: "10.0.0.0/24", tags: { a: "1", b: "2" } });
    const b = resource(SUBNET, "n", { tags: { b: "2", a: "1" }, cidrBlock: "10.0.0.0/24" });
    const diff = diffPlans(plan(["s", [a]]), plan(["s", [b]]));
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 0, replaced: 0 });
  });

  it("names changed fields by path: one array index at most, whole arrays that change length", () => {
    const env = (value: string) => podSpec([{ name: "A", value }]);
    const before = deployment({ replicas: 1, template: { spec: env("1") } });
    expect(
      onlyChange(before, deployment({ replicas: 3, template: { spec: env("2") } })).fields,
    ).toEqual(["spec.replicas", "spec.template.spec.containers[0].env"]);
    const after = resource(DEPLOYMENT, "web", {
      ...before.inputs,
      metadata: { name: "web", namespace: "tars", labels: {} },
      spec: { replicas: 1, template: { spec: podSpec([]) } },
    });
    expect(onlyChange(before, after).fields).toEqual([
      'metadata.labels["tarsfed.io/set"]',
      "spec.template.spec.containers[0].env",
    ]);
  });

  it("replaces a node pool whose instance type changes (nested ForceNew), not its size", () => {
    const general = pool({ instanceType: "SA5.2XLARGE16", systemDiskSize: 100 });
    expect(
      onlyChange(general, pool({ instanceType: "SA5.4XLARGE32", systemDiskSize: 100 })),
    ).toEqual({
      replace: true,
      fields: ["autoScalingConfig.instanceType"],
      replaceFields: ["autoScalingConfig.instanceType"],
    });
    expect(
      onlyChange(general, pool({ instanceType: "SA5.2XLARGE16", systemDiskSize: 200 }, 12)),
    ).toEqual({
      replace: false,
      fields: ["autoScalingConfig.systemDiskSize", "maxSize"],
      replaceFields: [],
    });
  });

  it("replaces a cluster when a field inside a list element is ForceNew", () => {
    const cluster = (subnetId: string) =>
      resource(CLUSTER, "gz1-cluster", { workerConfigs: [{ subnetId, count: 1 }] });
    expect(onlyChange(cluster("subnet-a"), cluster("subnet-b")).replaceFields).toEqual([
      "workerConfigs[0].subnetId",
    ]);
  });

  it("replaces a Deployment whose selector changes, not one whose replicas change", () => {
    const web = (replicas: number, set: string) =>
      deployment({ replicas, selector: { matchLabels: { "tarsfed.io/set": set } } });
    expect(onlyChange(web(1, "app.gz.1"), web(1, "app.gz.2")).replaceFields).toEqual([
      'spec.selector.matchLabels["tarsfed.io/set"]',
    ]);
    expect(replaces(web(1, "app.gz.1"), web(2, "app.gz.1"))).toBe(false);
  });

  it("replaces a ConfigMap whose data changes unless its provider makes ConfigMaps mutable", () => {
    const meta = (data: string, immutable = false) =>
      resource(CONFIG_MAP, "meta", { metadata: { name: "meta" }, data: { data }, immutable });
    const provider = (enableConfigMapMutable: string) => [
      resource("pulumi:providers:kubernetes", "k8s", { enableConfigMapMutable }),
    ];
    expect(replaces(meta("a"), meta("b"), provider("false"))).toBe(true);
    expect(replaces(meta("a"), meta("b"), provider("true"))).toBe(false);
    expect(replaces(meta("a", true), meta("b", true), provider("true"))).toBe(true);
  });

  it("updates a provider in place and replaces what moves to another provider", () => {
    const k8s = (kubeconfig: string) =>
      resource("pulumi:providers:kubernetes", "k8s", { kubeconfig });
    expect(replaces(k8s("a"), k8s("b"))).toBe(false);
    const meta = resource(CONFIG_MAP, "meta", { data: { a: "1" } });
    expect(onlyChange(meta, { ...meta, provider: "urn:other" })).toEqual({
      replace: true,
      fields: ["(provider)"],
      replaceFields: ["(provider)"],
    });
  });

  it("replaces a random password on any input change", () => {
    const password = (length: number) =>
      resource("random:index/randomPassword:RandomPassword", "pw", { length });
    expect(replaces(password(16), password(20))).toBe(true);
  });

  it("counts every resource of a stack only one side has as added or removed", () => {
    const vpc = resource("tencentcloud:index/vpc:Vpc", "v", { cidrBlock: "10.0.0.0/16" });
    const diff = diffPlans(plan(["old", [vpc]]), plan(["new", [vpc, pool({})]]));
    expect(diff.stacks.map((s) => [s.name, s.added.length, s.removed.length])).toEqual([
      ["new", 2, 0],
      ["old", 0, 1],
    ]);
    expect(diff.summary).toEqual({ added: 2, removed: 1, changed: 0, replaced: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
// The demo fleet, planned for real (offline). Pulumi's runtime is per process: plans run one
// after the other.

const CHENGDU = `
  chengdu:
    tencentRegion: ap-chengdu
    vpcCidr: 10.40.0.0/16
    zones: [ap-chengdu-1, ap-chengdu-2]
    clusters:
      cd1:
        kubernetesVersion: "1.30.0"
        serviceCidr: 172.23.0.0/20
        nodePools:
          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }
`;

/** Edits of the demo fleet's text: [search, replacement]. */
const VARIANTS = {
  failover: [
    "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
    "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
  ],
  scale: [
    "serviceCidr: 172.20.0.0/20\n        nodePools:\n          general: { instanceType: SA5.2XLARGE16, minSize: 2, maxSize: 10,",
    "serviceCidr: 172.20.0.0/20\n        nodePools:\n          general: { instanceType: SA5.2XLARGE16, minSize: 2, maxSize: 12,",
  ],
  zone: [
    "zones: [ap-guangzhou-3, ap-guangzhou-6]",
    "zones: [ap-guangzhou-3, ap-guangzhou-6, ap-guangzhou-7]",
  ],
  serviceCidr: ["serviceCidr: 172.20.0.0/20", "serviceCidr: 172.20.32.0/20"],
  region: ["\nsets:", `${CHENGDU}\nsets:`],
  // A zone numbered below every other: the default primary zone moves to it.
  lowerZone: [
    "zones: [ap-guangzhou-3, ap-guangzhou-6]",
    "zones: [ap-guangzhou-3, ap-guangzhou-6, ap-guangzhou-2]",
  ],
  lowerZonePinned: [
    "zones: [ap-guangzhou-3, ap-guangzhou-6]",
    "zones: [ap-guangzhou-3, ap-guangzhou-6, ap-guangzhou-2]\n    primaryZone: ap-guangzhou-3",
  ],
} as const;

/** Edits of several places at once: each [search, replacement]. */
const MULTI_VARIANTS = {
  // Every region's zones listed the other way round.
  zoneOrder: [
    ["zones: [ap-guangzhou-3, ap-guangzhou-6]", "zones: [ap-guangzhou-6, ap-guangzhou-3]"],
    ["zones: [ap-shanghai-2, ap-shanghai-4]", "zones: [ap-shanghai-4, ap-shanghai-2]"],
    ["zones: [ap-beijing-3, ap-beijing-5]", "zones: [ap-beijing-5, ap-beijing-3]"],
  ],
} as const;

type Variant = keyof typeof VARIANTS | keyof typeof MULTI_VARIANTS;

const plans = new Map<string, FleetPlan>();
const fleets = new Map<string, LoadedFleet>();

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-diff-"));
  fleets.set("demo", loadFleet(DEMO));
  for (const [name, [search, replacement]] of Object.entries(VARIANTS)) {
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, replaceOnce(demoText, search, replacement));
    fleets.set(name, loadFleet(file));
  }
  for (const [name, edits] of Object.entries(MULTI_VARIANTS)) {
    const file = path.join(dir, `${name}.yaml`);
    const text = edits.reduce(
      (t, [search, replacement]) => replaceOnce(t, search, replacement),
      demoText,
    );
    fs.writeFileSync(file, text);
    fleets.set(name, loadFleet(file));
  }
  for (const [name, fleet] of fleets) plans.set(name, await planFleet(fleet));
});

function demoDiff(variant: Variant): FleetDiff {
  return diffPlans(plans.get("demo")!, plans.get(variant)!);
}

function stack(diff: FleetDiff, name: string): StackDiff {
  const found = diff.stacks.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no stack ${name}`);
  return found;
}

const touched = (s: StackDiff) => s.added.length + s.removed.length + s.changed.length > 0;
const names = (refs: readonly { name: string }[]) => refs.map((r) => r.name).sort();

describe("diff of the demo fleet", () => {
  it("is empty against itself", () => {
    const diff = diffPlans(plans.get("demo")!, plans.get("demo")!);
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 0, replaced: 0 });
    expect(diff.stacks.map((s) => s.name)).toEqual([
      "global",
      "guangzhou-infra",
      "shanghai-infra",
      "beijing-infra",
      "guangzhou",
      "shanghai",
      "beijing",
    ]);
  });

  it("after a Set failover changes only that Set's workloads, replacing nothing", () => {
    const diff = demoDiff("failover");
    const deployments = [
      "testapp-helloserver-app-gz-1",
      "testapp-orderserver-app-gz-1",
      "shop-cartserver-app-gz-1",
    ];
    const ofTheSet = (name: string) => deployments.some((d) => name.includes(d));
    expect(diff.stacks.filter(touched).map((s) => s.name)).toEqual(["guangzhou", "shanghai"]);
    const guangzhou = stack(diff, "guangzhou");
    expect(guangzhou.added).toEqual([]);
    expect(guangzhou.changed).toEqual([]);
    expect(guangzhou.removed).toHaveLength(15); // component, ConfigMap, NetworkPolicy, PDB, Deployment × 3
    expect(guangzhou.removed.every((r) => ofTheSet(r.name))).toBe(true);
    const shanghai = stack(diff, "shanghai");
    expect([shanghai.added, shanghai.removed]).toEqual([[], []]);
    expect(names(shanghai.changed)).toEqual(deployments.map((d) => `sh1-${d}-deployment`).sort());
    for (const change of shanghai.changed) {
      expect(change.fields).toEqual([
        'metadata.labels["tarsfed.io/role"]',
        "spec.replicas",
        "spec.template.spec.containers[0].env",
      ]);
    }
    expect(diff.summary).toEqual({ added: 0, removed: 15, changed: 3, replaced: 0 });
    // The warm standby copy now runs at the Set's size, with traffic.
    const copy = plans
      .get("failover")!
      .stacks.find((s) => s.name === "shanghai")!
      .resources.find((r) => r.name === "sh1-testapp-helloserver-app-gz-1-deployment")!;
    const spec = copy.inputs.spec as { replicas: number; template: Json };
    expect(spec.replicas).toBe(3);
    expect(JSON.stringify(spec.template)).not.toContain("TARS_DISABLE_FLOW");
  });

  it("after scaling a node pool updates only that pool, in place", () => {
    const diff = demoDiff("scale");
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 1, replaced: 0 });
    // A node pool is the infra stack's: no TARS stack changes.
    expect(diff.stacks.filter(touched).map((s) => s.name)).toEqual(["guangzhou-infra"]);
    expect(stack(diff, "guangzhou-infra").changed).toMatchObject([
      { type: NODE_POOL, name: "gz1-general", replace: false, fields: ["maxSize"] },
    ]);
  });

  it("after adding a zone adds subnets and moves no existing subnet, VPC, cluster or database", () => {
    const diff = demoDiff("zone");
    const guangzhou = stack(diff, "guangzhou-infra");
    // New subnets are new IDC group rules: every region's registries restart to read them; the
    // standby web's CLB group in shanghai-infra admits the new node subnet, as tarsweb's does.
    expect(diff.stacks.filter(touched).map((s) => s.name)).toEqual([
      "guangzhou-infra",
      "shanghai-infra",
      "guangzhou",
      "shanghai",
      "beijing",
    ]);
    expect(guangzhou.removed).toEqual([]);
    expect(guangzhou.added.map((r) => [r.type, r.name])).toEqual([
      [SUBNET, "guangzhou-node-ap-guangzhou-7"],
      [SUBNET, "guangzhou-pod-gz1-ap-guangzhou-7"],
    ]);
    expect(guangzhou.changed.filter((c) => c.type === SUBNET)).toEqual([]);
    expect(guangzhou.changed.find((c) => c.type === CLUSTER)).toMatchObject({
      name: "gz1-cluster",
      replace: false,
      fields: ["eniSubnetIds"],
    });
    // Node pools keep the subnets they were created with (ignoreChanges: subnetIds is ForceNew):
    // nothing is replaced but the IDC group Job (the TARS stack's), which runs again with the new
    // rules.
    expect(guangzhou.changed.filter((c) => c.replace)).toEqual([]);
    expect(guangzhou.changed.filter((c) => c.type === NODE_POOL)).toEqual([]);
    expect(
      stack(diff, "guangzhou")
        .changed.filter((c) => c.replace)
        .map((c) => c.name),
    ).toEqual([IDC_JOB]);
  });

  it("after reordering every region's zones changes nothing: no subnet, no single-zone resource", () => {
    const diff = demoDiff("zoneOrder");
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 0, replaced: 0 });
  });

  it("after adding a zone numbered below the others moves the database and replaces the CLBs", () => {
    const guangzhou = stack(demoDiff("lowerZone"), "guangzhou-infra");
    const single = guangzhou.changed.filter((c) => c.type === MYSQL || c.type === CLB);
    expect(single.map((c) => [c.name, c.replace, c.fields]).sort()).toEqual([
      ["gz1-tars-registry-clb", true, ["subnetId"]],
      ["gz2-tars-registry-clb", true, ["subnetId"]],
      // With the demo's standby, the master's replica node follows to the next zone up.
      ["tars-db-mysql", false, ["availabilityZone", "firstSlaveZone", "subnetId"]],
      ["tars-home-web-clb", true, ["subnetId"]],
    ]);
  });

  it("after adding a zone numbered below the others, with primaryZone kept, only adds subnets", () => {
    const diff = demoDiff("lowerZonePinned");
    const guangzhou = stack(diff, "guangzhou-infra");
    expect(guangzhou.added.map((r) => r.name)).toEqual([
      "guangzhou-node-ap-guangzhou-2",
      "guangzhou-pod-gz1-ap-guangzhou-2",
    ]);
    // Nothing is replaced but the IDC group Job (the TARS stack's), no single-zone resource
    // changes, nothing needs consent.
    expect(guangzhou.changed.filter((c) => c.replace)).toEqual([]);
    expect(
      stack(diff, "guangzhou")
        .changed.filter((c) => c.replace)
        .map((c) => c.name),
    ).toEqual([IDC_JOB]);
    expect(guangzhou.changed.filter((c) => [MYSQL, CLB, ENDPOINT].includes(c.type))).toEqual([]);
    expect([guangzhou.critical, stack(diff, "guangzhou").critical]).toEqual([[], []]);
  });

  it("after changing a cluster's service CIDR replaces the cluster", () => {
    const diff = demoDiff("serviceCidr");
    expect(diff.summary).toEqual({ added: 0, removed: 0, changed: 1, replaced: 1 });
    expect(stack(diff, "guangzhou-infra").changed).toEqual([
      {
        type: CLUSTER,
        name: "gz1-cluster",
        urn: expect.stringContaining("::gz1-cluster") as string,
        replace: true,
        fields: ["serviceCidr"],
        replaceFields: ["serviceCidr"],
      },
    ]);
  });

  it("after adding a region adds its stack and bandwidth limits, replacing nothing", () => {
    const diff = demoDiff("region");
    for (const name of ["chengdu-infra", "chengdu"]) {
      const chengdu = stack(diff, name);
      const planned = plans.get("region")!.stacks.find((s) => s.name === name)!;
      expect(chengdu.added.length).toBe(planned.resources.length);
      expect([chengdu.removed, chengdu.changed]).toEqual([[], []]);
    }
    expect(names(stack(diff, "global").added)).toEqual([
      "demo-bandwidth-beijing-chengdu",
      "demo-bandwidth-chengdu-guangzhou",
      "demo-bandwidth-chengdu-shanghai",
    ]);
    expect(diff.summary.removed).toBe(0);
    // Only the IDC group Job, which writes the new region's group.
    expect(diff.summary.replaced).toBe(1);
    expect(stack(diff, "guangzhou").changed.filter((c) => c.replace)).toMatchObject([
      { name: IDC_JOB },
    ]);
  });

  it("renders replacements first, and a summary line", () => {
    const diff = demoDiff("serviceCidr");
    const text = renderDiffText(diff);
    expect(text).toContain("± replace");
    expect(text).toContain("serviceCidr (replaces)");
    expect(text.trimEnd().split("\n").at(-1)).toContain(
      "0 added, 0 removed, 1 changed (1 replaced)",
    );
    const markdown = renderDiffMarkdown(diff, { base: "a.yaml", head: "b.yaml" });
    expect(markdown).toContain("## Fleet diff: `b.yaml` against `a.yaml`");
    expect(markdown).toContain(
      "| **± replace** | `tencentcloud:KubernetesCluster` | `gz1-cluster` | **`serviceCidr`** (replaces) |",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The command, through a program shaped like `cli/main.ts`, with the plans above.

async function runCli(argv: string[]) {
  const io = memoryIo();
  let code: ExitCode = ExitCode.Ok;
  const ctx = createContext(io, (c) => (code = c));
  // The plans made above, by fleet file: the command's own work is loading, comparing, printing.
  const deps = {
    plan: (fleet: LoadedFleet) => {
      const name = [...fleets].find(([, f]) => f.file === fleet.file)?.[0];
      if (name === undefined) throw new Error(`unexpected fleet ${fleet.file}`);
      return Promise.resolve(plans.get(name)!);
    },
  };
  const output = { writeOut: (s: string) => io.out(s), writeErr: (s: string) => io.err(s) };
  const program = new Command("tarsfed").option("--fleet <file>", "", DEMO).option("--json");
  program.exitOverride().configureOutput(output);
  program.addCommand(diffCommand(ctx, deps).exitOverride().configureOutput(output));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    code = ExitCode.Usage;
  }
  return { code, io };
}

describe("tarsfed diff", () => {
  it("prints one JSON document in the DESIGN.md shape and exits 0", async () => {
    const head = fleets.get("failover")!.file;
    const { code, io } = await runCli(["--fleet", head, "diff", "--base", DEMO, "--json"]);
    expect(code).toBe(ExitCode.Ok);
    expect(io.stdout).toHaveLength(1);
    const document = JSON.parse(io.stdout[0]) as FleetDiff;
    expect(Object.keys(document)).toEqual(["stacks", "summary"]);
    expect(Object.keys(document.stacks[0])).toEqual([
      "name",
      "added",
      "removed",
      "changed",
      "critical",
    ]);
    expect(Object.keys(stack(document, "shanghai").changed[0])).toEqual(
      expect.arrayContaining(["type", "name", "replace", "fields"]),
    );
    expect(document.summary).toEqual({ added: 0, removed: 15, changed: 3, replaced: 0 });
  });

  it("fails with a usage error when --base is missing", async () => {
    const { code, io } = await runCli(["diff"]);
    expect(code).toBe(ExitCode.Usage);
    expect(io.stderr.join("")).toContain("error: required option '--base <file>' not specified");
  });
});
