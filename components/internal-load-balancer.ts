/**
 * Internal CLBs this project creates, and the Kubernetes Services TKE binds to them.
 *
 * The two halves live in different stacks: the CLB in the region's infra stack (a cloud resource
 * whose address CVM machines and other regions keep), the Service in its TARS stack, which reads
 * the CLB's id from the infra stack's outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type IService } from "kubernetes-models/v1/Service";
import { CloudTag, physicalName } from "../fleet/model/naming";
import { clusterIpService, EXISTING_LB_ANNOTATION } from "../fleet/k8s/load-balancer";
import { type Spec } from "../fleet/k8s/types";
import { serviceArgs } from "./k8s-args";

/** A CLB as the TARS stack sees it: from the infra stack's outputs. */
export interface LoadBalancerRef {
  /** The CLB's id, which TKE's annotation binds the Service to. */
  readonly id: pulumi.Input<string>;
  /** The CLB's VIP: the address machines outside the cluster use. */
  readonly address: pulumi.Input<string>;
}

/** An internal CLB of the infra stack. */
export interface InternalClb {
  readonly clb: tencentcloud.ClbInstance;
  /** The CLB's VIP: the address machines outside the cluster use. */
  readonly address: pulumi.Output<string>;
}

/** Arguments of {@link createInternalClb}. */
export interface InternalClbArgs {
  readonly fleetName: string;
  readonly cluster: string;
  /** What the CLB serves, for its cloud name: `<fleet>-<cluster>-<role>`. */
  readonly role: string;
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
}

/**
 * Creates `${name}-clb`, an internal CLB.
 *
 * The CLB is created here rather than by TKE, and bound with TKE's existing-CLB annotation, so its
 * address exists before the Service does and survives the Service being recreated: CVM nodes and
 * other regions keep it in their config.
 */
export function createInternalClb(
  name: string,
  args: InternalClbArgs,
  parent: pulumi.Resource,
): InternalClb {
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
  return { clb, address: clb.clbVips.apply((vips) => vips[0]) };
}

/**
 * Creates `${name}-lb-service`: the LoadBalancer Service `manifest` bound to the CLB `lb` (its id
 * under `EXISTING_LB_ANNOTATION`), or, without a CLB (an existing cluster), the same Service as a
 * ClusterIP one, reachable inside its cluster only.
 */
export function createLbService(
  name: string,
  manifest: Spec<IService>,
  lb: LoadBalancerRef | undefined,
  k8sOpts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
  if (lb === undefined)
    return new k8s.core.v1.Service(
      `${name}-lb-service`,
      serviceArgs(clusterIpService(manifest)),
      k8sOpts,
    );
  return new k8s.core.v1.Service(
    `${name}-lb-service`,
    {
      ...serviceArgs(manifest),
      metadata: {
        ...manifest.metadata,
        annotations: { ...manifest.metadata.annotations, [EXISTING_LB_ANNOTATION]: lb.id },
      },
    },
    k8sOpts,
  );
}
