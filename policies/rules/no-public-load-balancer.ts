/**
 * No public load balancer in front of TARS or admin ports.
 *
 * Every load balancer tarsfed creates fronts the registry, tarsweb or the database, so each one is
 * `INTERNAL`. A Kubernetes Service of type LoadBalancer gets a public CLB from TKE unless it names
 * an existing CLB (`service.kubernetes.io/tke-existed-lbid`, whose own network type the CLB rule
 * checks) or asks for an internal one in a subnet
 * (`service.kubernetes.io/qcloud-loadbalancer-internal-subnetid`).
 * @see https://www.tencentcloud.com/document/product/457/39142 (TKE Service annotations)
 */
import { at, type Props } from "../props";
import { EnforcementLevel, isUnknown, type ResourceRule } from "../rule";
import { K8sType, TencentType } from "../tokens";
import { objectName } from "../k8s";

/** Annotations that keep TKE from creating a public CLB for a LoadBalancer Service. */
export const PRIVATE_LB_ANNOTATIONS = [
  "service.kubernetes.io/tke-existed-lbid",
  "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid",
] as const;

/** Why a CLB instance's inputs make it public, if they do. */
export function publicClbProblem(props: Props): string | undefined {
  const networkType = props.networkType;
  if (typeof networkType !== "string" || networkType.toUpperCase() !== "OPEN") return undefined;
  return "the load balancer is public (networkType: OPEN); tarsfed load balancers front TARS and admin ports and must be INTERNAL";
}

/** Why a Service's inputs make TKE create a public CLB for it, if they do. */
export function publicServiceProblem(props: Props): string | undefined {
  if (at(props, "spec", "type") !== "LoadBalancer") return undefined;
  const annotations = at(props, "metadata", "annotations");
  // An unknown annotation map may well hold one of them: skip rather than guess.
  if (isUnknown(annotations)) return undefined;
  const present = PRIVATE_LB_ANNOTATIONS.some((a) => at(annotations, a) !== undefined);
  if (present) return undefined;
  return `Service ${objectName(props)} is of type LoadBalancer without ${PRIVATE_LB_ANNOTATIONS.join(" or ")}: TKE would create a public load balancer for it`;
}

/** The rule. */
export const noPublicLoadBalancer: ResourceRule = {
  kind: "resource",
  name: "no-public-load-balancer",
  description:
    "Load balancers in front of TARS, tarsweb or the database are internal, never public.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [TencentType.ClbInstance, K8sType.Service],
  check: (resource) => {
    const problem =
      resource.type === TencentType.ClbInstance
        ? publicClbProblem(resource.props)
        : publicServiceProblem(resource.props);
    return problem === undefined ? [] : [problem];
  },
};
