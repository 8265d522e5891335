/**
 * Every namespace that runs pods isolates them: a default-deny NetworkPolicy in the same cluster,
 * and a Pod Security level it enforces.
 *
 * Without the default deny, every pod that no policy selects accepts and opens any connection, so
 * a business pod reaches MySQL and tarsweb. Without `pod-security.kubernetes.io/enforce`, the
 * namespace admits privileged pods, host namespaces and host paths.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
import { POD_SECURITY_LABEL, PodSecurityLevel } from "../../fleet/k8s/pod-security";
import { namespaceOf, podSpecOf } from "../k8s";
import { at, isRecord, items, stringMap } from "../props";
import {
  EnforcementLevel,
  isUnknown,
  type ResourceRule,
  type ResourceView,
  type StackRule,
  type StackView,
} from "../rule";
import { K8sType, WORKLOAD_TYPES } from "../tokens";

/** Whether a NetworkPolicy selects every pod of its namespace and admits nothing either way. */
export function isDefaultDeny(policy: ResourceView): boolean {
  const spec = at(policy.props, "spec");
  if (isUnknown(spec)) return true;
  const selector = at(spec, "podSelector");
  const selectsAll =
    isRecord(selector) &&
    Object.keys(stringMap(at(selector, "matchLabels"))).length === 0 &&
    items(at(selector, "matchExpressions")).length === 0;
  const types = items(at(spec, "policyTypes"));
  return (
    selectsAll &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    items(at(spec, "ingress")).length === 0 &&
    items(at(spec, "egress")).length === 0
  );
}

/** Workloads of the stack whose namespace, in their cluster, has no default-deny policy. */
export function unisolatedWorkloads(stack: StackView): ResourceView[] {
  const denies = stack.resources.filter(
    (r) => r.type === K8sType.NetworkPolicy && isDefaultDeny(r),
  );
  return stack.resources.filter(
    (r) =>
      WORKLOAD_TYPES.includes(r.type) &&
      podSpecOf(r) !== undefined &&
      !denies.some(
        (d) => d.provider === r.provider && namespaceOf(d.props) === namespaceOf(r.props),
      ),
  );
}

/** The stack rule: a default deny wherever pods run. */
export const namespacesIsolated: StackRule = {
  kind: "stack",
  name: "namespaces-isolated",
  description:
    "Every namespace that runs pods has a default-deny NetworkPolicy (every pod, both directions) in the same cluster.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [...WORKLOAD_TYPES, K8sType.NetworkPolicy],
  check: (stack) => {
    const seen = new Set<string>();
    return unisolatedWorkloads(stack).flatMap((w) => {
      const key = `${w.provider ?? ""}/${namespaceOf(w.props)}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [
        {
          resource: w.urn,
          message: `namespace ${namespaceOf(w.props)} has no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules): its pods accept and open any connection`,
        },
      ];
    });
  },
};

/** The levels a namespace may enforce. */
const ENFORCED: readonly string[] = [PodSecurityLevel.Baseline, PodSecurityLevel.Restricted];

/** Why a Namespace does not enforce a Pod Security level, if it does not. */
export function podSecurityLabelProblem(namespace: ResourceView): string | undefined {
  const labels = at(namespace.props, "metadata", "labels");
  if (isUnknown(labels)) return undefined;
  const level = stringMap(labels)[`${POD_SECURITY_LABEL}/enforce`];
  if (level !== undefined && ENFORCED.includes(level)) return undefined;
  const got = level === undefined ? "no label" : `"${level}"`;
  return `namespace enforces no Pod Security level (${POD_SECURITY_LABEL}/enforce: ${got}): set baseline or restricted`;
}

/** The resource rule: namespaces enforce baseline or restricted. */
export const namespacePodSecurity: ResourceRule = {
  kind: "resource",
  name: "namespace-pod-security",
  description: "Every Namespace enforces the baseline or restricted Pod Security Standard.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [K8sType.Namespace],
  check: (resource) => {
    const problem = podSecurityLabelProblem(resource);
    return problem === undefined ? [] : [problem];
  },
};
