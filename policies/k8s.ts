/**
 * Kubernetes workloads as the rules see them: pod specs, containers, labels, and what makes a
 * workload a TARS one.
 *
 * A TARS workload runs under tarscli (K8STARS): its container's preStop hook is
 * `tarscli prestop`, which deregisters the pod and then waits `TARS_PRESTOP_WAITTIME` seconds.
 * A Set Deployment is a TARS server deployed for one Set: label `tarsfed.io/set`, namespace `tars`.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/README.md
 */
import { tarscliDurationSeconds } from "../fleet/k8s/tarscli";
import { Labels, SERVER_NAMESPACE } from "../fleet/model/naming";
import { at, isRecord, items, stringMap, text, type Props } from "./props";
import { isUnknown, UNKNOWN, type ResourceView } from "./rule";
import { K8sType } from "./tokens";

/** What K8STARS waits in `tarscli prestop` when `TARS_PRESTOP_WAITTIME` is not set, in seconds. */
export const DEFAULT_PRESTOP_WAIT_SECONDS = 80;

/**
 * Kubernetes' default `terminationGracePeriodSeconds`.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export const DEFAULT_GRACE_PERIOD_SECONDS = 30;

/** The environment variable tarscli reads for its prestop wait. */
export const PRESTOP_WAIT_ENV = "TARS_PRESTOP_WAITTIME";

/** A resource's type and inputs: all the workload helpers need. */
export type WorkloadLike = Pick<ResourceView, "type" | "props">;

/** One container of a pod template. */
export interface ContainerView {
  readonly name: string;
  /** Whether it is an init container. */
  readonly init: boolean;
  readonly props: Props;
}

/** The pod spec of a workload; {@link UNKNOWN} when not known yet, undefined for other types. */
export function podSpecOf(resource: WorkloadLike): unknown {
  switch (resource.type) {
    case K8sType.Deployment:
    case K8sType.StatefulSet:
    case K8sType.DaemonSet:
    case K8sType.Job:
      return at(resource.props, "spec", "template", "spec");
    case K8sType.CronJob:
      return at(resource.props, "spec", "jobTemplate", "spec", "template", "spec");
    default:
      return undefined;
  }
}

/** The pod template's labels, for selectors to match. */
export function podLabelsOf(resource: WorkloadLike): Record<string, string> {
  const path =
    resource.type === K8sType.CronJob
      ? ["spec", "jobTemplate", "spec", "template", "metadata", "labels"]
      : ["spec", "template", "metadata", "labels"];
  return stringMap(at(resource.props, ...path));
}

/** The containers, then the init containers, of a workload; unknown entries are left out. */
export function containersOf(resource: WorkloadLike): ContainerView[] {
  const spec = podSpecOf(resource);
  const out: ContainerView[] = [];
  for (const [field, init] of [
    ["containers", false],
    ["initContainers", true],
  ] as const) {
    items(at(spec, field)).forEach((c, i) => {
      if (isRecord(c)) out.push({ name: text(c.name) ?? `#${i}`, init, props: c });
    });
  }
  return out;
}

/** `namespace/name` of an object, with the default namespace when none is set. */
export function objectName(props: Props): string {
  return `${namespaceOf(props)}/${text(at(props, "metadata", "name")) ?? "(unnamed)"}`;
}

/** The object's namespace; Kubernetes' `default` when none is set. */
export function namespaceOf(props: Props): string {
  return text(at(props, "metadata", "namespace")) ?? "default";
}

/** Whether the container's preStop hook runs `tarscli prestop`. */
export function hasTarscliPrestop(container: ContainerView): boolean {
  const command = items(at(container.props, "lifecycle", "preStop", "exec", "command"));
  return /\btarscli\s+prestop\b/.test(command.filter((c) => typeof c === "string").join(" "));
}

/** The container's literal environment value of `name`; UNKNOWN when not literal or not known. */
export function envValue(container: ContainerView, name: string): unknown {
  const entry = items(at(container.props, "env")).find((e) => isRecord(e) && e.name === name);
  if (entry === undefined) return undefined;
  const value = at(entry, "value");
  return value === undefined || isUnknown(value) ? UNKNOWN : value;
}

/**
 * The container's prestop wait in seconds: `TARS_PRESTOP_WAITTIME`, or K8STARS' default.
 *
 * UNKNOWN when it comes from a reference or is not known yet.
 */
export function prestopWaitSeconds(container: ContainerView): number | typeof UNKNOWN {
  const value = envValue(container, PRESTOP_WAIT_ENV);
  if (value === undefined) return DEFAULT_PRESTOP_WAIT_SECONDS;
  // tarscli reads it as a duration with a unit ("80s"; K8STARS tinycli/flags.go).
  const seconds = typeof value === "string" ? tarscliDurationSeconds(value) : undefined;
  return seconds ?? UNKNOWN;
}

/** Whether a container runs under tarscli: the prestop hook, or the prestop wait set. */
export function isTarscliContainer(container: ContainerView): boolean {
  return hasTarscliPrestop(container) || envValue(container, PRESTOP_WAIT_ENV) !== undefined;
}

/** Whether the workload is a Deployment of one TARS server for one Set. */
export function isSetDeployment(resource: WorkloadLike): boolean {
  if (resource.type !== K8sType.Deployment) return false;
  const labels = {
    ...podLabelsOf(resource),
    ...stringMap(at(resource.props, "metadata", "labels")),
  };
  return Labels.tarsSet in labels && namespaceOf(resource.props) === SERVER_NAMESPACE;
}

/**
 * Whether the workload is a TARS one: a Set Deployment, or a Deployment or StatefulSet (tarslog,
 * with its volume) running tarscli.
 */
export function isTarsWorkload(resource: WorkloadLike): boolean {
  if (resource.type !== K8sType.Deployment && resource.type !== K8sType.StatefulSet) return false;
  return isSetDeployment(resource) || containersOf(resource).some(isTarscliContainer);
}
