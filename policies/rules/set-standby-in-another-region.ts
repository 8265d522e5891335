/**
 * Every Set has a standby cluster in another region (advisory).
 *
 * A Set fails over by moving its servers to its standby cluster (`tarsfed failover`). A Set with
 * no standby, or with one in the same region as its active cluster, goes dark with that region.
 * The finding is reported in the stack that runs the Set, on its first active Deployment there.
 */
import { allClusters, type FleetSpec, type SetSpec } from "../../fleet/model/model";
import { Labels, setLabelValue } from "../../fleet/model/naming";
import { otherCluster } from "../../fleet/operations/operations";
import { activeCluster, WorkloadRole } from "../../fleet/tars/placement";
import { isSetDeployment } from "../k8s";
import { at, stringMap } from "../props";
import {
  EnforcementLevel,
  FleetUse,
  type ResourceView,
  type StackFinding,
  type StackRule,
} from "../rule";
import { K8sType } from "../tokens";

/** Why `set` would not survive the loss of its active cluster's region, if it would not. */
export function standbyProblem(fleet: FleetSpec, set: SetSpec): string | undefined {
  const regionOf = new Map(allClusters(fleet).map((c) => [c.name, c.region]));
  const active = activeCluster(set);
  const region = regionOf.get(active);
  const other = otherCluster(set);
  if (other === undefined)
    return `Set ${set.id} has no standby cluster: losing region ${region} loses the Set; give it a standby in another region`;
  if (regionOf.get(other) === region)
    return `Set ${set.id} runs in ${active} and fails over to ${other}, both in region ${region}: losing the region loses the Set; choose a standby in another region`;
  return undefined;
}

/** The stack's active Deployments of `set`, in stack order. */
export function activeDeploymentsOf(
  resources: readonly ResourceView[],
  set: SetSpec,
): ResourceView[] {
  const label = setLabelValue(set.id);
  return resources.filter((r) => {
    if (!isSetDeployment(r)) return false;
    const labels = stringMap(at(r.props, "metadata", "labels"));
    return labels[Labels.tarsSet] === label && labels[Labels.role] !== WorkloadRole.WarmStandby;
  });
}

/** The rule. */
export const setStandbyInAnotherRegion: StackRule = {
  kind: "stack",
  name: "set-standby-in-another-region",
  description: "Every Set has a standby cluster in a region other than the one it runs in.",
  enforcementLevel: EnforcementLevel.Advisory,
  usesFleet: FleetUse.Required,
  resourceTypes: [K8sType.Deployment],
  check: ({ resources, fleet }) => {
    if (fleet === undefined) return [];
    return fleet.sets.flatMap((set): StackFinding[] => {
      const problem = standbyProblem(fleet, set);
      const [first] = activeDeploymentsOf(resources, set);
      return problem === undefined || first === undefined
        ? []
        : [{ resource: first.urn, message: problem }];
    });
  },
};
