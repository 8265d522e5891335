/**
 * The standby web of the database's standby region (`tars.db.standbyRegion`): tarsweb and the
 * query services in that region's first cluster, at 0 replicas while the home region serves, at
 * their full replicas once `tars.db.servingRegion` is the standby region
 * (`fleet/tars/framework.ts`, `standbyWeb`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type StandbyWebSpec } from "../fleet/tars/framework";
import { type FleetSpec } from "../fleet/model/model";
import { FRAMEWORK_NAMESPACE } from "../fleet/model/naming";
import { webPolicy } from "../fleet/k8s/network-policies";
import { standbyWebDeployment, webLbService, webPdb } from "../fleet/k8s/web";
import { withDbServingRegion } from "../fleet/k8s/db-config";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { createLbService, type LoadBalancerRef } from "./internal-load-balancer";
import { deploymentArgs, networkPolicyArgs, pdbArgs } from "./k8s-args";
import { createFrameworkServices } from "./tarscli-objects";
import { type SecretHashes, withSecretHashes } from "./secret-hashes";

/** Arguments of {@link TarsStandbyWeb}. */
export interface TarsStandbyWebArgs {
  readonly fleet: FleetSpec;
  /** Where the standby web runs and its replicas (`standbyWeb(fleet)`). */
  readonly standby: StandbyWebSpec;
  /** The standby region's first cluster. */
  readonly cluster: ClusterRef;
  /**
   * tarsweb's internal CLB in the standby region, from its infra stack (created with the region,
   * before any failover: a CLB with no ready targets while the web runs 0 replicas).
   *
   * @default - none (an existing first cluster): tarsweb's Service is a ClusterIP one, reached
   *   inside its cluster
   */
  readonly webLb?: LoadBalancerRef;
  /** Who may reach tarsweb; also the Service's `loadBalancerSourceRanges` behind a CLB. */
  readonly webSources: readonly string[];
  /**
   * The hashes of the cluster's database Secret and ConfigMap (`TarsFramework.dbHashes`): the pods
   * carry them, so a new password or host rolls them.
   */
  readonly dbHashes: SecretHashes;
}

/**
 * tarsweb and the query services, ready to scale up in the standby region.
 *
 * The objects are the home cluster's (`TarsHomeServices`) with the standby's replicas: the same
 * Kubernetes names, NetworkPolicies and database connection, so scaling up is a replica change of
 * the standby TARS stack and nothing else. tarsnotify, tarsAdminRegistry, tarspatch and the
 * package store stay at home.
 */
export class TarsStandbyWeb extends pulumi.ComponentResource {
  public readonly web: k8s.apps.v1.Deployment;

  constructor(name: string, args: TarsStandbyWebArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsStandbyWeb, name, {}, opts);
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : ([namespace] as pulumi.Resource[]),
    };
    const { fleet, standby } = args;
    createFrameworkServices(name, fleet, standby.services, k8sOpts, args.dbHashes);
    const policy = new k8s.networking.v1.NetworkPolicy(
      `${name}-web-network-policy`,
      networkPolicyArgs(webPolicy(fleet)),
      k8sOpts,
    );
    const manifest = withSecretHashes(standbyWebDeployment(fleet, standby), args.dbHashes);
    this.web = new k8s.apps.v1.Deployment(
      `${name}-web`,
      deploymentArgs(withDbServingRegion(fleet, manifest)),
      { ...k8sOpts, dependsOn: [...k8sOpts.dependsOn, policy] },
    );
    new k8s.policy.v1.PodDisruptionBudget(`${name}-web-pdb`, pdbArgs(webPdb()), k8sOpts);
    createLbService(`${name}-web`, webLbService(args.webSources), args.webLb, k8sOpts);
    this.registerOutputs({});
  }
}
