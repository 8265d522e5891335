/**
 * The internal CLBs of a region's TARS framework, in its infra stack: each created cluster's
 * registry (for CVM machines), at home tarsweb's and the in-cluster database's, and in the
 * database's standby region the standby tarsweb's.
 */
import * as pulumi from "@pulumi/pulumi";
import { type LoadBalancerSlice } from "../fleet/stacks/slice";
import { IN_CLUSTER_DB } from "../fleet/k8s/db-config";
import { REGISTRY_SERVICE } from "../fleet/k8s/servers";
import { WEB } from "../fleet/k8s/web";
import { ComponentType } from "./registry";
import { createInternalClb, type InternalClb } from "./internal-load-balancer";

/** Arguments of {@link TarsLoadBalancers}. */
export interface TarsLoadBalancersArgs {
  readonly fleetName: string;
  /** Which CLBs the region gets (`regionSlice`). */
  readonly loadBalancers: LoadBalancerSlice;
  /**
   * The region's first cluster, whose tarsweb (home, or the standby region's standby tarsweb) and
   * in-cluster database the CLBs serve.
   */
  readonly homeCluster?: string;
  /**
   * The web CLB's child name (`<webChild>-clb`).
   *
   * @default "tars-home-web"
   */
  readonly webChild?: string;
  readonly vpcId: pulumi.Input<string>;
  /** The primary zone's node subnet. */
  readonly subnetId: pulumi.Input<string>;
  /** The nodes' group: the registries' CLBs admit TARS ports from the fleet. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /**
   * tarsweb's group: the fleet's node subnets and `tars.web.allowedCidrs`.
   *
   * @default - the nodes' group
   */
  readonly webSecurityGroupId?: pulumi.Input<string>;
  /**
   * The database's group: MySQL from the fleet.
   *
   * @default - the nodes' group
   */
  readonly databaseSecurityGroupId?: pulumi.Input<string>;
}

/**
 * The region's CLBs, named as the Services they back: `<cluster>-tars-registry-clb`,
 * `tars-home-web-clb` (`tars-standby-web-clb` in the standby region) and `tars-db-clb`.
 *
 * tarsweb's and the database's CLBs pass their traffic to the targets (direct access keeps the
 * clients' addresses, which the nodes' group would check against the home region only: the CLB's
 * own group decides instead, `fleet/network/security.ts`).
 */
export class TarsLoadBalancers extends pulumi.ComponentResource {
  /** Each created cluster's registry CLB, by cluster name. */
  public readonly registry: Readonly<Record<string, InternalClb>>;
  public readonly web?: InternalClb;
  public readonly database?: InternalClb;

  constructor(name: string, args: TarsLoadBalancersArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsLoadBalancers, name, {}, opts);
    const clb = (child: string, cluster: string, role: string, groupId: pulumi.Input<string>) =>
      createInternalClb(
        child,
        {
          fleetName: args.fleetName,
          cluster,
          role,
          vpcId: args.vpcId,
          subnetId: args.subnetId,
          securityGroupId: groupId,
          passToTarget: role !== REGISTRY_SERVICE,
        },
        this,
      );
    this.registry = Object.fromEntries(
      args.loadBalancers.registry.map((cluster) => [
        cluster,
        clb(`${cluster}-tars-registry`, cluster, REGISTRY_SERVICE, args.nodeSecurityGroupId),
      ]),
    );
    const home = args.homeCluster ?? "";
    if (args.loadBalancers.web)
      this.web = clb(
        args.webChild ?? "tars-home-web",
        home,
        WEB,
        args.webSecurityGroupId ?? args.nodeSecurityGroupId,
      );
    if (args.loadBalancers.database)
      this.database = clb(
        "tars-db",
        home,
        IN_CLUSTER_DB,
        args.databaseSecurityGroupId ?? args.nodeSecurityGroupId,
      );
    this.registerOutputs({});
  }
}
