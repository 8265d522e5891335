/**
 * Every Set Deployment covered by a PodDisruptionBudget.
 *
 * Node drains (upgrades, node-pool changes, scale-in) evict pods through the eviction API, which
 * only a PodDisruptionBudget slows down. Without one, a drain may take every replica of a Set's
 * server at once, and the Set, whose callers do not fall back to other Sets, goes dark.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets
 */
import { isSetDeployment, namespaceOf, objectName, podLabelsOf } from "../k8s";
import { at, entries, isRecord, items, text } from "../props";
import {
  EnforcementLevel,
  isUnknown,
  type ResourceView,
  type StackRule,
  type StackView,
} from "../rule";
import { K8sType } from "../tokens";

function expressionMatches(expression: unknown, labels: Readonly<Record<string, string>>): boolean {
  const key = text(at(expression, "key"));
  const operator = at(expression, "operator");
  const values = items(at(expression, "values"));
  if (key === undefined || isUnknown(operator) || isUnknown(at(expression, "values"))) return true;
  const has = key in labels;
  switch (operator) {
    case "In":
      return has && values.includes(labels[key]);
    case "NotIn":
      return !has || !values.includes(labels[key]);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    default:
      return false;
  }
}

/**
 * Whether a `policy/v1` label selector selects pods with `labels`.
 *
 * An empty selector selects every pod, a missing one none; whatever is unknown yet is taken to
 * match, so a preview never flags what it cannot see.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/pod-disruption-budget-v1/
 */
export function selectorMatches(
  selector: unknown,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (isUnknown(selector)) return true;
  if (!isRecord(selector)) return false;
  const matchLabels = at(selector, "matchLabels");
  if (isUnknown(matchLabels)) return true;
  const labelsMatch = entries(matchLabels).every(([k, v]) => isUnknown(v) || labels[k] === v);
  const expressions = at(selector, "matchExpressions");
  if (isUnknown(expressions)) return labelsMatch;
  return labelsMatch && items(expressions).every((e) => expressionMatches(e, labels));
}

/** Whether `pdb` covers the pods of `deployment`: same cluster, namespace, matching selector. */
export function pdbCovers(pdb: ResourceView, deployment: ResourceView): boolean {
  return (
    pdb.provider === deployment.provider &&
    namespaceOf(pdb.props) === namespaceOf(deployment.props) &&
    selectorMatches(at(pdb.props, "spec", "selector"), podLabelsOf(deployment))
  );
}

/** Set Deployments of the stack that no PodDisruptionBudget covers. */
export function uncoveredSetDeployments(stack: StackView): ResourceView[] {
  const pdbs = stack.resources.filter((r) => r.type === K8sType.PodDisruptionBudget);
  return stack.resources.filter(
    (r) => isSetDeployment(r) && !pdbs.some((pdb) => pdbCovers(pdb, r)),
  );
}

/** The rule. */
export const setDeploymentPdb: StackRule = {
  kind: "stack",
  name: "set-deployment-pdb",
  description:
    "Every Set Deployment has a PodDisruptionBudget in its cluster and namespace selecting its pods.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [K8sType.Deployment, K8sType.PodDisruptionBudget],
  check: (stack) =>
    uncoveredSetDeployments(stack).map((d) => ({
      resource: d.urn,
      message: `Set Deployment ${objectName(d.props)} has no PodDisruptionBudget selecting its pods: a node drain may evict every replica at once`,
    })),
};
