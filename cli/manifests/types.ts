/**
 * The Kubernetes objects of a plan, as `tarsfed manifests` checks and writes them.
 */
import { type Json } from "../../fleet/stacks/plan-document";

/** A Kubernetes object as JSON: `apiVersion`, `kind`, `metadata` and the kind's own fields. */
export type KubernetesObject = { [key: string]: Json };

/** One Kubernetes object a stack would create, with the cluster it goes to. */
export interface ManifestObject {
  /** The stack that creates it. */
  readonly stack: string;
  /** The cluster whose Kubernetes provider creates it, e.g. `gz1`. */
  readonly cluster: string;
  /** URN of the Pulumi resource, for tracing a problem back to the program. */
  readonly urn: string;
  /** `apps/v1`, or `v1` for the core group. */
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.namespace`, or null for cluster-scoped objects and objects that lack one. */
  readonly namespace: string | null;
  /** `metadata.name`; empty when the object has none (a problem in itself). */
  readonly name: string;
  /** The object exactly as the plan would send it; secrets show as `[secret]`. */
  readonly object: KubernetesObject;
}

/** One reason an object would be rejected, or is not what the project allows. */
export interface ManifestProblem {
  readonly cluster: string;
  /** The object's namespace; `_cluster` for cluster-scoped objects and those without one. */
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  /** Dotted field path inside the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly field: string;
  /** Lowercase, no final period: what is wrong and the value received. */
  readonly message: string;
}

/** Folder and problem label of objects that have no namespace. */
export const CLUSTER_SCOPE = "_cluster";

/** Formats a problem as one line: `cluster/namespace/kind/name field: message`. */
export function formatProblem(problem: ManifestProblem): string {
  const where = `${problem.cluster}/${problem.namespace}/${problem.kind}/${problem.name}`;
  return `${where} ${problem.field === "" ? "" : `${problem.field}: `}${problem.message}`;
}

/** A problem about `object`, at `field`. */
export function problemOf(object: ManifestObject, field: string, message: string): ManifestProblem {
  return {
    cluster: object.cluster,
    namespace: object.namespace ?? CLUSTER_SCOPE,
    kind: object.kind,
    name: object.name,
    field,
    message,
  };
}
