/**
 * The real tools of the e2e tier, pinned by Go module path and version, and the pinned modules
 * the Go module proxy refuses here.
 *
 * Built into the tools cache (`tools/go-tools.ts`), with Go's module and build caches shared
 * between them (`<cache>/.go/`), compiling under `nice`. Recipes follow
 * `shared/reference/real-engine.md`; each fact is cited where it is used.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  ensureGoTool,
  type EnsureOptions,
  goEnv,
  type GoTool,
  type GoToolOutcome,
  probeModule,
  toolsDir,
} from "../tools/go-tools";

const PULUMI_VERSION = "v3.248.0";
const KUBERNETES_VERSION = "v1.34.2";

/**
 * The Pulumi CLI. pkg/go.mod at v3.248.0 replaces `sdk/v3 => ../sdk` (so `go install` refuses it:
 * a wrapper requires sdk/v3 at the same tag) and `github.com/atotto/clipboard =>
 * github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e`, which the wrapper repeats.
 * Version, tags and CGO setting as Pulumi's release build (real-engine.md, "Pulumi").
 */
export const PULUMI: GoTool = {
  name: "pulumi",
  module: "github.com/pulumi/pulumi/pkg/v3",
  version: PULUMI_VERSION,
  pkg: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
  build: {
    kind: "wrapper",
    replaces: {
      "github.com/atotto/clipboard":
        "github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e",
    },
    requires: [`github.com/pulumi/pulumi/sdk/v3@${PULUMI_VERSION}`],
    tags: ["osusergo", "grpcnotrace"],
    ldflags: [`-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}`],
    env: { CGO_ENABLED: "0" },
  },
};

/**
 * The Kubernetes provider the proxy serves: `provider/v4@v4.0.0-20260115033456-f47bc2d6f199`,
 * the only version it lists for that module; commit f47bc2d6f199 is the v4.25.0 tag of
 * pulumi/pulumi-kubernetes (`git describe --tags` in its mirror). It stands in for 4.34.2 (see
 * {@link NOT_SERVED}). provider/go.mod replaces `sdk/v4 => ../sdk`: the copy's go.mod takes the
 * sdk/v4 v4.25.0 tag instead. `cmd/pulumi-resource-kubernetes/main.go` embeds
 * `schema-embed.json` and `terraform-mapping-embed.json`, which upstream's `generate.go` writes
 * at build time from the committed `schema.json` (with `version` set) and
 * `terraform-mapping.json` (re-serialised); `prepare` writes the same here.
 */
export const KUBERNETES_PROVIDER_VERSION = "4.25.0";
export const KUBERNETES_PROVIDER: GoTool = {
  name: "pulumi-resource-kubernetes",
  module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
  version: "v4.0.0-20260115033456-f47bc2d6f199",
  pkg: "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes",
  build: {
    kind: "copy",
    replaces: {
      "github.com/pulumi/pulumi-kubernetes/sdk/v4": `github.com/pulumi/pulumi-kubernetes/sdk/v4@v${KUBERNETES_PROVIDER_VERSION}`,
    },
    prepare(dir) {
      const cmd = path.join(dir, "cmd", "pulumi-resource-kubernetes");
      const schema = JSON.parse(readFileSync(path.join(cmd, "schema.json"), "utf8")) as Record<
        string,
        unknown
      >;
      schema.version = KUBERNETES_PROVIDER_VERSION;
      writeFileSync(path.join(cmd, "schema-embed.json"), JSON.stringify(schema));
      const mapping: unknown = JSON.parse(
        readFileSync(path.join(cmd, "terraform-mapping.json"), "utf8"),
      );
      writeFileSync(path.join(cmd, "terraform-mapping-embed.json"), JSON.stringify(mapping));
    },
    // provider/pkg/version.Version, which the provider reports to the engine.
    ldflags: [
      `-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${KUBERNETES_PROVIDER_VERSION}`,
    ],
    env: { CGO_ENABLED: "0" },
  },
};

/**
 * etcd: `go.etcd.io/etcd/server/v3` has package main at its root and replaces `../api`,
 * `../client/pkg`, `../client/v3`, `../pkg`; a wrapper takes their published v3.6.5, which
 * server/go.mod requires.
 */
export const ETCD: GoTool = {
  name: "etcd",
  module: "go.etcd.io/etcd/server/v3",
  version: "v3.6.5",
  pkg: "go.etcd.io/etcd/server/v3",
  build: { kind: "wrapper", env: { CGO_ENABLED: "0" } },
};

/**
 * A Kubernetes control-plane command. k8s.io/kubernetes' go.mod replaces each staging module
 * (`k8s.io/api => ./staging/src/k8s.io/api`, …): the wrapper replaces each by its published
 * `v0.34.2`. `-pgo=off` (the module's `default.pgo` profile is for their own builds) and the
 * version ldflags of `k8s.io/component-base/version`: without them the server says v0.0.0 and
 * Pulumi's Kubernetes provider takes it for a pre-1.24 cluster (real-engine.md).
 */
