/**
 * A TKE cluster: the managed control plane, its node pools and intranet API access, in its
 * region's infra stack. The kubeconfig it outputs reaches the region's TARS stack, whose
 * `ClusterConnection` builds the Kubernetes provider from it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { NetworkType } from "../fleet/network/carve";
import { type ClusterSpec } from "../fleet/model/model";
import { CloudTag, physicalName } from "../fleet/model/naming";
import { ComponentType } from "./registry";

/** What in-cluster components need of a cluster (defined with `ClusterConnection`). */
export type { ClusterRef } from "./cluster-connection";

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
  /** Security group of the intranet API endpoint: who may reach the API server. */
  readonly apiSecurityGroupId: pulumi.Input<string>;
}

/**
 * One fleet cluster on TKE.
 *
 * Built as TKE's docs recommend: the cluster without inline workers, then node pools, then the
 * endpoint (TKE opens API access only once nodes exist), and the kubeconfig read from the
 * endpoint. API access is intranet only, behind a security group that admits the fleet's VPCs
 * (`apiEndpointSources`); runs of `pulumi up` reach it over the VPC or CCN.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/kubernetes_cluster_endpoint
 */
export class TkeCluster extends pulumi.ComponentResource {
  public readonly cluster: tencentcloud.KubernetesCluster;
  public readonly nodePools: Readonly<Record<string, tencentcloud.KubernetesNodePool>>;
  public readonly endpoint: tencentcloud.KubernetesClusterEndpoint;
  /** The intranet kubeconfig, a secret: the TARS stack reaches the cluster with it. */
  public readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: TkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TkeCluster, name, {}, opts);
    this.cluster = createControlPlane(name, args, this);
    this.nodePools = createNodePools(name, args, this.cluster, this);
    this.endpoint = createEndpoint(name, args, this.cluster, Object.values(this.nodePools), this);
    this.kubeconfig = pulumi.secret(this.endpoint.kubeConfigIntranet);
    this.registerOutputs({ clusterId: this.cluster.id, endpointId: this.endpoint.id });
  }
}

function tagsOf(args: TkeClusterArgs): Record<string, string> {
  return { [CloudTag.fleet]: args.fleetName, [CloudTag.cluster]: args.cluster.name };
}

function createControlPlane(
  name: string,
  args: TkeClusterArgs,
  parent: pulumi.Resource,
): tencentcloud.KubernetesCluster {
  const spec = args.cluster;
  const network =
    spec.networkType === NetworkType.VpcCni
      ? { eniSubnetIds: [...args.podSubnetIds], vpcCniType: "tke-route-eni" }
      : { clusterCidr: spec.podCidr };
  return new tencentcloud.KubernetesCluster(
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
      ...network,
      deletionProtection: true,
      tags: tagsOf(args),
    },
    // The control plane holds every workload's state: never deleted by accident.
    { parent, protect: true },
  );
}

function createNodePools(
  name: string,
  args: TkeClusterArgs,
  cluster: tencentcloud.KubernetesCluster,
  parent: pulumi.Resource,
): Record<string, tencentcloud.KubernetesNodePool> {
  const pools: Record<string, tencentcloud.KubernetesNodePool> = {};
  for (const pool of args.cluster.nodePools) {
    pools[pool.name] = new tencentcloud.KubernetesNodePool(
      `${name}-${pool.name}`,
      {
        clusterId: cluster.id,
        name: physicalName("nodePool", [args.fleetName, args.cluster.name, pool.name]),
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
        // The OS of new nodes; the provider's own default is TencentOS Server 2.4 (fleet/model/schema.ts).
        nodeOs: pool.nodeOs,
        labels: { "tarsfed.io/node-pool": pool.name },
        tags: tagsOf(args),
      },
      // `subnetIds` cannot change in place: a zone added to the region would replace (drain) every
      // pool. A pool keeps the zones it was created in; a new zone is used by new pools.
      { parent, ignoreChanges: ["subnetIds"] },
    );
  }
  return pools;
}

function createEndpoint(
  name: string,
  args: TkeClusterArgs,
  cluster: tencentcloud.KubernetesCluster,
  pools: readonly tencentcloud.KubernetesNodePool[],
  parent: pulumi.Resource,
): tencentcloud.KubernetesClusterEndpoint {
  return new tencentcloud.KubernetesClusterEndpoint(
    `${name}-endpoint`,
    {
      clusterId: cluster.id,
      clusterIntranet: true,
      clusterIntranetSubnetId: args.nodeSubnetIds[0],
      // ForceNew in the provider: an endpoint created without it is replaced once to get it.
      clusterIntranetSecurityGroup: args.apiSecurityGroupId,
      clusterInternet: false,
    },
    // TKE opens API access only once the cluster has nodes. The endpoint's id is its cluster's
    // (the provider's Create sets it to cluster_id), so a replacement (its security group is
    // ForceNew) cannot create the new one beside the old: delete first.
    { parent, dependsOn: [...pools], deleteBeforeReplace: true },
  );
}
