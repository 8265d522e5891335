/**
 * Every container image pinned: a version tag other than `latest`, or a digest.
 *
 * An unpinned image changes under a running Deployment: a rescheduled pod may start a build
 * nobody reviewed, and a rollback cannot return to what ran before. The fleet validator already
 * refuses unpinned images in the fleet file; this rule also covers images a component adds.
 */
import { pinnedImageProblem } from "../../fleet/model/image";
import { containersOf, type ContainerView } from "../k8s";
import { EnforcementLevel, type ResourceRule } from "../rule";
import { WORKLOAD_TYPES } from "../tokens";

/** Why a container's image is not pinned, if it is not (unknown images are skipped). */
export function containerImageProblem(container: ContainerView): string | undefined {
  const image = container.props.image;
  const kind = container.init ? "init container" : "container";
  if (image === undefined) return `${kind} ${container.name} has no image`;
  if (typeof image !== "string") return undefined;
  const problem = pinnedImageProblem(image);
  return problem === undefined ? undefined : `${kind} ${container.name}: ${problem}`;
}

/** The rule. */
export const imagesPinned: ResourceRule = {
  kind: "resource",
  name: "images-pinned",
  description: "Every container image is pinned to a version tag other than latest, or a digest.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: WORKLOAD_TYPES,
  check: (resource) =>
    containersOf(resource).flatMap((c) => {
      const problem = containerImageProblem(c);
      return problem === undefined ? [] : [problem];
    }),
};
