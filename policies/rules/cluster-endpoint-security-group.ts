/**
 * Every intranet TKE API endpoint behind a security group.
 *
 * Without `clusterIntranetSecurityGroup`, the endpoint's load balancer admits whatever can route to
 * its subnet: every VPC joined by CCN, and every pod of the fleet. With it, only what the group
 * admits (`apiEndpointSources`: the fleet's VPCs) reaches the API server.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/kubernetes_cluster_endpoint
 */
import { at, type Props } from "../props";
import { EnforcementLevel, isUnknown, type ResourceRule } from "../rule";
import { TencentType } from "../tokens";

/** Why an endpoint's intranet access has no security group, if it has none. */
export function intranetEndpointProblem(props: Props): string | undefined {
  if (props.clusterIntranet !== true) return undefined;
  const group = at(props, "clusterIntranetSecurityGroup");
  if (isUnknown(group) || (typeof group === "string" && group !== "")) return undefined;
  return "the intranet API endpoint has no security group (clusterIntranetSecurityGroup): everything routed to its subnet reaches the API server; give it one that admits the fleet's VPCs";
}

/** The rule. */
export const clusterEndpointSecurityGroup: ResourceRule = {
  kind: "resource",
  name: "cluster-endpoint-security-group",
  description:
    "TKE intranet API endpoints have a security group (clusterIntranetSecurityGroup) that decides who reaches the API server.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [TencentType.KubernetesClusterEndpoint],
  check: (resource) => {
    const problem = intranetEndpointProblem(resource.props);
    return problem === undefined ? [] : [problem];
  },
};
