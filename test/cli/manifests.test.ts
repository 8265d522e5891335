import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { manifestsCommand, type ManifestsResult } from "../../cli/commands/manifests";
import { createContext } from "../../cli/context";
import { type ExitCode } from "../../cli/exit-codes";
import { memoryIo } from "../../cli/io";
import { checkBeyondSchema, isQualifiedName } from "../../cli/manifests/checks";
import { apiVersionKindOf, collectManifests } from "../../cli/manifests/collect";
import { type ManifestObject } from "../../cli/manifests/types";
import {
  KUBERNETES_MODELS_VERSION,
  isMasked,
  modelClass,
  validateManifests,
} from "../../cli/manifests/validate";
import { renderObject, sortForApply } from "../../cli/manifests/write";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type Json, type PlannedResource } from "../../fleet/stacks/plan-document";
import { loadFleet } from "../../fleet/model/load";

let plan: FleetPlan;

beforeAll(async () => {
  plan = await planFleet(loadFleet("stacks/fleet.yaml"));
});

const HELLO_GZ1 = "testapp-helloserver-app-gz-1";

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-manifests-"));
}

/** Runs `manifests` through a small program, with `plan` instead of a real planner. */
async function run(args: readonly string[], fleetPlan: FleetPlan) {
  const io = memoryIo();
  let code: ExitCode | undefined;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const program = new Command().option("--fleet <f>", "", "stacks/fleet.yaml").option("--json");
  const command = manifestsCommand(ctx, { plan: () => Promise.resolve(fleetPlan) });
  command
    .exitOverride()
    .configureOutput({ writeErr: (s) => io.err(s), writeOut: (s) => io.out(s) });
  program.addCommand(command);
  program.exitOverride();
  await program.parseAsync(["manifests", ...args], { from: "user" });
  return { code, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
}

/** The planned resource of the gz1 HelloServer Deployment in `fleetPlan`. */
function helloDeployment(fleetPlan: FleetPlan): PlannedResource {
  const found = fleetPlan.stacks
    .flatMap((s) => s.resources)
    .find(
      (r) =>
        r.type === "kubernetes:apps/v1:Deployment" &&
        (r.inputs.metadata as { name?: string } | undefined)?.name === HELLO_GZ1,
    );
  if (found === undefined) throw new Error("demo plan has no gz1 HelloServer Deployment");
  return found;
}

/** A deep copy of the plan, with `edit` applied to the gz1 HelloServer Deployment's inputs. */
function planWith(edit: (inputs: { [key: string]: Json }) => void): FleetPlan {
  const copy = structuredClone(plan);
  edit(helloDeployment(copy).inputs);
  return copy;
}

function object(kind: string, fields: { [key: string]: Json }): ManifestObject {
  const metadata = fields.metadata as { name?: string; namespace?: string } | undefined;
  return {
    stack: "guangzhou",
    cluster: "gz1",
    urn: `urn:test::${kind}`,
    apiVersion: kind === "Deployment" ? "apps/v1" : "v1",
    kind,
    namespace: metadata?.namespace ?? null,
    name: metadata?.name ?? "",
    object: { apiVersion: kind === "Deployment" ? "apps/v1" : "v1", kind, ...fields },
  };
}

describe("collecting objects", () => {
  it.each([
    ["kubernetes:apps/v1:Deployment", { apiVersion: "apps/v1", kind: "Deployment" }],
    ["kubernetes:core/v1:Service", { apiVersion: "v1", kind: "Service" }],
    [
      "kubernetes:policy/v1:PodDisruptionBudget",
      { apiVersion: "policy/v1", kind: "PodDisruptionBudget" },
    ],
    ["kubernetes:batch/v1:Job", { apiVersion: "batch/v1", kind: "Job" }],
    ["kubernetes:helm.sh/v3:Release", null],
    ["kubernetes:apps/v1:DeploymentPatch", null],
    ["pulumi:providers:kubernetes", null],
    ["tencentcloud:Vpc/vpc:Vpc", null],
  ])("reads %s as a Kubernetes object type", (type, expected) => {
    expect(apiVersionKindOf(type)).toEqual(expected);
  });

  it("finds every object of the demo and the cluster it goes to", () => {
    const { objects, problems } = collectManifests(plan);
    expect(problems).toEqual([]);
    const perCluster = Object.fromEntries(
      ["gz1", "gz2", "sh1", "bj1"].map((c) => [c, objects.filter((o) => o.cluster === c).length]),
    );
    // Each region's services cluster (gz1, sh1, bj1) runs tarsconfig, tarsstat and tarsproperty
    // (meta ConfigMap, NetworkPolicy, Deployment, PDB each) and tarslog (meta ConfigMap,
    // NetworkPolicy, StatefulSet): 15 objects; gz1 adds tarsquerystat and tarsqueryproperty: 8,
    // and the package store's claim and its StorageClass (the demo has CVM pools): 2. Every
    // cluster has the database's ConfigMap (tars-db-config): 1. sh1, the first cluster of the
    // database's standby region, has the standby web: tarsweb's Deployment, PDB, NetworkPolicy
    // and Service, and the two query services' 4 objects each: 12.
    expect(perCluster).toEqual({
      gz1: 45 + 15 + 8 + 2 + 1,
      gz2: 20 + 1,
      sh1: 32 + 15 + 1 + 12,
      bj1: 20 + 15 + 1,
    });
    expect(objects).toHaveLength(117 + 3 * 15 + 8 + 2 + 4 + 12);
  });

  it("fails on an object without a Kubernetes provider", () => {
    const copy = structuredClone(plan);
    (helloDeployment(copy) as { provider: string | null }).provider = null;
    expect(collectManifests(copy).problems).toEqual([
      {
        cluster: "?",
        namespace: "tars",
        kind: "Deployment",
        name: HELLO_GZ1,
        field: "",
        message: "no Kubernetes provider in stack guangzhou, so no known cluster",
      },
    ]);
  });

  it("orders objects for kubectl apply: namespaces, configuration, services, network policies, workloads, PDBs, jobs", () => {
    const gz1 = collectManifests(plan).objects.filter((o) => o.cluster === "gz1");
    const kinds = [...new Set(sortForApply(gz1).map((o) => o.kind))];
    expect(kinds).toEqual([
      "Namespace",
      "StorageClass",
      "ConfigMap",
      "Secret",
      "PersistentVolumeClaim",
      "Service",
      "NetworkPolicy",
      "Deployment",
      "StatefulSet",
      "PodDisruptionBudget",
      "Job",
    ]);
  });
});

describe("checking objects", () => {
  it("passes every object of the demo", () => {
    expect(validateManifests(collectManifests(plan).objects)).toEqual([]);
  });

  it("uses the pinned kubernetes-models", () => {
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(KUBERNETES_MODELS_VERSION).toBe(pkg.dependencies["kubernetes-models"]);
    expect(modelClass("policy/v1", "PodDisruptionBudget")).not.toBeNull();
    expect(modelClass("v1", "Affinity")).toBeNull();
    expect(modelClass("../v1", "Service")).toBeNull();
  });

  it("accepts a Secret whose stringData is masked", () => {
    const secret = object("Secret", {
      metadata: { name: "tars-db", namespace: "tars-system" },
      stringData: "[secret]",
      type: "Opaque",
    });
    expect(validateManifests([secret])).toEqual([]);
  });

  it("fails on an unknown kind", () => {
    const widget: ManifestObject = {
      ...object("Widget", { metadata: { name: "w", namespace: "tars" } }),
      apiVersion: "example.com/v1",
    };
    expect(validateManifests([widget])).toEqual([
      {
        cluster: "gz1",
        namespace: "tars",
        kind: "Widget",
        name: "w",
        field: "kind",
        message: `unknown kind "Widget" in apiVersion "example.com/v1": not in the Kubernetes v1.33 API of kubernetes-models ${KUBERNETES_MODELS_VERSION}`,
      },
    ]);
  });

  it.each<[string, string, { [key: string]: Json }, string[]]>([
    [
      "a Service name that starts with a digit",
      "Service",
      {
        metadata: { name: "1web", namespace: "tars" },
        spec: { ports: [{ port: 80, targetPort: "http" }] },
      },
      [
        'metadata.name: must be a DNS-1035 label (at most 63 of a-z, 0-9 and "-", starting with a letter, ending with a letter or digit), got "1web"',
      ],
    ],
    [
      "a port that is neither a number nor a name",
      "Service",
      {
        metadata: { name: "web", namespace: "tars" },
        spec: { ports: [{ port: 80, targetPort: true }] },
      },
      ["spec.ports[0].targetPort: must be string or integer, got true"],
    ],
    [
      "a namespaced object without a namespace",
      "ConfigMap",
      { metadata: { name: "a.b" } },
      [
        "metadata.namespace: is required: a ConfigMap is namespaced, and tarsfed never relies on the kubeconfig's default namespace",
      ],
    ],
    [
      "an unknown top-level field and a typo in metadata",
      "ConfigMap",
      { metadata: { name: "c", namespace: "tars", label: {} }, spec: {} },
      [
        "spec: unknown field: a ConfigMap has only apiVersion, kind, metadata, data, binaryData, immutable",
        "metadata.label: unknown field of metadata",
      ],
    ],
    [
      "bad label keys and values",
      "Service",
      {
        metadata: { name: "web", namespace: "tars", labels: { "a/b/c": "x", ok: "shop.cd.*" } },
        spec: { selector: { app: "-x" }, ports: [{ port: 0, targetPort: "Not_A_Name" }] },
      },
      [
        'metadata.labels["a/b/c"]: invalid label key: an optional DNS subdomain and /, then at most 63 of A-Z, a-z, 0-9 and -_. starting and ending with a letter or digit',
        'metadata.labels.ok: invalid label value: at most 63 of A-Z, a-z, 0-9 and -_. starting and ending with a letter or digit, got "shop.cd.*"',
        'spec.selector.app: invalid label value: at most 63 of A-Z, a-z, 0-9 and -_. starting and ending with a letter or digit, got "-x"',
        "spec.ports[0].port: must be a port number from 1 to 65535, got 0",
        'spec.ports[0].targetPort: must be a port number or an IANA service name, got "Not_A_Name"',
      ],
    ],
  ])("fails on %s", (_case, kind, fields, expected) => {
    expect(
      validateManifests([object(kind, fields)]).map((p) => `${p.field}: ${p.message}`),
    ).toEqual(expected);
  });

  it("fails on a name that can't be a path segment, whatever the kind", () => {
    const role = { metadata: { name: "../x", namespace: "tars" } };
    expect(checkBeyondSchema(role, "Role", isMasked)).toEqual([
      {
        path: ["metadata", "name"],
        message: 'must be a path segment (not empty, "." or "..", without "/" or "%"), got "../x"',
      },
    ]);
  });

  it.each([
    ["app.kubernetes.io/name", true],
    ["tarsfed.io/set", true],
    ["plain", true],
    ["Upper.Case_ok-1", true],
    ["a/b/c", false],
    ["-start", false],
    ["Example.COM/name", false],
    [`${"a".repeat(64)}`, false],
  ])("reads %s as a label key: %s", (key, valid) => {
    expect(isQualifiedName(key)).toBe(valid);
  });
});

describe("writing YAML", () => {
  it("quotes strings that YAML 1.1 would read as booleans or numbers", () => {
    const data = { enabled: "on", answer: "yes", mode: "0755", off: "n" };
    const text = renderObject(
      object("ConfigMap", { metadata: { name: "flags", namespace: "tars" }, data }),
    );
    expect(text).toContain(
      'data:\n  enabled: "on"\n  answer: "yes"\n  mode: "0755"\n  "off": "n"\n',
    );
    expect((parse(text, { version: "1.1" }) as { data: unknown }).data).toEqual(data);
  });
});

describe("tarsfed manifests", () => {
  it("writes one folder per cluster, each object in its own file and all.yaml", async () => {
    const out = path.join(tempDir(), "manifests");
    const result = await run(["--out", out], plan);
    expect(result.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(["bj1", "gz1", "gz2", "sh1"]);
    const file = path.join(out, "gz1", "tars", `Deployment-${HELLO_GZ1}.yaml`);
    expect(parse(fs.readFileSync(file, "utf8"), { version: "1.1" })).toEqual(
      helloDeployment(plan).inputs,
    );
    const all = parseAllDocuments(fs.readFileSync(path.join(out, "gz1", "all.yaml"), "utf8"));
    expect(all).toHaveLength(71);
    expect(all.map((d) => d.errors)).toEqual(all.map(() => []));
    const namespaces = fs.readdirSync(path.join(out, "gz1", "_cluster")).sort();
    expect(namespaces).toEqual([
      "Namespace-tars-system.yaml",
      "Namespace-tars.yaml",
      "StorageClass-tars-packages-cfs.yaml",
    ]);
    expect(result.stdout).toContain(
      "all 188 objects passed the Kubernetes v1.33 schema check (kubernetes-models 4.5.1)",
    );
    expect(result.stderr).toBe(`wrote 192 files into ${out}`);
  });

  it("prints the JSON shape", async () => {
    const out = path.join(tempDir(), "m");
    const result = await run(["--out", out, "--json"], plan);
    const document = JSON.parse(result.stdout) as ManifestsResult;
    expect(result.code).toBe(0);
    expect(Object.keys(document)).toEqual(["out", "clusters", "problems"]);
    expect(document.out).toBe(out);
    expect(document.problems).toEqual([]);
    expect(document.clusters.map((c) => [c.cluster, c.objects, c.files.length])).toEqual([
      ["gz1", 71, 72],
      ["gz2", 21, 22],
      ["sh1", 60, 61],
      ["bj1", 36, 37],
    ]);
    expect(document.clusters[0]?.files).toContain(path.join(out, "gz1", "all.yaml"));
  });

  it("removes files an earlier run wrote that the plan no longer has, and nothing else", async () => {
    const out = tempDir();
    const old = path.join(out, "gz1", "tars", "Deployment-gone.yaml");
    const otherStack = path.join(out, "xx1", "tars", "Deployment-kept.yaml");
    const goneCluster = path.join(out, "zz9", "tars", "Deployment-gone.yaml");
    const mine = path.join(out, "gz1", "notes.yaml");
    for (const [file, stack] of [
      [old, "guangzhou"],
      [otherStack, "elsewhere"],
      [goneCluster, "guangzhou"],
    ] as const) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        `# Generated by tarsfed manifests from stack ${stack}, cluster x; do not edit.\n`,
      );
    }
    fs.writeFileSync(mine, "hand: written\n");
    const result = await run(["--out", out], plan);
    expect(result.code).toBe(0);
    const exist = [old, otherStack, mine, path.join(out, "zz9")].map((f) => fs.existsSync(f));
    expect(exist).toEqual([false, true, true, false]);
    expect(result.stderr).toBe(`wrote 192 files into ${out}, removed 2 stale`);
  });

  it("fails on an invalid object, naming the object and the field, and writes nothing", async () => {
    const broken = planWith((inputs) => {
      const spec = inputs.spec as {
        replicas: Json;
        template: { spec: { containers: { ports: { containerPort: number }[] }[] } };
      };
      spec.replicas = "three";
      const port = spec.template.spec.containers[0]?.ports[0];
      if (port) port.containerPort = 70000;
      (inputs.metadata as { name: string }).name = "Bad_Name";
    });
    const out = path.join(tempDir(), "never");
    const result = await run(["--out", out], broken);
    expect(result.code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
    expect(result.stdout).toBe(
      [
        'gz1/tars/Deployment/Bad_Name spec.replicas: must be integer, got "three"',
        'gz1/tars/Deployment/Bad_Name metadata.name: must be a DNS-1123 label (at most 63 of a-z, 0-9 and "-", starting and ending with a letter or digit), got "Bad_Name"',
        "gz1/tars/Deployment/Bad_Name spec.template.spec.containers[0].ports[0].containerPort: must be a port number from 1 to 65535, got 70000",
        `3 problem(s); nothing written to ${out}`,
        "",
      ].join("\n"),
    );
  });

  it("fails with the problems in the JSON document", async () => {
    const broken = planWith((inputs) => {
      (inputs.spec as { replicas: Json }).replicas = "three";
    });
    const out = path.join(tempDir(), "never");
    const result = await run(["--out", out, "--json"], broken);
    const document = JSON.parse(result.stdout) as ManifestsResult;
    expect(result.code).toBe(1);
    expect(document.problems).toEqual([
      {
        cluster: "gz1",
        namespace: "tars",
        kind: "Deployment",
        name: HELLO_GZ1,
        field: "spec.replicas",
        message: 'must be integer, got "three"',
      },
    ]);
    expect(document.clusters.every((c) => c.files.length === 0)).toBe(true);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("fails without --out", async () => {
    const error = await run([], plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect(error).toMatchObject({ code: "commander.missingMandatoryOptionValue" });
  });
});
