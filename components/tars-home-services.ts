/**
 * The framework services that run once, in the home region's first cluster: tarsweb,
 * tarsnotify, tarsquerystat, tarsqueryproperty, and for CVM pools tarsAdminRegistry and
 * tarspatch, each with the NetworkPolicy that admits its clients
 * (`fleet/k8s/network-policies.ts`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { fleetNeedsNodeServices, homeFrameworkServices } from "../fleet/tars/framework";
import { packageStoreClaim, packageStoreClass } from "../fleet/k8s/base-services";
import { type FleetSpec } from "../fleet/model/model";
import { FRAMEWORK_NAMESPACE } from "../fleet/model/naming";
import { webPolicy as webNetworkPolicy } from "../fleet/k8s/network-policies";
import { webDeployment, webLbService, webPdb } from "../fleet/k8s/web";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { createLbService, type LoadBalancerRef } from "./internal-load-balancer";
import { deploymentArgs, networkPolicyArgs, pdbArgs, pvcArgs, storageClassArgs } from "./k8s-args";
import { createFrameworkServices } from "./tarscli-objects";
import { type SecretHashes, withSecretHashes } from "./secret-hashes";
import { withDbServingRegion } from "../fleet/k8s/db-config";

/** Arguments of {@link TarsHomeServices}. */
export interface TarsHomeServicesArgs {
  readonly fleet: FleetSpec;
  /** The home region's first cluster. */
  readonly cluster: ClusterRef;
  /**
   * tarsweb's internal CLB (the home infra stack's `TarsLoadBalancers`). It passes clients' own
   * addresses to the pods (direct access), and its security group decides who reaches tarsweb
   * (`fleet/network/security.ts`).
   *
   * @default - none (an existing home cluster): tarsweb's Service is a ClusterIP one
   */
  readonly webLb?: LoadBalancerRef;
  /** Who may reach tarsweb; also the Service's `loadBalancerSourceRanges`. */
  readonly webSources: readonly string[];
  /**
   * The hashes of the cluster's database Secret and ConfigMap (`TarsFramework.dbHashes`):
   * tarsweb's and the services' pods that load them carry them, so a new password or host rolls
   * them.
   */
  readonly dbHashes: SecretHashes;
  /**
   * The home cluster's VPC and node subnet (the home infra stack's outputs), where the package
   * store's CFS class creates file systems when `tars.packages.storageClass` is unset.
   *
   * @default - none (an existing home cluster): the fleet names its class (`fleet/validation/validate-existing.ts`)
   */
  readonly packageStoreNetwork?: PackageStoreNetwork;
}

/** Where the package store's CFS file systems are created: ids of a VPC and one of its subnets. */
export interface PackageStoreNetwork {
  readonly vpcId: pulumi.Input<string>;
  readonly subnetId: pulumi.Input<string>;
}

/** tarsweb behind an internal CLB, and the tarscli framework services of the home cluster. */
export class TarsHomeServices extends pulumi.ComponentResource {
  constructor(name: string, args: TarsHomeServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsHomeServices, name, {}, opts);
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : ([namespace] as pulumi.Resource[]),
    };
    if (fleetNeedsNodeServices(args.fleet)) {
      const packages = args.fleet.tars.packages;
      const storeClass =
        packages.storageClass === undefined ? this.packageStoreClass(name, args) : undefined;
      // The packages tarsweb uploads and tarspatch serves: kept like the database's volume.
      const store = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-package-store`,
        pvcArgs(packageStoreClaim(FRAMEWORK_NAMESPACE, packages)),
        {
          ...k8sOpts,
          dependsOn: [...k8sOpts.dependsOn, ...(storeClass === undefined ? [] : [storeClass])],
          protect: true,
          retainOnDelete: true,
        },
      );
      k8sOpts.dependsOn.push(store);
    }
    const hashes = args.dbHashes;
    createFrameworkServices(name, args.fleet, homeFrameworkServices(args.fleet), k8sOpts, hashes);
    const webPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-web-network-policy`,
      networkPolicyArgs(webNetworkPolicy(args.fleet)),
      k8sOpts,
    );
    new k8s.apps.v1.Deployment(
      `${name}-web`,
      deploymentArgs(
        withDbServingRegion(args.fleet, withSecretHashes(webDeployment(args.fleet), hashes)),
      ),
      {
        ...k8sOpts,
        dependsOn: [...k8sOpts.dependsOn, webPolicy],
      },
    );
    new k8s.policy.v1.PodDisruptionBudget(`${name}-web-pdb`, pdbArgs(webPdb()), k8sOpts);
    createLbService(`${name}-web`, webLbService(args.webSources), args.webLb, k8sOpts);
    this.registerOutputs({});
  }

  /** The package store's own CFS class, for a fleet that names none. */
  private packageStoreClass(name: string, args: TarsHomeServicesArgs): k8s.storage.v1.StorageClass {
    const network = args.packageStoreNetwork;
    if (network === undefined) {
      // validate refuses an existing home cluster with CVM pools and no tars.packages.storageClass.
      throw new Error(
        "tars.packages.storageClass is unset and the home cluster's network is unknown",
      );
    }
    return new k8s.storage.v1.StorageClass(
      `${name}-package-store-class`,
      storageClassArgs(packageStoreClass(network.vpcId, network.subnetId)),
      { parent: this, provider: args.cluster.k8sProvider },
    );
  }
}
