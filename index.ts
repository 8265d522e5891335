/**
 * Stack entry: reads the stack's scope and builds that slice of the fleet.
 *
 * Stacks are split by lifecycle (`fleet/stacks/slice.ts`): `global` holds the CCN and its bandwidth
 * limits; `<region>-infra` the region's cloud resources (network, TKE clusters, node pools, API
 * endpoints, internal CLBs, CVM pools and, at home, the framework database's cloud side); the
 * region's TARS stack `<region>` its Kubernetes objects (framework, base services, Set
 * Deployments, Jobs, NetworkPolicies, namespaces and the clusters' providers). The stack's name
 * (stack config `tars-federation:scope`, else the stack's own name) selects the program:
 * `program/infra.ts` or `program/tars.ts`. No decisions are made here: they come from `fleet/`
 * (placement, carving, names), and components do the wiring. Stack config: `program/config.ts`.
 *
 * Environment: `TARSFED_MOVING_SETS` (`fleet/operations/transition.ts`) — the Sets a failover or failback is
 * moving, comma-separated; a TARS stack then runs the failover's first phase, keeping the old
 * copies of those Sets beside the new ones. `tarsfed up` sets it for the `gain` phase only.
 * `TARSFED_FLEET_SNAPSHOT` (`fleet/operations/revision.ts`) — a file holding the fleet text to deploy instead
 * of reading the configured file: `tarsfed preview` and `up` read the fleet once and pass that
 * copy to the preview and to the update.
 *
 * Every stack also outputs `fleetRevision` (the content hash of the fleet it was applied from)
 * and `homeRegion`, which `tarsfed up` checks before applying another revision over them.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseScope, regionSlice, stackOrder } from "./fleet/stacks/slice";
import { MOVING_SETS_ENV, parseMovingSets, transitionSlice } from "./fleet/operations/transition";
import { fleetRevision, StackOutput } from "./fleet/operations/revision";
import { readFleet, type StackOutputs } from "./program/config";
import { deployGlobal, deployInfra } from "./program/infra";
import { deployTars } from "./program/tars";

/**
 * Builds the stack this program runs for. Pulumi calls the exported function and makes its
 * result the stack's outputs; `tarsfed plan` calls the same function under mocks.
 */
async function main(): Promise<StackOutputs> {
  const config = new pulumi.Config("tars-federation");
  const loaded = readFleet(config);
  const fleet = loaded.spec;
  // Recorded by every stack, so `tarsfed up` can tell which fleet revision a stack runs.
  const recorded = {
    [StackOutput.FleetRevision]: fleetRevision(loaded.text) ?? "",
    [StackOutput.HomeRegion]: fleet.homeRegion,
  };
  // The stack's name selects the program; `scope` (which tarsfed sets to the name) may say it.
  const scopeText = config.get("scope") ?? pulumi.getStack();
  const scope = parseScope(fleet, scopeText);
  if (scope === undefined) {
    throw new pulumi.RunError(
      `tars-federation:scope is "${scopeText}", expected one of the fleet's stacks: ${stackOrder(fleet).join(", ")}`,
    );
  }
  if (scope.kind === "global") return Promise.resolve({ ...deployGlobal(fleet), ...recorded });
  if (scope.kind === "infra") {
    const outputs = deployInfra(config, regionSlice(fleet, scope.region));
    return Promise.resolve({ ...outputs, ...recorded });
  }
  let moving: string[];
  try {
    moving = parseMovingSets(fleet, process.env[MOVING_SETS_ENV]);
  } catch (error) {
    throw new pulumi.RunError((error as Error).message);
  }
  const slice = transitionSlice(fleet, scope.region, moving);
  const outputs = deployTars(config, slice, loaded.file);
  return Promise.resolve({ ...outputs, ...recorded });
}

export = main;
