/**
 * TKE clusters in `GR` network mode flagged (advisory).
 *
 * The TARS registry hands out raw pod IPs. With VPC-CNI those are VPC addresses, routable over
 * CCN from every region; with Global Router they come from the cluster's own container CIDR, which
 * other regions cannot reach. A GR cluster suits only Sets whose callers are all in the same
 * cluster. TKE uses GR when `networkType` is not set.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/kubernetes_cluster
 */
import { type Props } from "../props";
import { EnforcementLevel, isUnknown, type ResourceRule } from "../rule";
import { TencentType } from "../tokens";

/** Why the cluster's pods are unreachable from other regions, if they are. */
export function grClusterProblem(props: Props): string | undefined {
  const networkType = props.networkType;
  if (isUnknown(networkType)) return undefined;
  if (networkType !== undefined && networkType !== "GR") return undefined;
  const how =
    networkType === undefined ? "networkType is not set, so TKE uses GR" : "networkType is GR";
  return `${how}: its pod IPs are not routable over CCN, so TARS callers in other regions cannot reach its servers; use VPC-CNI unless every caller is local`;
}

/** The rule. */
export const grClusterReachability: ResourceRule = {
  kind: "resource",
  name: "gr-cluster-reachability",
  description:
    "TKE clusters use VPC-CNI, so the pod IPs the TARS registry hands out are reachable from every region.",
  enforcementLevel: EnforcementLevel.Advisory,
  resourceTypes: [TencentType.KubernetesCluster],
  check: (resource) => {
    const problem = grClusterProblem(resource.props);
    return problem === undefined ? [] : [problem];
  },
};
