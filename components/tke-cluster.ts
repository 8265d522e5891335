/**
 * A TKE cluster: the managed control plane, its node pools, intranet API access, and the
 * Kubernetes provider every in-cluster object of this project uses.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { NetworkType } from "../fleet/carve";
import { type ClusterSpec } from "../fleet/model";
import { MANAGED_BY, physicalName } from "../fleet/naming";
import { ComponentType } from "./registry";

/** What in-cluster components need of a cluster. */
export interface ClusterRef {
  /** Fleet name of the cluster, e.g. `gz1`. */
  readonly name: string;
  /** The cluster's own Kubernetes provider; pass it explicitly to every object. */
  readonly k8sProvider: k8s.Provider;
  /** Namespaces created with the cluster, by name; depend on them before creating objects. */
  readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;
}

/** Arguments of {@link TkeCluster}. */
export interface TkeClusterArgs {
  readonly fleetName: string;
  /** The validated cluster: version, network type, CIDRs and node pools. */
  readonly cluster: ClusterSpec;
  readonly vpcId: pulumi.Input<string>;
  /** Node subnets of every zone of the region, in zone order. */
  readonly nodeSubnetIds: readonly pulumi.Input<string>[];
  /** VPC-CNI pod (ENI) subnets of this cluster; empty for GR. */
  readonly podSubnetIds: readonly pulumi.Input<string>[];
  /** Security group of the nodes, first in their ordered list. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** Namespaces to create once the cluster answers. */
  readonly namespaces: readonly string[];
}

/**
 * One fleet cluster on TKE.
 *
 * Built as TKE's docs recommend: the cluster without inline workers, then node pools, then the
 * endpoint (TKE opens API access only once nodes exist), and the kubeconfig read from the
 * endpoint. API access is intranet only; runs of `pulumi up` reach it over the VPC or CCN.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/kubernetes_cluster_endpoint
 */
export class TkeCluster extends pulumi.ComponentResource {
  public readonly cluster: tencentcloud.KubernetesCluster;
  public readonly nodePools: Readonly<Record<string, tencentcloud.KubernetesNodePool>>;
  public readonly endpoint: tencentcloud.KubernetesClusterEndpoint;
  public readonly k8sProvider: k8s.Provider;
  public readonly ref: ClusterRef;

  constructor(name: string, args: TkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TkeCluster, name, {}, opts);
    const spec = args.cluster;
    const tags = { "tarsfed-fleet": args.fleetName, "tarsfed-cluster": spec.name };
    const vpcCni = spec.networkType === NetworkType.VpcCni;
    this.cluster = new tencentcloud.KubernetesCluster(
      `${name}-cluster`,
      {
        clusterName: physicalName("cluster", [args.fleetName, spec.name]),
        clusterDesc: `TARS Federation ${args.fleetName}, cluster ${spec.name}`,
        clusterVersion: spec.kubernetesVersion,
        clusterDeployType: "MANAGED_CLUSTER",
        containerRuntime: "containerd",
        vpcId: args.vpcId,
        networkType: spec.networkType,
        serviceCidr: spec.serviceCidr,
        ...(vpcCni
          ? { eniSubnetIds: [...args.podSubnetIds], vpcCniType: "tke-route-eni" }
          : { clusterCidr: spec.podCidr }),
        deletionProtection: true,
        tags,
      },
      // The control plane holds every workload's state: never deleted by accident.
      { parent: this, protect: true },
    );
    const pools: Record<string, tencentcloud.KubernetesNodePool> = {};
    for (const pool of spec.nodePools) {
      pools[pool.name] = new tencentcloud.KubernetesNodePool(
        `${name}-${pool.name}`,
        {
          clusterId: this.cluster.id,
          name: physicalName("nodePool", [args.fleetName, spec.name, pool.name]),
          vpcId: args.vpcId,
          subnetIds: [...args.nodeSubnetIds],
          multiZoneSubnetPolicy: "EQUALITY",
          minSize: pool.minSize,
          maxSize: pool.maxSize,
          desiredCapacity: pool.desiredSize,
          enableAutoScale: true,
          // Removing a pool from the fleet removes its machines too, not just the group.
          deleteKeepInstance: false,
          autoScalingConfig: {
            instanceType: pool.instanceType,
            instanceChargeType: "POSTPAID_BY_HOUR",
            systemDiskType: "CLOUD_PREMIUM",
            systemDiskSize: pool.systemDiskSizeGiB,
            orderlySecurityGroupIds: [args.nodeSecurityGroupId],
            publicIpAssigned: false,
            internetMaxBandwidthOut: 0,
            enhancedSecurityService: true,
            enhancedMonitorService: true,
          },
          labels: { "tarsfed.io/node-pool": pool.name },
          tags,
        },
        // `subnetIds` cannot change in place: a zone added to the region would replace (drain) every
        // pool. A pool keeps the zones it was created in; a new zone is used by new pools.
        { parent: this, ignoreChanges: ["subnetIds"] },
      );
    }
    this.nodePools = pools;
    this.endpoint = new tencentcloud.KubernetesClusterEndpoint(
      `${name}-endpoint`,
      {
        clusterId: this.cluster.id,
        clusterIntranet: true,
        clusterIntranetSubnetId: args.nodeSubnetIds[0],
        clusterInternet: false,
      },
      { parent: this, dependsOn: Object.values(pools) },
    );
    this.k8sProvider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: this.endpoint.kubeConfigIntranet,
        enableServerSideApply: true,
        // Update ConfigMaps and Secrets in place instead of replacing them; pods that read a
        // changed `_server_meta.yaml` roll through the hash annotation on their template.
        enableConfigMapMutable: true,
        enableSecretMutable: true,
        // A cluster in a dark region: its objects are skipped, not failed and not forgotten.
        // `deleteUnreachable: true` would drop them from state, so it stays off.
        skipUpdateUnreachable: true,
        deleteUnreachable: false,
      },
      { parent: this },
    );
    const namespaces: Record<string, k8s.core.v1.Namespace> = {};
    for (const namespace of args.namespaces) {
      namespaces[namespace] = new k8s.core.v1.Namespace(
        `${name}-ns-${namespace}`,
        { metadata: { name: namespace, labels: { "app.kubernetes.io/managed-by": MANAGED_BY } } },
        { parent: this, provider: this.k8sProvider },
      );
    }
    this.ref = { name: spec.name, k8sProvider: this.k8sProvider, namespaces };
    this.registerOutputs({ clusterId: this.cluster.id, endpointId: this.endpoint.id });
  }
}
