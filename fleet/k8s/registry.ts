/**
 * The TARS registry of one cluster (K8STARS): a Deployment of two containers, the Service the
 * default locator names, an internal load balancer for CVM nodes, and a PDB.
 *
 * The C++ registry serves QueryObj (17890) and RegistryObj (17891); the Go registry beside it
 * takes tarscli's startup, keepalive and prestop calls. Both read the shared framework database,
 * so every cluster's registry answers for the whole fleet: a pod registers its IP once, and
 * callers in any region find it.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/baseserver/yaml/registry.yaml
 */
import { type Spec } from "./types";
import { type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { type IService } from "kubernetes-models/v1/Service";
import { type IServicePort } from "kubernetes-models/v1/ServicePort";
import { type IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { type FleetSpec } from "../model/model";
import { FRAMEWORK_NAMESPACE } from "../model/naming";
import { k8starsImage, REGISTRY_METRICS_PORT, REGISTRY_SIZE } from "../tars/framework";
import { REGISTRY_PORTS } from "../network/ports";
import { lbService } from "./load-balancer";
import { frameworkLabels, LOCAL_LOCATOR, REGISTRY_SERVICE } from "./servers";
import { dbEnvFrom } from "./db-config";
import {
  containerResources,
  PRESTOP_HOOK,
  SHUTDOWN_MARGIN_SECONDS,
  highAvailabilityDeployment,
  tarscliDuration,
  workloadPdb,
} from "./tarscli";
import { hardenPod, ImageProfile } from "./pod-security";
import { IDC_GROUPS_HASH_ANNOTATION, idcGroupsHash } from "./idc-groups";

/** The registry's Service exposed through the cluster's internal CLB. */
export const REGISTRY_LB_SERVICE = "tars-registry-lb";

const ports: IServicePort[] = [
  { name: "query", port: REGISTRY_PORTS.query, targetPort: REGISTRY_PORTS.query, protocol: "TCP" },
  {
    name: "registry",
    port: REGISTRY_PORTS.registry,
    targetPort: REGISTRY_PORTS.registry,
    protocol: "TCP",
  },
];

/** The registry Deployment. */
export function registryDeployment(fleet: FleetSpec): Spec<IDeployment> {
  const { selector, labels } = frameworkLabels(REGISTRY_SERVICE);
  // K8STARS publishes both at tars.version (baseserver/yaml/registry.yaml lines 30 and 55).
  const image = (name: string) => k8starsImage(fleet, name);
  const pod = hardenPod(
    {
      terminationGracePeriodSeconds: fleet.tars.prestopWaitSeconds + SHUTDOWN_MARGIN_SECONDS,
      containers: [
        {
          name: "tars-cppregistry",
          image: image("cppregistry"),
          envFrom: dbEnvFrom(),
          ports: ports.map((p) => ({
            name: p.name,
            containerPort: p.port,
            protocol: "TCP" as const,
          })),
          readinessProbe: {
            tcpSocket: { port: REGISTRY_PORTS.query },
            initialDelaySeconds: 5,
            periodSeconds: 10,
          },
          resources: containerResources(REGISTRY_SIZE.cppRegistry),
        },
        {
          name: "tars-registry",
          image: image("tarsregistry"),
          envFrom: dbEnvFrom(),
          env: [
            { name: "TARS_LOCATOR", value: LOCAL_LOCATOR },
            // A unit is required: tinycli.GetTimeDuration (K8STARS tinycli/flags.go) refuses "80".
            {
              name: "TARS_PRESTOP_WAITTIME",
              value: tarscliDuration(fleet.tars.prestopWaitSeconds),
            },
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          ],
          ports: [{ name: "metrics", containerPort: REGISTRY_METRICS_PORT, protocol: "TCP" }],
          lifecycle: { preStop: PRESTOP_HOOK },
          resources: containerResources(REGISTRY_SIZE.goRegistry),
        },
      ],
    },
    // Both are K8STARS tarscli images; the C++ registry also writes its object cache.
    { "tars-cppregistry": ImageProfile.CppRegistry, "tars-registry": ImageProfile.Tarscli },
  );
  return highAvailabilityDeployment({
    name: REGISTRY_SERVICE,
    namespace: FRAMEWORK_NAMESPACE,
    labels,
    selector,
    replicas: fleet.tars.registryReplicas,
    // The registry reads IDC group rules only at start and once an hour (fleet/tars/idc-groups.ts):
    // new rules restart it, nothing else about the groups does.
    podAnnotations: { [IDC_GROUPS_HASH_ANNOTATION]: idcGroupsHash(fleet), ...pod.annotations },
    pod: pod.spec,
  });
}

/** `tars-registry`: what the default locator (`tars-registry.tars-system.svc.cluster.local`) names. */
export function registryService(): Spec<IService> {
  const { selector, labels } = frameworkLabels(REGISTRY_SERVICE);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: REGISTRY_SERVICE, namespace: FRAMEWORK_NAMESPACE, labels },
    spec: { type: "ClusterIP", selector, ports },
  };
}

/**
 * The registry behind the cluster's internal CLB, for CVM nodes; the component fills in the
 * CLB id under `EXISTING_LB_ANNOTATION`.
 */
export function registryLbService(): Spec<IService> {
  return lbService({ name: REGISTRY_LB_SERVICE, component: REGISTRY_SERVICE, ports });
}

/** At most one registry pod evicted at a time. */
export function registryPdb(): Spec<IPodDisruptionBudget> {
  const { selector, labels } = frameworkLabels(REGISTRY_SERVICE);
  return workloadPdb({ name: REGISTRY_SERVICE, namespace: FRAMEWORK_NAMESPACE, labels, selector });
}
