/**
 * tarsweb, the framework's console, in the home cluster.
 *
 * It is reachable through the home cluster's web CLB, from the fleet's node subnets and
 * `tars.web.allowedCidrs`, never from a pod of the fleet: the CLB's security group refuses the
 * pods' addresses and admits the rest (the Service's `loadBalancerSourceRanges` lists them), the
 * CLB's backends trust it, the home region's nodes admit the CLB's health checks
 * (`fleet/network/security.ts`), and tarsweb's NetworkPolicy admits the same (`network-policies.ts`).
 * @see https://github.com/TarsCloud/K8STARS/blob/master/baseserver/yaml/tarsweb.yaml
 */
import { type Spec } from "./types";
import { type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { type IService } from "kubernetes-models/v1/Service";
import { type IPodSpec } from "kubernetes-models/v1/PodSpec";
import { type IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { type FleetSpec } from "../model/model";
import { FRAMEWORK_NAMESPACE } from "../model/naming";
import { fleetNeedsNodeServices, WEB_PORT, WEB_SIZE } from "../tars/framework";
import { withPackageStore } from "./base-services";
import { lbService } from "./load-balancer";
import { DB_SECRET, frameworkLabels, LOCAL_LOCATOR } from "./servers";
import { containerResources, highAvailabilityDeployment, workloadPdb } from "./tarscli";
import { hardenPod, ImageProfile } from "./pod-security";

/** Name of tarsweb's Deployment, PDB and Service. */
export const WEB = "tars-web";

/**
 * The tarsweb Deployment. With CVM pools, every replica mounts the package store where tarsweb
 * writes uploaded packages, which tarspatch serves to tarsnode (`base-services.ts`,
 * `packageStoreClaim`).
 */
export function webDeployment(fleet: FleetSpec): Spec<IDeployment> {
  const { selector, labels } = frameworkLabels(WEB);
  const spec: IPodSpec = {
    containers: [
      {
        name: "tars-web",
        // K8STARS pins tarsweb at its own tag (baseserver/yaml/tarsweb.yaml); see TARSWEB_TAG.
        image: fleet.tars.images.tarsweb,
        envFrom: [{ secretRef: { name: DB_SECRET } }],
        env: [{ name: "TARS_LOCATOR", value: LOCAL_LOCATOR }],
        ports: [{ name: "http", containerPort: WEB_PORT, protocol: "TCP" }],
        readinessProbe: {
          tcpSocket: { port: WEB_PORT },
          initialDelaySeconds: 10,
          periodSeconds: 10,
        },
        resources: containerResources(WEB_SIZE),
      },
    ],
  };
  const pod = hardenPod(fleetNeedsNodeServices(fleet) ? withPackageStore(spec) : spec, {
    "tars-web": ImageProfile.Tarsweb,
  });
  return highAvailabilityDeployment({
    name: WEB,
    namespace: FRAMEWORK_NAMESPACE,
    labels,
    selector,
    replicas: fleet.tars.webReplicas,
    podAnnotations: pod.annotations,
    pod: pod.spec,
  });
}

/** tarsweb behind the web CLB, open only to `sourceRanges`. */
export function webLbService(sourceRanges: readonly string[]): Spec<IService> {
  return lbService({
    name: WEB,
    component: WEB,
    sourceRanges,
    ports: [{ name: "http", port: WEB_PORT, targetPort: WEB_PORT, protocol: "TCP" }],
  });
}

/** At most one tarsweb pod evicted at a time. */
export function webPdb(): Spec<IPodDisruptionBudget> {
  const { selector, labels } = frameworkLabels(WEB);
  return workloadPdb({ name: WEB, namespace: FRAMEWORK_NAMESPACE, labels, selector });
}
