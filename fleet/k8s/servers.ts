/**
 * TARS servers per Set as tarscli workloads, and the framework services that run the same way.
 */
import { type FleetSpec } from "../model/model";
import {
  FRAMEWORK_NAMESPACE,
  Labels,
  MANAGED_BY,
  SERVER_NAMESPACE,
  serverLabelName,
  setLabelValue,
  toDnsLabelish,
} from "../model/naming";
import { WorkloadRole, type WorkloadSpec } from "../tars/placement";
import { parseCpuMilli, parseMemoryMiB } from "../model/quantity";
import { type FrameworkServiceSpec } from "../tars/framework";
import { REGISTRY_PORTS, tarsLocator } from "../network/ports";
import { type TarscliWorkload } from "./tarscli";
import { dbEnvFrom } from "./db-config";

/** Name of the registry Service in every cluster (K8STARS' default locator host). */
export const REGISTRY_SERVICE = "tars-registry";

/** The locator every pod uses: the registry Service of its own cluster. */
export const LOCAL_LOCATOR = tarsLocator([
  {
    host: `${REGISTRY_SERVICE}.${FRAMEWORK_NAMESPACE}.svc.cluster.local`,
    port: REGISTRY_PORTS.query,
  },
]);

function quantityOrThrow(
  result: { ok: true; value: number } | { ok: false; reason: string },
): number {
  if (!result.ok) throw new Error(`validated fleet holds a bad quantity: ${result.reason}`);
  return result.value;
}

/** Labels of a server's pods in one Set; the selector is the name and Set labels. */
export function serverLabels(serverId: string, app: string, server: string, setId: string) {
  const selector = {
    [Labels.name]: serverLabelName(serverId),
    [Labels.tarsSet]: setLabelValue(setId),
  };
  const labels = {
    ...selector,
    [Labels.partOf]: toDnsLabelish(app),
    [Labels.managedBy]: MANAGED_BY,
    [Labels.tarsApplication]: app,
    [Labels.tarsServer]: server,
  };
  return { selector, labels };
}

/** The tarscli workload of one server in one Set, in one cluster. */
export function serverWorkload(fleet: FleetSpec, w: WorkloadSpec): TarscliWorkload {
  const { selector, labels } = serverLabels(w.server.id, w.server.app, w.server.server, w.set.id);
  return {
    name: w.name,
    namespace: SERVER_NAMESPACE,
    labels,
    selector,
    deploymentLabels: { [Labels.role]: w.role },
    application: w.server.app,
    server: w.server.server,
    setId: w.set.id,
    image: w.server.image,
    servants: w.server.servants,
    replicas: w.replicas,
    disableFlow: w.role === WorkloadRole.WarmStandby,
    locator: LOCAL_LOCATOR,
    prestopWaitSeconds: fleet.tars.prestopWaitSeconds,
    size: {
      cpuMilli: quantityOrThrow(parseCpuMilli(w.server.resources.cpu)),
      memoryMiB: quantityOrThrow(parseMemoryMiB(w.server.resources.memory)),
    },
  };
}

/** Labels of a framework component in `tars-system`. */
export function frameworkLabels(component: string) {
  const selector = { [Labels.name]: component };
  return {
    selector,
    labels: {
      ...selector,
      [Labels.partOf]: "tars-framework",
      [Labels.component]: component,
      [Labels.managedBy]: MANAGED_BY,
    },
  };
}

/**
 * The tarscli workload of a framework service (app `tars`); the database's Secret and ConfigMap
 * if it uses it.
 */
export function frameworkWorkload(
  fleet: FleetSpec,
  service: FrameworkServiceSpec,
): TarscliWorkload {
  const name = `tars-${service.server.toLowerCase()}`;
  const { selector, labels } = frameworkLabels(name);
  return {
    name,
    namespace: FRAMEWORK_NAMESPACE,
    labels,
    selector,
    application: "tars",
    server: service.server,
    image: service.image,
    servants: service.servants,
    replicas: service.replicas,
    disableFlow: false,
    locator: LOCAL_LOCATOR,
    prestopWaitSeconds: fleet.tars.prestopWaitSeconds,
    size: service.size,
    ...(service.usesDb ? { envFrom: dbEnvFrom() } : {}),
    securityProfile: service.securityProfile,
  };
}
