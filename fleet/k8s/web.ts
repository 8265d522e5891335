/**
 * tarsweb, the framework's console, in the home cluster, and at 0 replicas in the database's
 * standby region (`tars.db.standbyRegion`), ready to scale up when that region's replica becomes
 * the master.
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
import { fleetNeedsNodeServices, type StandbyWebSpec, WEB_PORT, WEB_SIZE } from "../tars/framework";
import { withPackageStore } from "./base-services";
import { lbService } from "./load-balancer";
import { frameworkLabels, LOCAL_LOCATOR } from "./servers";
import { dbEnvFrom } from "./db-config";
import { containerResources, highAvailabilityDeployment, workloadPdb } from "./tarscli";
import { hardenPod, ImageProfile } from "./pod-security";

/** Name of tarsweb's Deployment, PDB and Service. */
export const WEB = "tars-web";

/** What differs between the home tarsweb and the standby region's. */
export interface WebShape {
  readonly replicas: number;
  /** Whether the pods mount the package store (the home cluster's, with CVM pools). */
  readonly packageStore: boolean;
}

/**
 * The tarsweb Deployment. At home, with CVM pools, every replica mounts the package store where
 * tarsweb writes uploaded packages, which tarspatch serves to tarsnode (`base-services.ts`,
 * `packageStoreClaim`).
 */
export function webDeployment(
  fleet: FleetSpec,
  shape: WebShape = {
    replicas: fleet.tars.webReplicas,
    packageStore: fleetNeedsNodeServices(fleet),
  },
): Spec<IDeployment> {
  const { selector, labels } = frameworkLabels(WEB);
  const spec: IPodSpec = {
    containers: [
      {
        name: "tars-web",
        // K8STARS pins tarsweb at its own tag (baseserver/yaml/tarsweb.yaml); see TARSWEB_TAG.
        image: fleet.tars.images.tarsweb,
        envFrom: dbEnvFrom(),
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
  const pod = hardenPod(shape.packageStore ? withPackageStore(spec) : spec, {
    "tars-web": ImageProfile.Tarsweb,
  });
  return highAvailabilityDeployment({
    name: WEB,
    namespace: FRAMEWORK_NAMESPACE,
    labels,
    selector,
    replicas: shape.replicas,
    podAnnotations: pod.annotations,
    pod: pod.spec,
  });
}

/**
 * The standby region's tarsweb (`tars.db.standbyRegion`): the same pods at the standby's replicas
 * (0 until its replica is promoted), without the package store, which is the home cluster's
 * volume; tarspatch, which serves it to tarsnode, runs at home only.
 */
export function standbyWebDeployment(fleet: FleetSpec, standby: StandbyWebSpec): Spec<IDeployment> {
  return webDeployment(fleet, { replicas: standby.webReplicas, packageStore: false });
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
