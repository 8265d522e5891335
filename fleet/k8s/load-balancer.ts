/**
 * LoadBalancer Services for TKE's internal CLBs: the registry's (for CVM nodes), tarsweb's and the
 * in-cluster database's (for other regions). The component that creates the CLB binds it to the
 * Service under {@link EXISTING_LB_ANNOTATION}.
 */
import { type IService } from "kubernetes-models/v1/Service";
import { type IServicePort } from "kubernetes-models/v1/ServicePort";
import { FRAMEWORK_NAMESPACE } from "../model/naming";
import { frameworkLabels } from "./servers";
import { type Spec } from "./types";

/**
 * TKE annotation binding a LoadBalancer Service to a CLB this project created, so the address
 * is stable and known before the Service exists.
 * @see https://www.tencentcloud.com/document/product/457/36834
 */
export const EXISTING_LB_ANNOTATION = "service.kubernetes.io/tke-existed-lbid";

/**
 * TKE annotation sending CLB traffic straight to pod IPs (VPC-CNI), skipping node ports.
 *
 * No SNAT on the way: the pods see the client's own source address, so the security group of the
 * pods (the nodes') applies to every client unless the CLB passes its traffic to the targets.
 * @see https://www.tencentcloud.com/document/product/457/36837
 */
export const DIRECT_ACCESS_ANNOTATION = "service.cloud.tencent.com/direct-access";

/** What differs between the framework's LoadBalancer Services. */
export interface LbServiceShape {
  /** The Service's name. */
  readonly name: string;
  /** The framework component whose pods it selects (`frameworkLabels`). */
  readonly component: string;
  readonly ports: readonly IServicePort[];
  /** Client CIDRs the CLB accepts; default: no restriction beyond its security group. */
  readonly sourceRanges?: readonly string[];
}

/** A framework LoadBalancer Service, in the framework namespace, with direct pod access. */
export function lbService(shape: LbServiceShape): Spec<IService> {
  const { selector, labels } = frameworkLabels(shape.component);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: shape.name,
      namespace: FRAMEWORK_NAMESPACE,
      labels,
      annotations: { [DIRECT_ACCESS_ANNOTATION]: "true" },
    },
    spec: {
      type: "LoadBalancer",
      selector,
      ...(shape.sourceRanges === undefined
        ? {}
        : { loadBalancerSourceRanges: [...shape.sourceRanges] }),
      ports: [...shape.ports],
    },
  };
}

/**
 * The same Service as a ClusterIP one, for a cluster the fleet does not create: no CLB is bound
 * to it (the binding is TKE's annotation, and an existing cluster need not be a TKE cluster in the
 * fleet's network), so it is reachable inside its cluster only. The CLB annotations and source
 * ranges go with the type.
 */
export function clusterIpService(service: Spec<IService>): Spec<IService> {
  const annotations = Object.fromEntries(
    Object.entries(service.metadata.annotations ?? {}).filter(
      ([key]) => key !== DIRECT_ACCESS_ANNOTATION && key !== EXISTING_LB_ANNOTATION,
    ),
  );
  const metadata = { ...service.metadata };
  delete metadata.annotations;
  const spec = { ...service.spec, type: "ClusterIP" as const };
  delete spec.loadBalancerSourceRanges;
  return {
    ...service,
    metadata: Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata,
    spec,
  };
}
