/**
 * Stateful resources registered with `protect: true`.
 *
 * Deleting the framework database, a TKE cluster, a VPC or a volume claim loses data or takes a
 * region down, and a replacement is a deletion. With `protect`, the engine refuses any plan that
 * would delete them until someone lifts the protection on purpose.
 * @see https://www.pulumi.com/docs/iac/concepts/options/protect/
 */
import { EnforcementLevel, type ResourceRule } from "../rule";
import { K8sType, TencentType } from "../tokens";

/** The types whose deletion loses data or a region, with what they are for people. */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  [TencentType.MysqlInstance]: "the framework database",
  [TencentType.MysqlDrInstance]: "the framework database's disaster-recovery replica",
  [TencentType.KubernetesCluster]: "a TKE cluster",
  [TencentType.Vpc]: "a region's VPC",
  [K8sType.StatefulSet]: "a StatefulSet and its volumes",
  [K8sType.PersistentVolumeClaim]: "a volume claim (the package store)",
};

/** Why an unprotected resource of `type` must be protected; undefined when it need not be. */
export function unprotectedProblem(type: string, protect: boolean): string | undefined {
  const what = STATEFUL_TYPES[type];
  if (what === undefined || protect) return undefined;
  return `${what} is not protected: register it with protect: true so no plan can delete or replace it`;
}

/** The rule. */
export const statefulResourcesProtected: ResourceRule = {
  kind: "resource",
  name: "stateful-resources-protected",
  description:
    "The framework database and its replica, TKE clusters, VPCs, StatefulSets and volume claims are protected.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: Object.keys(STATEFUL_TYPES),
  check: (resource) => {
    const problem = unprotectedProblem(resource.type, resource.protect);
    return problem === undefined ? [] : [problem];
  },
};
