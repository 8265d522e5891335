/**
 * Resources for the policy tests: the good ones are what the fleet model generates for the demo
 * fleet, so "passes" means "the real thing passes"; each test breaks one field of a copy.
 */
import { loadFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { placeWorkloads, WorkloadRole } from "../../fleet/tars/placement";
import { nodeIngressRules } from "../../fleet/network/security";
import { regionalFrameworkServices } from "../../fleet/tars/framework";
import { tarslogStatefulSet } from "../../fleet/k8s/base-services";
import { frameworkWorkload, serverWorkload } from "../../fleet/k8s/servers";
import { tarscliDeployment, workloadPdb } from "../../fleet/k8s/tarscli";
import { webDeployment } from "../../fleet/k8s/web";
import { type ResourceView } from "../../policies/rule";
import { K8sType, TencentType } from "../../policies/tokens";

/** The demo fleet. */
export const demo: FleetSpec = loadFleet("stacks/fleet.yaml").spec;

/** Mutable plain JSON, as a test edits it. */
export type JsonObject = Record<string, unknown>;

/** A deep, plain copy of `value`. */
export function plain<T>(value: T): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** The object at `path` below `value`; throws when the test's path is wrong. */
export function dig(value: unknown, ...path: readonly (string | number)[]): JsonObject {
  let current = value;
  for (const key of path) {
    current = (current as Record<string | number, unknown>)[key];
    if (typeof current !== "object" || current === null)
      throw new Error(`no object at ${path.join(".")}`);
  }
  return current as JsonObject;
}

/** The cluster provider URN tarsfed gives Kubernetes objects of `cluster` in the guangzhou stack. */
export function k8sProvider(cluster: string): string {
  return `urn:pulumi:guangzhou::tars-federation::tarsfed:compute:ClusterConnection$pulumi:providers:kubernetes::${cluster}-k8s`;
}

/** A resource of `type` with `props`; unprotected and without provider unless told. */
export function resource(
  type: string,
  name: string,
  props: JsonObject,
  options: { protect?: boolean; provider?: string | null } = {},
): ResourceView {
  return {
    type,
    name,
    urn: `urn:pulumi:guangzhou::tars-federation::${type}::${name}`,
    props,
    protect: options.protect ?? false,
    provider: options.provider ?? null,
  };
}

const firstActive = placeWorkloads(demo).find((w) => w.role === WorkloadRole.Active);
if (firstActive === undefined) throw new Error("the demo fleet has no workload");
const workload = serverWorkload(demo, firstActive);

/** The Set Deployment of TestApp.HelloServer in app.gz.1 on gz1, as the fleet generates it. */
export function setDeployment(): ResourceView {
  return resource(
    K8sType.Deployment,
    `gz1-${workload.name}-deployment`,
    plain(tarscliDeployment(workload)),
    {
      provider: k8sProvider("gz1"),
    },
  );
}

/** The container of {@link setDeployment}'s props. */
export function containerOf(props: JsonObject, index = 0): JsonObject {
  return dig(props, "spec", "template", "spec", "containers", index);
}

/** The PodDisruptionBudget of {@link setDeployment}. */
export function setPdb(): ResourceView {
  return resource(
    K8sType.PodDisruptionBudget,
    `gz1-${workload.name}-pdb`,
    plain(workloadPdb(workload)),
    {
      provider: k8sProvider("gz1"),
    },
  );
}

/** guangzhou's tarslog as the fleet generates it: a protected tarscli StatefulSet with a volume. */
export function tarslogResource(): ResourceView {
  const service = regionalFrameworkServices(demo).find((s) => s.server === "tarslog");
  if (service?.logVolume === undefined) throw new Error("the demo's tarslog has no volume");
  return resource(
    K8sType.StatefulSet,
    "gz1-tars-tarslog-statefulset",
    plain(tarslogStatefulSet(frameworkWorkload(demo, service), service.logVolume)),
    { protect: true, provider: k8sProvider("gz1") },
  );
}

/** tarsweb's Deployment: a workload with no tarscli. */
export function webDeploymentResource(): ResourceView {
  return resource(K8sType.Deployment, "tars-home-web", plain(webDeployment(demo)), {
    provider: k8sProvider("gz1"),
  });
}

/** The node security group's rules of the guangzhou region, as the fleet generates them. */
export function nodeRuleSet(): ResourceView {
  const rules = nodeIngressRules(["10.10.0.0/16"], ["10.10.0.0/16", "10.20.0.0/16"], [10001]);
  return resource(TencentType.SecurityGroupRuleSet, "guangzhou-nodes-rules", {
    securityGroupId: "sg-q14fbuff",
    ingresses: plain({ rules }).rules,
  });
}

/** One TKE cluster of the demo, tagged with its fleet name; `networkType: null` leaves it unset. */
export function cluster(name: string, networkType: string | null = "VPC-CNI"): ResourceView {
  return resource(
    TencentType.KubernetesCluster,
    `${name}-cluster`,
    {
      clusterName: `demo-${name}`,
      ...(networkType === null ? {} : { networkType }),
      tags: { "tarsfed-cluster": name, "tarsfed-fleet": "demo" },
    },
    { protect: true },
  );
}
