/**
 * Every TARS workload deregisters before it stops: the `tarscli prestop` hook, and a grace period
 * longer than the prestop wait.
 *
 * `tarscli prestop` removes the pod from the registry and then waits `TARS_PRESTOP_WAITTIME`
 * seconds (80 by default) while callers refresh their endpoint lists. Without the hook, callers
 * keep sending to a dying pod; with a grace period no longer than the wait, the kubelet kills the
 * pod mid-wait, with the same effect.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/README.md
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
import { at } from "../props";
import {
  containersOf,
  DEFAULT_GRACE_PERIOD_SECONDS,
  hasTarscliPrestop,
  isSetDeployment,
  isTarscliContainer,
  isTarsWorkload,
  podSpecOf,
  prestopWaitSeconds,
  PRESTOP_WAIT_ENV,
  type WorkloadLike,
} from "../k8s";
import { EnforcementLevel, isUnknown, type ResourceRule } from "../rule";
import { K8sType } from "../tokens";

function hookProblems(resource: WorkloadLike): string[] {
  const containers = containersOf(resource).filter((c) => !c.init);
  const problems = containers
    .filter((c) => isTarscliContainer(c) && !hasTarscliPrestop(c))
    .map(
      (c) =>
        `container ${c.name} sets ${PRESTOP_WAIT_ENV} but has no preStop hook running tarscli prestop: its pods stop while still registered`,
    );
  // A Set Deployment with no tarscli container at all: say so once, for the whole workload.
  if (isSetDeployment(resource) && !containers.some(isTarscliContainer)) {
    problems.push(
      "no container has the preStop hook tarscli prestop: pods stop while still registered, and callers see errors",
    );
  }
  return problems;
}

function graceProblems(resource: WorkloadLike): string[] {
  const grace = at(podSpecOf(resource), "terminationGracePeriodSeconds");
  if (isUnknown(grace)) return [];
  const graceSeconds = typeof grace === "number" ? grace : DEFAULT_GRACE_PERIOD_SECONDS;
  const which = typeof grace === "number" ? "" : " (Kubernetes' default)";
  return containersOf(resource)
    .filter((c) => !c.init && hasTarscliPrestop(c))
    .flatMap((c) => {
      const wait = prestopWaitSeconds(c);
      if (isUnknown(wait) || graceSeconds > wait) return [];
      return [
        `terminationGracePeriodSeconds ${graceSeconds}${which} is not longer than container ${c.name}'s ${PRESTOP_WAIT_ENV} ${wait}: pods are killed before they have drained`,
      ];
    });
}

/** Why a TARS workload would drop calls when its pods stop; empty for other workloads. */
export function gracefulShutdownProblems(resource: WorkloadLike): string[] {
  if (!isTarsWorkload(resource)) return [];
  return [...hookProblems(resource), ...graceProblems(resource)];
}

/** The rule. */
export const tarsGracefulShutdown: ResourceRule = {
  kind: "resource",
  name: "tars-graceful-shutdown",
  description:
    "Every TARS workload runs tarscli prestop before stopping, with a grace period longer than TARS_PRESTOP_WAITTIME.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [K8sType.Deployment, K8sType.StatefulSet],
  check: (resource) => gracefulShutdownProblems(resource),
};
