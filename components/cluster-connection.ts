/**
 * A cluster as a TARS stack reaches it: the Kubernetes provider every in-cluster object of this
 * project uses, and the namespaces the framework and the servers run in.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ClusterSpec } from "../fleet/model/model";
import { MANAGED_BY } from "../fleet/model/naming";
import { podSecurityLabels } from "../fleet/k8s/pod-security";
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

/** Arguments of {@link ClusterConnection}. */
export interface ClusterConnectionArgs {
  /** The validated cluster: its name and Kubernetes version (the Pod Security labels pin it). */
  readonly cluster: ClusterSpec;
  /**
   * The kubeconfig whose current context reaches the cluster, as a secret: a created cluster's
   * from its infra stack's outputs, an existing one's from stack config or a file.
   */
  readonly kubeconfig: pulumi.Input<string>;
  /**
   * What identifies the cluster to the provider, whatever its kubeconfig says: the TKE cluster's
   * id, or the fleet's name of an existing cluster.
   */
  readonly clusterIdentifier: pulumi.Input<string>;
  /** Namespaces to create once the cluster answers. */
  readonly namespaces: readonly string[];
}

/**
 * The Kubernetes side of one fleet cluster: `${name}-k8s`, its provider, and `${name}-ns-<ns>`,
 * its namespaces.
 *
 * Created and existing clusters are reached the same way, so the objects a TARS stack deploys do
 * not depend on where the cluster came from.
 */
export class ClusterConnection extends pulumi.ComponentResource {
  public readonly k8sProvider: k8s.Provider;
  public readonly ref: ClusterRef;

  constructor(name: string, args: ClusterConnectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.ClusterConnection, name, {}, opts);
    this.k8sProvider = createKubernetesProvider(name, args, this);
    const namespaces = createNamespaces(name, args, this.k8sProvider, this);
    this.ref = { name: args.cluster.name, k8sProvider: this.k8sProvider, namespaces };
    this.registerOutputs({});
  }
}

function createKubernetesProvider(
  name: string,
  args: ClusterConnectionArgs,
  parent: pulumi.Resource,
): k8s.Provider {
  return new k8s.Provider(
    `${name}-k8s`,
    {
      kubeconfig: pulumi.secret(args.kubeconfig),
      // The cluster's identity is fixed: with `clusterIdentifier` set, the provider is replaced
      // (and every object in the cluster with it) only when the identifier changes; a new API
      // address or credential in the kubeconfig is an update (@pulumi/kubernetes provider.d.ts,
      // `clusterIdentifier`; `DiffConfig` in pulumi/pulumi-kubernetes
      // provider/pkg/provider/provider.go, which also treats adding the identifier to an existing
      // provider as no replacement).
      clusterIdentifier: args.clusterIdentifier,
      enableServerSideApply: true,
      // Update ConfigMaps and Secrets in place instead of replacing them; pods that read a
      // changed `_server_meta.yaml` roll through the hash annotation on their template.
      enableConfigMapMutable: true,
      enableSecretMutable: true,
      // `skipUpdateUnreachable` is left unset on purpose: the SDK then reads
      // PULUMI_K8S_SKIP_UPDATE_UNREACHABLE (@pulumi/kubernetes provider.ts), which `tarsfed up`
      // sets per stack: false (an unreachable cluster fails the stack), true only for a stack
      // that only loses Sets, with --skip-unreachable (cli/engine/orchestrate.ts). Skipped
      // objects stay in state: `deleteUnreachable: true` would drop them, so it stays off.
      deleteUnreachable: false,
    },
    { parent },
  );
}

/** The namespaces, each enforcing the Pod Security level its pods allow (`pod-security.ts`). */
function createNamespaces(
  name: string,
  args: ClusterConnectionArgs,
  provider: k8s.Provider,
  parent: pulumi.Resource,
): Record<string, k8s.core.v1.Namespace> {
  const namespaces: Record<string, k8s.core.v1.Namespace> = {};
  for (const namespace of args.namespaces) {
    const labels = {
      "app.kubernetes.io/managed-by": MANAGED_BY,
      ...podSecurityLabels(namespace, args.cluster.kubernetesVersion),
    };
    namespaces[namespace] = new k8s.core.v1.Namespace(
      `${name}-ns-${namespace}`,
      { metadata: { name: namespace, labels } },
      { parent, provider },
    );
  }
  return namespaces;
}
