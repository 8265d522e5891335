/**
 * The framework services that run once, in the home region's first cluster: tarsweb,
 * tarsnotify, and for CVM pools tarsAdminRegistry and tarspatch.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { homeFrameworkServices } from "../fleet/framework";
import { type FleetSpec } from "../fleet/model";
import { FRAMEWORK_NAMESPACE, physicalName } from "../fleet/naming";
import { EXISTING_LB_ANNOTATION } from "../fleet/k8s/registry";
import { frameworkWorkload } from "../fleet/k8s/servers";
import { WEB, webDeployment, webLbService, webPdb } from "../fleet/k8s/web";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { deploymentArgs, pdbArgs, serviceArgs } from "./k8s-args";
import { createTarscliObjects } from "./tarscli-objects";

/** Arguments of {@link TarsHomeServices}. */
export interface TarsHomeServicesArgs {
  readonly fleet: FleetSpec;
  /** The home region's first cluster. */
  readonly cluster: ClusterRef;
  readonly vpcId: pulumi.Input<string>;
  /** Subnet of tarsweb's internal CLB. */
  readonly lbSubnetId: pulumi.Input<string>;
  /** tarsweb CLB's security group: the fleet's VPCs and `tars.web.allowedCidrs`. */
  readonly webSecurityGroupId: pulumi.Input<string>;
  /** Who may reach tarsweb; also the Service's `loadBalancerSourceRanges`. */
  readonly webSources: readonly string[];
}

/** tarsweb behind an internal CLB, and the tarscli framework services of the home cluster. */
export class TarsHomeServices extends pulumi.ComponentResource {
  public readonly webLb: tencentcloud.ClbInstance;
  /** tarsweb's address (the CLB VIP). */
  public readonly webAddress: pulumi.Output<string>;

  constructor(name: string, args: TarsHomeServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsHomeServices, name, {}, opts);
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : [namespace],
    };
    for (const service of homeFrameworkServices(args.fleet)) {
      createTarscliObjects(
        `${name}-${service.server.toLowerCase()}`,
        frameworkWorkload(args.fleet, service),
        k8sOpts,
      );
    }
    new k8s.apps.v1.Deployment(`${name}-web`, deploymentArgs(webDeployment(args.fleet)), k8sOpts);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-web-pdb`, pdbArgs(webPdb()), k8sOpts);
    this.webLb = new tencentcloud.ClbInstance(
      `${name}-web-clb`,
      {
        clbName: physicalName("clb", [args.fleet.name, args.cluster.name, WEB]),
        networkType: "INTERNAL",
        vpcId: args.vpcId,
        subnetId: args.lbSubnetId,
        securityGroups: [args.webSecurityGroupId],
        tags: { "tarsfed-fleet": args.fleet.name },
      },
      { parent: this },
    );
    const service = webLbService(args.webSources);
    new k8s.core.v1.Service(
      `${name}-web-service`,
      {
        ...serviceArgs(service),
        metadata: {
          ...service.metadata,
          annotations: { ...service.metadata.annotations, [EXISTING_LB_ANNOTATION]: this.webLb.id },
        },
      },
      k8sOpts,
    );
    this.webAddress = this.webLb.clbVips.apply((vips) => vips[0]);
    this.registerOutputs({ webAddress: this.webAddress });
  }
}
