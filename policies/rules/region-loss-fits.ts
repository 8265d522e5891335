/**
 * Losing any one region leaves enough capacity for the Sets that fail over (advisory).
 *
 * When a region goes dark its Sets move to their standby clusters (`fleet/operations/capacity.ts` does the
 * maths at node-pool `maxSize`). A standby cluster that cannot hold them turns a region outage
 * into a bigger one. The finding is reported on the short cluster, in the stack that owns its
 * node pools (its region's infra stack), where the fix (a larger `maxSize`, another pool) goes;
 * an existing cluster has no node pools here, so its finding goes on its Kubernetes provider
 * (`<cluster>-k8s`, in its region's TARS stack), and the fix is in the cluster and its declared
 * `existing.capacity`.
 */
import { allClusters } from "../../fleet/model/model";
import { regionLossShortfalls } from "../capacity";
import { at, stringMap } from "../props";
import { EnforcementLevel, FleetUse, type StackFinding, type StackRule } from "../rule";
import { CloudTag } from "../../fleet/model/naming";
import { TencentType } from "../tokens";

/** Type token of a cluster's Kubernetes provider (`ClusterConnection`'s `<cluster>-k8s`). */
const KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";

/** The rule. */
export const regionLossFits: StackRule = {
  kind: "stack",
  name: "region-loss-fits",
  description:
    "The clusters left after losing any one region can hold every Set that fails over to them.",
  enforcementLevel: EnforcementLevel.Advisory,
  usesFleet: FleetUse.Required,
  resourceTypes: [TencentType.KubernetesCluster, KUBERNETES_PROVIDER],
  check: ({ resources, fleet }) => {
    if (fleet === undefined) return [];
    const existing = new Set(
      allClusters(fleet)
        .filter((c) => c.existing !== undefined)
        .map((c) => c.name),
    );
    const clusters = resources.filter((r) => r.type === TencentType.KubernetesCluster);
    return regionLossShortfalls(fleet).flatMap((s): StackFinding[] => {
      if (existing.has(s.cluster)) {
        const provider = resources.find(
          (r) => r.type === KUBERNETES_PROVIDER && r.name === `${s.cluster}-k8s`,
        );
        if (provider === undefined) return [];
        return [
          {
            resource: provider.urn,
            message: `existing cluster ${s.cluster} cannot absorb the loss of region ${s.region}: it would be short of ${s.lacking}; grow the cluster, then raise its existing.capacity`,
          },
        ];
      }
      const cluster = clusters.find(
        (c) => stringMap(at(c.props, "tags"))[CloudTag.cluster] === s.cluster,
      );
      if (cluster === undefined) return [];
      return [
        {
          resource: cluster.urn,
          message: `cluster ${s.cluster} cannot absorb the loss of region ${s.region}: it would be short of ${s.lacking}; raise its node pools' maxSize or add a pool`,
        },
      ];
    });
  },
};
