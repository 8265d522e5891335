/**
 * Shared wiring for a Kubernetes Service behind an internal CLB this project creates.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type IService } from "kubernetes-models/v1/Service";
import { CloudTag, physicalName } from "../fleet/naming";
import { EXISTING_LB_ANNOTATION } from "../fleet/k8s/load-balancer";
import { type Spec } from "../fleet/k8s/types";
import { serviceArgs } from "./k8s-args";

/** An internal CLB and the LoadBalancer Service TKE binds to it. */
export interface InternalLoadBalancer {
  readonly clb: tencentcloud.ClbInstance;
  readonly service: k8s.core.v1.Service;
  /** The CLB's VIP: the address machines outside the cluster use. */
  readonly address: pulumi.Output<string>;
}

/**
 * Creates `${name}-clb` and `${name}-lb-service`.
 *
 * The CLB is created here rather than by TKE, and bound with TKE's existing-CLB annotation, so its
 * address exists before the Service does and survives the Service being recreated: CVM nodes and
 * other regions keep it in their config.
 */
export function createInternalLoadBalancer(
  name: string,
  args: {
    readonly fleetName: string;
    readonly cluster: string;
    /** What the CLB serves, for its cloud name: `<fleet>-<cluster>-<role>`. */
    readonly role: string;
    /** The Service manifest; the CLB id is added under `EXISTING_LB_ANNOTATION`. */
    readonly service: Spec<IService>;
    readonly vpcId: pulumi.Input<string>;
    readonly subnetId: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    /**
     * Whether the backends trust the CLB (`load_balancer_pass_to_target`): its traffic then meets
     * the CLB's security group only, not the backends' groups.
     *
     * @default false
     * @see https://www.tencentcloud.com/document/product/214/14733
     */
    readonly passToTarget?: boolean;
  },
  parent: pulumi.Resource,
  k8sOpts: pulumi.CustomResourceOptions,
): InternalLoadBalancer {
  const clb = new tencentcloud.ClbInstance(
    `${name}-clb`,
    {
      clbName: physicalName("clb", [args.fleetName, args.cluster, args.role]),
      networkType: "INTERNAL",
      vpcId: args.vpcId,
      subnetId: args.subnetId,
      securityGroups: [args.securityGroupId],
      ...(args.passToTarget === true ? { loadBalancerPassToTarget: true } : {}),
      tags: { [CloudTag.fleet]: args.fleetName, [CloudTag.cluster]: args.cluster },
    },
    { parent },
  );
  const manifest = args.service;
  const service = new k8s.core.v1.Service(
    `${name}-lb-service`,
    {
      ...serviceArgs(manifest),
      metadata: {
        ...manifest.metadata,
        annotations: { ...manifest.metadata.annotations, [EXISTING_LB_ANNOTATION]: clb.id },
      },
    },
    k8sOpts,
  );
  return { clb, service, address: clb.clbVips.apply((vips) => vips[0]) };
}
