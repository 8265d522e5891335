/**
 * Kubeconfigs of existing clusters: where a stack reads one, and whether a text is one it can use.
 *
 * A TARS stack reaches an existing cluster through the kubeconfig's current context, as kubectl
 * does: `current-context` names an entry of `contexts`, whose `cluster` names an entry of
 * `clusters`, which has the API server's `server` URL. A kubeconfig without those would make the
 * Kubernetes provider fall back to defaults (another cluster, or none), so it is refused here,
 * before any stack runs.
 * @see https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/ (Config, NamedContext, NamedCluster)
 * @see https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
 */
import * as path from "node:path";
import { parse } from "yaml";
import { type KubeconfigSource } from "./model";

/** The stack config namespace of this project (`Pulumi.yaml`'s name): keys without one are in it. */
export const PROJECT_CONFIG_NAMESPACE = "tars-federation";

/**
 * Keys of the project's own stack config (`index.ts`), which no kubeconfig may take.
 */
export const RESERVED_CONFIG_KEYS: readonly string[] = [
  "scope",
  "fleet",
  "globalStack",
  "homeStack",
  "homeInfraStack",
  "infraStack",
  // The TARS stacks' reference to the infra stack holding the database's record (program/tars.ts).
  "dbRecordStack",
];

/** A kubeconfig key as written: `<key>` or `tars-federation:<key>`. */
const CONFIG_KEY = /^(?:tars-federation:)?([A-Za-z][A-Za-z0-9_-]*)$/;

/**
 * The key (without namespace) a `secretConfig` names, or undefined when it is not one this
 * project reads: a letter, then letters, digits, `_` or `-`, optionally after `tars-federation:`.
 */
export function configKeyOf(secretConfig: string): string | undefined {
  return CONFIG_KEY.exec(secretConfig)?.[1];
}

/** Where the file a `file` source names is, for a fleet file at `fleetFile`. */
export function kubeconfigPath(fleetFile: string, file: string): string {
  return path.resolve(path.dirname(fleetFile), file);
}

/** How a source is shown in messages: `stack config tars-federation:gz1Kubeconfig` or the file. */
export function describeKubeconfigSource(source: KubeconfigSource): string {
  if ("file" in source) return `kubeconfig file ${source.file}`;
  return `stack config ${PROJECT_CONFIG_NAMESPACE}:${configKeyOf(source.secretConfig) ?? source.secretConfig}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The `name`s of a kubeconfig list (`clusters`, `contexts`), with each entry's inner map. */
function named(list: unknown, inner: string): Map<string, Record<string, unknown>> {
  const entries = new Map<string, Record<string, unknown>>();
  if (!Array.isArray(list)) return entries;
  for (const item of list as unknown[]) {
    const name = isRecord(item) ? item.name : undefined;
    if (typeof name !== "string" || entries.has(name)) continue;
    const value = isRecord(item) ? item[inner] : undefined;
    entries.set(name, isRecord(value) ? value : {});
  }
  return entries;
}

const list = (names: Iterable<string>) => {
  const all = [...names].map((n) => JSON.stringify(n));
  return all.length === 0 ? "none" : all.join(", ");
};

/**
 * Why `text` is not a kubeconfig a stack can use, or undefined when it is: lowercase, naming
 * what is missing and what would be valid.
 */
export function kubeconfigProblem(text: string): string | undefined {
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    document = undefined;
  }
  const notOne =
    "is not a kubeconfig: expected a YAML map of kind Config with clusters, contexts and current-context";
  if (!isRecord(document)) return notOne;
  // A map of another kind, or with none of a kubeconfig's fields (another YAML file), is not one.
  const kind = document.kind;
  const fields = ["clusters", "contexts", "current-context", "users"];
  if (kind !== undefined ? kind !== "Config" : !fields.some((f) => f in document)) return notOne;
  const current = document["current-context"];
  const contexts = named(document.contexts, "context");
  if (typeof current !== "string" || current === "") {
    return `has no current-context, which names the context to use (contexts: ${list(contexts.keys())}); set it with kubectl config use-context <context>`;
  }
  const context = contexts.get(current);
  if (context === undefined) {
    return `has current-context ${JSON.stringify(current)}, which is not one of its contexts (${list(contexts.keys())})`;
  }
  const clusterName = context.cluster;
  const clusters = named(document.clusters, "cluster");
  if (typeof clusterName !== "string" || clusterName === "") {
    return `has context ${JSON.stringify(current)} without a cluster, expected one of its clusters (${list(clusters.keys())})`;
  }
  const cluster = clusters.get(clusterName);
  if (cluster === undefined) {
    return `has context ${JSON.stringify(current)} naming cluster ${JSON.stringify(clusterName)}, which is not one of its clusters (${list(clusters.keys())})`;
  }
  if (typeof cluster.server !== "string" || cluster.server === "") {
    return `has cluster ${JSON.stringify(clusterName)} without a server, expected the API server's URL such as https://10.10.0.5:6443`;
  }
  return undefined;
}
