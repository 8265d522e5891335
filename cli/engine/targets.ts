/**
 * The targets of a failover's (or failback's) update of one TARS stack: the URNs of the moving
 * Sets' own resources there, so `tarsfed up` runs `pulumi up --target <urn>… --target-dependents`
 * instead of an update of the whole stack.
 *
 * A Set's resources in a TARS stack are one `TarsSetDeployment` per server and cluster
 * (`program/tars.ts`, `createSetDeployments`: named `<cluster>-<Deployment name>`, no parent), and
 * its children `<name>-meta` (ConfigMap), `<name>-network-policy`, `<name>-deployment` and
 * `<name>-pdb` (`components/tarscli-objects.ts`, `createTarscliObjects`). A Set's move changes
 * nothing else (the change-minimality report: `bench/minimality-model.ts`, `moveSet`).
 *
 * The list covers the moving Sets' copies before and after the move (`transitionWorkloads`):
 * phase `gain` creates or updates the new copies and keeps the old ones (the program deploys
 * both), phase `remove` deletes the old copies, which are then in the stack's state but no longer
 * in the program, and a targeted update deletes exactly such targets. So both phases run with the
 * same list, and every resource of a moving Set gets the update a whole-stack update would give
 * it, in the same phase; nothing else is touched.
 *
 * URNs are `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>` for a child and
 * `urn:pulumi:<stack>::<project>::<type>::<name>` for a resource whose parent is the stack: the
 * engine leaves the root stack's type out of the chain (`NewURN` in pulumi/pulumi
 * `sdk/go/common/resource/urn.go`; https://www.pulumi.com/docs/iac/concepts/resources/names/#urns).
 * The offline plan's mocks write `pulumi:pulumi:Stack$<type>` there instead.
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_up/ (`--target`, `--target-dependents`)
 */
import { type FleetSpec } from "../../fleet/model/model";
import { PhaseEffect } from "../../fleet/operations/operations";
import { transitionWorkloads } from "../../fleet/operations/transition";
import { placeWorkloads, type WorkloadSpec } from "../../fleet/tars/placement";
import { isTarsStack, regionOfStack } from "../../fleet/stacks/slice";
import { ComponentType } from "../../components/registry";
import { PULUMI_PROJECT, topLevelUrn } from "../../fleet/model/naming";

/**
 * The children of a `TarsSetDeployment` named `<name>`: the suffix of each (as
 * `components/tarscli-objects.ts` names them) and its type token, as `@pulumi/kubernetes`
 * registers it (`__pulumiType` in `core/v1/configMap.js`, `networking/v1/networkPolicy.js`,
 * `apps/v1/deployment.js` and `policy/v1/podDisruptionBudget.js` of the SDK).
 */
export const SET_DEPLOYMENT_CHILDREN = [
  { suffix: "-meta", type: "kubernetes:core/v1:ConfigMap" },
  { suffix: "-network-policy", type: "kubernetes:networking.k8s.io/v1:NetworkPolicy" },
  { suffix: "-deployment", type: "kubernetes:apps/v1:Deployment" },
  { suffix: "-pdb", type: "kubernetes:policy/v1:PodDisruptionBudget" },
] as const;

/** Resources per `TarsSetDeployment`: the component and its children. */
export const RESOURCES_PER_SET_DEPLOYMENT = 1 + SET_DEPLOYMENT_CHILDREN.length;

/** The URNs of the `TarsSetDeployment` `name` in `stack`: the component first, then its children. */
export function setDeploymentUrns(stack: string, name: string): string[] {
  const parent = ComponentType.TarsSetDeployment;
  return [
    topLevelUrn(stack, parent, name),
    ...SET_DEPLOYMENT_CHILDREN.map(
      (child) =>
        `urn:pulumi:${stack}::${PULUMI_PROJECT}::${parent}$${child.type}::${name}${child.suffix}`,
    ),
  ];
}

/**
 * The URNs of the moving Sets' own resources in the TARS stack `stack`, for the fleet `after` the
 * move: every copy of theirs in the stack's clusters, before or after (see the file comment), in
 * placement order. Empty when the stack holds none of them, or is not a TARS stack.
 *
 * `moving` must be ids of Sets with a standby (as `selectStacks` checks); others are ignored.
 */
export function setTargets(after: FleetSpec, stack: string, moving: readonly string[]): string[] {
  return urnsOf(after, stack, moving, transitionWorkloads(after, moving));
}

/** The URNs of the moving Sets' copies among `workloads` that run in `stack`'s clusters. */
function urnsOf(
  fleet: FleetSpec,
  stack: string,
  moving: readonly string[],
  workloads: readonly WorkloadSpec[],
): string[] {
  if (moving.length === 0 || !isTarsStack(fleet, stack)) return [];
  const region = fleet.regions.find((r) => r.name === regionOfStack(fleet, stack));
  const clusters = new Set((region?.clusters ?? []).map((c) => c.name));
  const ids = new Set(moving);
  return workloads
    .filter((w) => ids.has(w.set.id) && clusters.has(w.cluster))
    .flatMap((w) => setDeploymentUrns(stack, `${w.cluster}-${w.name}`));
}

/**
 * Of `targets` ({@link setTargets}), those a phase's update of `stack` can reach: the engine
 * refuses a target that is neither in the stack's state nor registered by the program
 * (`checkTargets`, pulumi/pulumi `pkg/resource/deploy/deployment_executor.go`). Phase `gain`'s
 * program registers every copy, old and new; phase `remove`'s only the copies the fleet file
 * places, so an old copy already gone (the phase run again) is left out. With `urns` (the
 * state's) unknown, all of them.
 */
export function reachableTargets(
  after: FleetSpec,
  stack: string,
  moving: readonly string[],
  effect: PhaseEffect | undefined,
  targets: readonly string[],
  urns: readonly string[] | undefined,
): readonly string[] {
  if (urns === undefined || effect !== PhaseEffect.Remove) return targets;
  const reachable = new Set([...urns, ...urnsOf(after, stack, moving, placeWorkloads(after))]);
  return targets.filter((urn) => reachable.has(urn));
}
