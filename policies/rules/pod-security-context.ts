/**
 * Every pod hardened: no service-account token, the runtime's seccomp profile, no privilege
 * escalation or privileged mode, every capability dropped, a non-root user and a read-only root
 * filesystem, unless the pod names its container's documented exception.
 *
 * The exceptions are one table, `IMAGE_SECURITY` in `fleet/k8s/pod-security.ts`: a pod names each
 * container's row in the `tarsfed.io/security-profiles` annotation of its template, and only a
 * row that needs root (or a writable root) excuses it. Everything else holds for every container.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import {
  IMAGE_SECURITY,
  NET_BIND_SERVICE,
  parseSecurityProfiles,
  SECURITY_PROFILES_ANNOTATION,
} from "../../fleet/k8s/pod-security";
import { containersOf, podSpecOf, type ContainerView, type WorkloadLike } from "../k8s";
import { at, items, text } from "../props";
import { EnforcementLevel, isUnknown, type ResourceRule } from "../rule";
import { K8sType, WORKLOAD_TYPES } from "../tokens";

/** The pod template's annotations. */
function podAnnotation(resource: WorkloadLike, key: string): string {
  const path =
    resource.type === K8sType.CronJob
      ? ["spec", "jobTemplate", "spec", "template", "metadata", "annotations", key]
      : ["spec", "template", "metadata", "annotations", key];
  return text(at(resource.props, ...path)) ?? "";
}

/** `value` is false, or not known yet. */
const isFalse = (value: unknown) => value === false || isUnknown(value);
/** `value` is true, or not known yet. */
const isTrue = (value: unknown) => value === true || isUnknown(value);

const SECCOMP_TYPES = ["RuntimeDefault", "Localhost"];

/** What one container lacks; `pod` is its pod spec, `exception` its documented row if any. */
function containerProblems(c: ContainerView, pod: unknown, profile: string | undefined): string[] {
  const who = `${c.init ? "init container" : "container"} ${c.name}`;
  const sc = at(c.props, "securityContext");
  const row =
    profile === undefined ? undefined : IMAGE_SECURITY[profile as keyof typeof IMAGE_SECURITY];
  const problems: string[] = [];
  if (!isFalse(at(sc, "allowPrivilegeEscalation")))
    problems.push(`${who} allows privilege escalation: set allowPrivilegeEscalation: false`);
  if (at(sc, "privileged") === true) problems.push(`${who} is privileged`);
  const drop = at(sc, "capabilities", "drop");
  if (!isUnknown(drop) && !items(drop).includes("ALL"))
    problems.push(`${who} keeps its capabilities: drop ALL`);
  const added = items(at(sc, "capabilities", "add")).filter((a) => a !== NET_BIND_SERVICE);
  if (added.length > 0)
    problems.push(`${who} adds ${added.join(", ")}: only ${NET_BIND_SERVICE} may come back`);
  const seccomp =
    at(sc, "seccompProfile", "type") ?? at(pod, "securityContext", "seccompProfile", "type");
  if (!isUnknown(seccomp) && !SECCOMP_TYPES.includes(String(seccomp)))
    problems.push(`${who} has no seccomp profile: set seccompProfile.type RuntimeDefault`);
  const nonRoot = at(sc, "runAsNonRoot") ?? at(pod, "securityContext", "runAsNonRoot");
  if (!isTrue(nonRoot) && row?.user !== "root")
    problems.push(
      `${who} may run as root: set runAsNonRoot: true, or name an exception that needs root in ${SECURITY_PROFILES_ANNOTATION}`,
    );
  if (
    !isTrue(at(sc, "readOnlyRootFilesystem")) &&
    (row === undefined || row.writablePaths !== null)
  )
    problems.push(
      `${who} has a writable root filesystem: set readOnlyRootFilesystem: true, or name an exception that needs one in ${SECURITY_PROFILES_ANNOTATION}`,
    );
  return problems;
}

/** Why a workload's pods fall short of the defaults, if they do. */
export function podSecurityProblems(resource: WorkloadLike): string[] {
  const pod = podSpecOf(resource);
  if (pod === undefined || isUnknown(pod)) return [];
  const profiles = parseSecurityProfiles(podAnnotation(resource, SECURITY_PROFILES_ANNOTATION));
  const problems = isFalse(at(pod, "automountServiceAccountToken"))
    ? []
    : ["pods mount a service-account token: set automountServiceAccountToken: false"];
  return [
    ...problems,
    ...containersOf(resource).flatMap((c) => containerProblems(c, pod, profiles.get(c.name))),
  ];
}

/** The rule. */
export const podSecurityContext: ResourceRule = {
  kind: "resource",
  name: "pod-security-context",
  description:
    "Pods mount no service-account token and run with seccomp, no escalation, no capabilities, non-root and a read-only root filesystem, or name their image's documented exception.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: WORKLOAD_TYPES,
  check: podSecurityProblems,
};