function kubernetesCommand(name: string): GoTool {
  return {
    name,
    module: "k8s.io/kubernetes",
    version: KUBERNETES_VERSION,
    pkg: `k8s.io/kubernetes/cmd/${name}`,
    build: {
      kind: "wrapper",
      replacesFromGoMod: stagingReplaces(`v0.${KUBERNETES_VERSION.split(".").slice(1).join(".")}`),
      extra: ["-pgo=off"],
      ldflags: [
        `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
        "-X k8s.io/component-base/version.gitMajor=1",
        `-X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION.split(".")[1] ?? ""}`,
        "-X k8s.io/component-base/version.gitTreeState=clean",
      ],
      env: { CGO_ENABLED: "0" },
    },
  };
}

/** `k8s.io/x => ./staging/src/k8s.io/x` lines of a go.mod, as `k8s.io/x => k8s.io/x@<version>`. */
export function stagingReplaces(version: string): (goMod: string) => Record<string, string> {
  return (goMod) => {
    const replaces: Record<string, string> = {};
    for (const match of goMod.matchAll(
      /^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\/src\/\1\s*$/gm,
    )) {
      const module = match[1];
      if (module !== undefined) replaces[module] = `${module}@${version}`;
    }
    return replaces;
  };
}

export const KUBE_APISERVER = kubernetesCommand("kube-apiserver");
export const KUBE_CONTROLLER_MANAGER = kubernetesCommand("kube-controller-manager");
export const KUBE_SCHEDULER = kubernetesCommand("kube-scheduler");

/** kwok: `sigs.k8s.io/kwok` v0.8.0's go.mod has no replaces, so `go install` works. */
export const KWOK: GoTool = {
  name: "kwok",
  module: "sigs.k8s.io/kwok",
  version: "v0.8.0",
  pkg: "sigs.k8s.io/kwok/cmd/kwok",
};

/** The tools built, in build order: the engine first, then the local Kubernetes. */
export const E2E_TOOLS: readonly GoTool[] = [
  PULUMI,
  KUBERNETES_PROVIDER,
  ETCD,
  KUBE_APISERVER,
  KUBE_CONTROLLER_MANAGER,
  KUBE_SCHEDULER,
  KWOK,
];

/** A pinned module the tier needs and the proxy does not serve here. */
export interface NotServed {
  readonly name: string;
  readonly module: string;
  readonly version: string;
  /** What it is for. */
  readonly role: string;
  /** Asked of the proxy on every run (a `go mod download`), or known not to be askable. */
  readonly probe: boolean;
  /** Why it is not asked, when `probe` is false. */
  readonly reason?: string;
}

/**
 * Pinned modules the proxy refused when this tier was written (HTTP 403 "This module version is
 * not available"). Each run asks again, so the report shows the moment one is served.
 */
export const NOT_SERVED: readonly NotServed[] = [
  {
    // sdk/nodejs/cmd/pulumi-language-nodejs/go.mod is a module of its own (no tags): the
    // pseudo-version of the pkg/v3.248.0 tag's commit dc7edd58bc13, committed 2026-06-24T18:00:30Z
    // (pulumi/pulumi mirror). The proxy refuses it, its @v/list and the sdk/v3.248.0 commit too.
    name: "pulumi-language-nodejs",
    module: "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3",
    version: "v3.0.0-20260624180030-dc7edd58bc13",
    role: "runs a Node.js program from its folder (tarsfed's own stacks) and Node.js policy packs",
    probe: true,
  },
  {
    name: "pulumi-resource-kubernetes@4.34.2",
    module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
    version: "4.34.2",
    role: "the Kubernetes provider the lockfile's @pulumi/kubernetes 4.34.2 asks for",
    probe: false,
    reason:
      "provider/v4 has no tags of its own; the v4.34.2 tag's commit is in no mirror here (the " +
      "pulumi-kubernetes mirror ends 2026-07-01, v4.34.2 was prepared in PR #4614, 2026-09-18), " +
      "and the proxy lists only v4.0.0-20260115033456-f47bc2d6f199 (v4.25.0) for the module, " +
      "which is built instead",
  },
  {
    name: "pulumi-resource-random",
    module: "github.com/pulumi/pulumi-random/provider/v4",
    version: "v4.21.2",
    role: "the random provider at the lockfile's @pulumi/random version",
    probe: true,
  },
  {
    name: "terraform-provider-tencentcloud",
    module: "github.com/tencentcloudstack/terraform-provider-tencentcloud",
    version: "v1.83.25",
    role: "the Tencent Cloud Terraform provider the terraform-provider bridge loads",
    probe: true,
  },
];

/** What {@link probeNotServed} found for one module. */
export interface ProbeResult {
  readonly entry: NotServed;
  readonly kind: "refused" | "served" | "not-asked" | "failed";
  readonly reason: string;
}

/** Asks the proxy again for each of {@link NOT_SERVED}. */
export async function probeNotServed(options: EnsureOptions): Promise<ProbeResult[]> {
  const cache = options.cache ?? toolsDir();
  const env = goEnv(cache, options);
  const results: ProbeResult[] = [];
  for (const entry of NOT_SERVED) {
    if (!entry.probe) {
      results.push({ entry, kind: "not-asked", reason: entry.reason ?? "" });
      continue;
    }
    const probe = await probeModule(entry.module, entry.version, env, cache);
    results.push(
      probe.kind === "served"
        ? {
            entry,
            kind: "served",
            reason: `now served, but no build recipe is written for it yet (${entry.module}@${entry.version})`,
          }
        : { entry, kind: probe.kind, reason: probe.reason },
    );
  }
  return results;
}

/** Builds or reuses one tool of the tier. */
export function ensureE2eTool(tool: GoTool, options: EnsureOptions): Promise<GoToolOutcome> {
  return ensureGoTool(tool, { goCaches: "shared", nice: true, ...options });
}
