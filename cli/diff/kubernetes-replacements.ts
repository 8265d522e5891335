/**
 * The Kubernetes fields Pulumi cannot change in place: a change to one replaces the object.
 *
 * Copied from the Pulumi Kubernetes provider's own table (v4,
 * https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/provider/diff.go), which
 * follows the fields the API server refuses to update. Kinds this project never creates (Pod,
 * PersistentVolume, StorageClass, RoleBinding…) are kept short or left out; add them when a
 * component starts creating them.
 */
import { type Json } from "../../fleet/stacks/plan-document";

/** Every object: `metadata.name` and `metadata.namespace` identify it. */
const METADATA = ["metadata.name", "metadata.namespace"] as const;

/**
 * Fields per `<apiVersion module>:<Kind>`, as in the Pulumi type token
 * `kubernetes:<module>:<Kind>` (`kubernetes:apps/v1:Deployment` → `apps/v1:Deployment`).
 */
const FORCE_NEW_BY_KIND: Readonly<Record<string, readonly string[]>> = {
  "apps/v1:Deployment": ["spec.selector"],
  "apps/v1:DaemonSet": ["spec.selector"],
  "apps/v1:StatefulSet": [
    "spec.podManagementPolicy",
    "spec.revisionHistoryLimit",
    "spec.selector",
    "spec.serviceName",
    "spec.volumeClaimTemplates",
  ],
  // A Job's pod template is immutable once created.
  "batch/v1:Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
  "core/v1:PersistentVolumeClaim": [
    "spec.accessModes",
    "spec.selector",
    "spec.storageClassName",
    "spec.volumeName",
  ],
  "core/v1:ResourceQuota": ["spec.scopes"],
  "core/v1:Secret": ["type"],
  "core/v1:Service": ["spec.clusterIP"],
  "policy/v1beta1:PodDisruptionBudget": ["spec"],
  "rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["roleRef"],
  "rbac.authorization.k8s.io/v1:RoleBinding": ["roleRef"],
  "storage.k8s.io/v1:StorageClass": ["parameters", "provisioner"],
};

/** The Kubernetes provider settings that make ConfigMaps and Secrets updatable in place. */
export interface KubernetesProviderFlags {
  /**
   * The provider's `enableConfigMapMutable`.
   *
   * @default - false: a ConfigMap whose data changes is replaced (the provider's default)
   */
  readonly configMapMutable?: boolean;
  /**
   * The provider's `enableSecretMutable`.
   *
   * @default - false: a Secret whose data changes is replaced (the provider's default)
   */
  readonly secretMutable?: boolean;
}

function flag(value: Json | undefined): boolean {
  return value === true || value === "true";
}

/**
 * Reads the mutability flags from a `pulumi:providers:kubernetes` resource's inputs.
 *
 * Provider inputs are registered as strings (`"true"`); the environment variables
 * `PULUMI_K8S_ENABLE_CONFIGMAP_MUTABLE` and `PULUMI_K8S_ENABLE_SECRET_MUTABLE` are not seen here.
 */
export function kubernetesProviderFlags(inputs: {
  readonly [key: string]: Json;
}): KubernetesProviderFlags {
  return {
    configMapMutable: flag(inputs.enableConfigMapMutable),
    secretMutable: flag(inputs.enableSecretMutable),
  };
}

/**
 * The dotted input paths whose change replaces a Kubernetes object of Pulumi type `type`.
 *
 * ConfigMap and Secret data is immutable to Pulumi unless the provider enables mutation, and
 * always when the object is `immutable: true` (on either side of the change).
 */
export function kubernetesReplaceOnChanges(
  type: string,
  immutable: boolean,
  flags: KubernetesProviderFlags,
): string[] {
  const [, module = "", kind = ""] = type.split(":");
  const paths: string[] = [...METADATA];
  if (
    module === "core/v1" &&
    kind === "ConfigMap" &&
    (flags.configMapMutable !== true || immutable)
  )
    paths.push("binaryData", "data");
  if (module === "core/v1" && kind === "Secret" && (flags.secretMutable !== true || immutable))
    paths.push("stringData", "data");
  paths.push(...(FORCE_NEW_BY_KIND[`${module}:${kind}`] ?? []));
  return paths;
}
