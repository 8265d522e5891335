/**
 * No TKE cluster API endpoint open to the internet.
 *
 * Every tool here reaches the clusters over the VPCs and CCN (the intranet endpoint); a public
 * endpoint only adds an attack surface. A security group on the public endpoint
 * (`clusterInternetSecurityGroup`) narrows who may connect but still publishes the API server, so
 * it is flagged all the same.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/kubernetes_cluster_endpoint
 */
import { type Props } from "../props";
import { EnforcementLevel, type ResourceRule } from "../rule";
import { TencentType } from "../tokens";

/** Why the cluster or endpoint's inputs open the API server to the internet, if they do. */
export function publicClusterEndpointProblem(props: Props): string | undefined {
  if (props.clusterInternet !== true) return undefined;
  const restricted =
    typeof props.clusterInternetSecurityGroup === "string"
      ? " (a security group narrows it but the API server is still published)"
      : "";
  return `the cluster API endpoint is open to the internet (clusterInternet: true)${restricted}; use the intranet endpoint, reached over CCN`;
}

/** The rule. */
export const noPublicClusterEndpoint: ResourceRule = {
  kind: "resource",
  name: "no-public-cluster-endpoint",
  description:
    "TKE cluster API endpoints are reachable only from the fleet's networks, never from the internet.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [TencentType.KubernetesCluster, TencentType.KubernetesClusterEndpoint],
  check: (resource) => {
    const problem = publicClusterEndpointProblem(resource.props);
    return problem === undefined ? [] : [problem];
  },
};
