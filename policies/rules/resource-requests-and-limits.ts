/**
 * Every container with CPU and memory requests and limits.
 *
 * Requests are what the scheduler reserves and what the capacity maths (`fleet/operations/capacity.ts`)
 * counts, so a container without them makes every capacity verdict, and so every failover check,
 * wrong. Limits keep one server from starving its neighbours on a node.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
import { at } from "../props";
import { containersOf, type ContainerView } from "../k8s";
import { EnforcementLevel, type ResourceRule } from "../rule";
import { WORKLOAD_TYPES } from "../tokens";

/** The four fields every container needs, as dotted paths under `resources`. */
export const REQUIRED_RESOURCE_FIELDS = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "cpu"],
  ["limits", "memory"],
] as const;

/** The dotted paths of the fields a container lacks (unknown values count as set). */
export function missingResourceFields(container: ContainerView): string[] {
  return REQUIRED_RESOURCE_FIELDS.filter((path) => {
    const value = at(container.props, "resources", ...path);
    return value === undefined || value === null || value === "";
  }).map((path) => path.join("."));
}

/** The rule. */
export const resourceRequestsAndLimits: ResourceRule = {
  kind: "resource",
  name: "resource-requests-and-limits",
  description: "Every container sets CPU and memory requests and limits.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: WORKLOAD_TYPES,
  check: (resource) =>
    containersOf(resource).flatMap((c) => {
      const missing = missingResourceFields(c);
      if (missing.length === 0) return [];
      const kind = c.init ? "init container" : "container";
      return [`${kind} ${c.name} has no resources.${missing.join(", resources.")}`];
    }),
};
