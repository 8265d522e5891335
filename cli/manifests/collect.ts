/**
 * The Kubernetes objects of a plan, each with the cluster it goes to.
 *
 * Pure over a {@link FleetPlan}: an object is a Kubernetes resource's inputs, which Pulumi sends to
 * the API server as they are; the cluster is the one whose Kubernetes provider the resource names.
 */
import {
  type Json,
  type FleetPlan,
  type PlannedResource,
  type StackPlan,
} from "../../fleet/stacks/plan-document";
import { type ManifestObject, type ManifestProblem, CLUSTER_SCOPE } from "./types";

/** Type token of the Kubernetes provider resource that `ClusterConnection` creates for its cluster. */
export const KUBERNETES_PROVIDER_TYPE = "pulumi:providers:kubernetes";

/** Suffix `ClusterConnection` gives its Kubernetes provider's name: cluster `gz1` → provider `gz1-k8s`. */
export const PROVIDER_NAME_SUFFIX = "-k8s";

/**
 * Modules of the Pulumi Kubernetes provider that are Pulumi constructs, not Kubernetes API groups:
 * a Helm release or a YAML/kustomize group is expanded by the provider, it is not an object.
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/
 */
const NON_API_MODULES: ReadonlySet<string> = new Set(["helm.sh", "yaml", "kustomize"]);

/** `kubernetes:<group>/<version>:<Kind>`; the core group is spelled `core`. */
const RESOURCE_TOKEN = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/;

/** What {@link collectManifests} found. */
export interface CollectedManifests {
  /** Every object, in plan order. */
  readonly objects: readonly ManifestObject[];
  /** Objects that can't be placed in a cluster. */
  readonly problems: readonly ManifestProblem[];
}

/**
 * The `apiVersion` and `kind` a Pulumi Kubernetes type token stands for, or null when the token is
 * not a Kubernetes object (a provider, a Helm release, a Patch).
 *
 * @example apiVersionKindOf("kubernetes:core/v1:Service") // { apiVersion: "v1", kind: "Service" }
 */
export function apiVersionKindOf(type: string): { apiVersion: string; kind: string } | null {
  const match = RESOURCE_TOKEN.exec(type);
  if (match === null) return null;
  const [, group = "", version = "", kind = ""] = match;
  // Server-side-apply patches are partial objects; they can't be checked or applied on their own.
  if (NON_API_MODULES.has(group) || kind.endsWith("Patch")) return null;
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

function isRecord(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOr(value: Json | undefined, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

/** The cluster a resource's provider deploys to, or a reason why there is none. */
function clusterOf(
  resource: PlannedResource,
  stack: StackPlan,
): { cluster: string } | { reason: string } {
  if (resource.provider === null)
    return { reason: `no Kubernetes provider in stack ${stack.name}, so no known cluster` };
  const provider = stack.resources.find((r) => r.urn === resource.provider);
  if (provider === undefined || provider.type !== KUBERNETES_PROVIDER_TYPE)
    return {
      reason: `provider ${resource.provider} is not a Kubernetes provider of ${stack.name}`,
    };
  return {
    cluster: provider.name.endsWith(PROVIDER_NAME_SUFFIX)
      ? provider.name.slice(0, -PROVIDER_NAME_SUFFIX.length)
      : provider.name,
  };
}

/** One resource as an object; apiVersion and kind come from the token when inputs lack them. */
function manifestOf(
  resource: PlannedResource,
  stack: string,
  cluster: string,
  token: { apiVersion: string; kind: string },
): ManifestObject {
  const inputs = resource.inputs;
  const apiVersion = stringOr(inputs.apiVersion, token.apiVersion);
  const kind = stringOr(inputs.kind, token.kind);
  const metadata = isRecord(inputs.metadata) ? inputs.metadata : {};
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : null;
  // apiVersion, kind and metadata first, as Kubernetes prints objects; then the inputs' order.
  const object: { [key: string]: Json } = { apiVersion, kind };
  if (inputs.metadata !== undefined) object.metadata = inputs.metadata;
  Object.assign(object, inputs, { apiVersion, kind });
  return {
    stack,
    cluster,
    urn: resource.urn,
    apiVersion,
    kind,
    namespace,
    name: stringOr(metadata.name, ""),
    object,
  };
}

/** Every Kubernetes object in `plan`, and every one that has no cluster. */
export function collectManifests(plan: FleetPlan): CollectedManifests {
  const objects: ManifestObject[] = [];
  const problems: ManifestProblem[] = [];
  for (const stack of plan.stacks) {
    for (const resource of stack.resources) {
      const token = apiVersionKindOf(resource.type);
      if (token === null || !resource.custom) continue;
      const where = clusterOf(resource, stack);
      const object = manifestOf(resource, stack.name, "?", token);
      if ("reason" in where) {
        problems.push({
          cluster: "?",
          namespace: object.namespace ?? CLUSTER_SCOPE,
          kind: object.kind,
          name: object.name,
          field: "",
          message: where.reason,
        });
      } else objects.push({ ...object, cluster: where.cluster });
    }
  }
  return { objects, problems };
}
