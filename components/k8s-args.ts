/**
 * Hands the pure manifests of `fleet/k8s/` to `@pulumi/kubernetes`.
 *
 * The manifests are typed with kubernetes-models, whose `Quantity` also admits numbers where
 * Pulumi's input types admit only strings. The builders emit quantities as strings (`500m`,
 * `512Mi`), and `tarsfed manifests` checks every object against the Kubernetes schema, so the
 * shapes agree; this is the one place the two type systems meet.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { type IJob } from "kubernetes-models/batch/v1/Job";
import { type IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { type IService } from "kubernetes-models/v1/Service";
import { type IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { type IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { type INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { type Named, type Spec } from "../fleet/k8s/types";
import { type PackageStoreClass } from "../fleet/k8s/base-services";

/** A Deployment manifest as Pulumi args. */
export const deploymentArgs = (m: Spec<IDeployment>) => m as unknown as k8s.apps.v1.DeploymentArgs;
/** A StatefulSet manifest as Pulumi args. */
export const statefulSetArgs = (m: Spec<IStatefulSet>) =>
  m as unknown as k8s.apps.v1.StatefulSetArgs;
/** A Job manifest as Pulumi args. */
export const jobArgs = (m: Spec<IJob>) => m as unknown as k8s.batch.v1.JobArgs;
/** A Service manifest as Pulumi args. */
export const serviceArgs = (m: Spec<IService>) => m as unknown as k8s.core.v1.ServiceArgs;
/** A PodDisruptionBudget manifest as Pulumi args. */
export const pdbArgs = (m: Spec<IPodDisruptionBudget>) =>
  m as unknown as k8s.policy.v1.PodDisruptionBudgetArgs;
/** A ConfigMap manifest as Pulumi args. */
export const configMapArgs = (m: Named<IConfigMap>): k8s.core.v1.ConfigMapArgs => m;
/** A PersistentVolumeClaim manifest as Pulumi args. */
export const pvcArgs = (m: Spec<IPersistentVolumeClaim>) =>
  m as unknown as k8s.core.v1.PersistentVolumeClaimArgs;
/** A StorageClass manifest, whose parameters may be outputs, as Pulumi args. */
export const storageClassArgs = (
  m: PackageStoreClass<pulumi.Input<string>>,
): k8s.storage.v1.StorageClassArgs => m;
/** A NetworkPolicy manifest as Pulumi args. */
export const networkPolicyArgs = (m: Spec<INetworkPolicy>) =>
  m as unknown as k8s.networking.v1.NetworkPolicyArgs;
