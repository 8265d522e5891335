/**
 * Smoke checks of a local cluster, straight against its API: a Deployment's pods are scheduled
 * onto kwok's nodes, become Ready, and the Deployment becomes Available.
 */
import { type LocalCluster } from "./cluster";
import { conditionStatus, create, type KubeObject, read, waitFor } from "./kube";

/** The image is never pulled: kwok runs no containers, it only reports them running. */
export const SMOKE_IMAGE = "registry.k8s.io/pause:3.10";

/** A Deployment of `replicas` pods named `name` in `namespace`, with explicit name and namespace. */
export function smokeDeployment(namespace: string, name: string, replicas: number): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "app", image: SMOKE_IMAGE }] },
      },
    },
  };
}

/** Whether a Deployment is Available with every replica ready and updated. */
export function deploymentAvailable(deployment: KubeObject | undefined, replicas: number): boolean {
  const status = deployment?.status as
    { readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number } | undefined;
  return (
    conditionStatus(deployment, "Available") === "True" &&
    status?.readyReplicas === replicas &&
    status.availableReplicas === replicas &&
    status.updatedReplicas === replicas
  );
}

/** Creates a namespace and a Deployment and waits until it is Available; returns the seconds taken. */
export async function deploymentSmoke(cluster: LocalCluster, replicas = 2): Promise<number> {
  const started = Date.now();
  const namespace = "e2e-smoke";
  await create(cluster, "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: namespace },
  });
  // The namespace's `default` ServiceAccount comes from the controller-manager, and pods need it.
  await waitFor(`${cluster.name}: ServiceAccount ${namespace}/default`, 60, () =>
    read(cluster, `/api/v1/namespaces/${namespace}/serviceaccounts/default`),
  );
  await create(
    cluster,
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    smokeDeployment(namespace, "smoke", replicas),
  );
  let last: KubeObject | undefined;
  await waitFor(
    `${cluster.name}: Deployment ${namespace}/smoke Available with ${replicas} ready replicas`,
    120,
    async () => {
      last = await read(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/smoke`);
      return deploymentAvailable(last, replicas) ? true : undefined;
    },
    () => `last status: ${JSON.stringify(last?.status ?? null)}`,
  );
  return (Date.now() - started) / 1000;
}
