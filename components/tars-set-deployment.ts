/**
 * One TARS server of one Set in one cluster.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type FleetSpec } from "../fleet/model/model";
import { SERVER_NAMESPACE } from "../fleet/model/naming";
import { type WorkloadSpec } from "../fleet/tars/placement";
import { setWorkloadPolicy } from "../fleet/k8s/network-policies";
import { serverWorkload } from "../fleet/k8s/servers";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { createTarscliObjects } from "./tarscli-objects";

/** Arguments of {@link TarsSetDeployment}. */
export interface TarsSetDeploymentArgs {
  readonly fleet: FleetSpec;
  /** The placed workload (`fleet/tars/placement.ts`): server, Set, role and replicas. */
  readonly placement: WorkloadSpec;
  readonly cluster: ClusterRef;
}

/**
 * The Deployment, PDB, NetworkPolicy and `_server_meta.yaml` ConfigMap of a server in a Set.
 *
 * Active and warm-standby copies are the same objects with different replicas and
 * `TARS_DISABLE_FLOW`, so a failover updates them in place.
 */
export class TarsSetDeployment extends pulumi.ComponentResource {
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly pdb: k8s.policy.v1.PodDisruptionBudget;

  constructor(name: string, args: TarsSetDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsSetDeployment, name, {}, opts);
    const namespace = args.cluster.namespaces[SERVER_NAMESPACE];
    const objects = createTarscliObjects(
      name,
      serverWorkload(args.fleet, args.placement),
      setWorkloadPolicy(args.fleet, args.placement),
      {
        parent: this,
        provider: args.cluster.k8sProvider,
        dependsOn: namespace === undefined ? [] : [namespace],
      },
    );
    this.deployment = objects.deployment;
    this.pdb = objects.pdb;
    this.registerOutputs({ deployment: this.deployment.metadata.name });
  }
}
