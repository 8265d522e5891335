/**
 * The tarsfed CrossGuard policy pack: `pulumi preview --policy-pack policies`.
 *
 * Constructing the `PolicyPack` starts the gRPC server the Pulumi engine talks to and prints its
 * port, so this is the only module that does it; the rules, the adapter and the offline plan never
 * import this file (nor may tests). The fleet file the fleet-aware rules read is the policy
 * config `fleetFile`, relative to this directory (default `../stacks/fleet.yaml`).
 * @see https://www.pulumi.com/docs/iac/using-pulumi/crossguard/
 */
import { PolicyPack } from "@pulumi/policy";
import { loadFleet } from "../fleet/model/load";
import { toCrossGuard } from "./crossguard";
import { rules } from "./rules";

new PolicyPack("tarsfed", {
  description:
    "TARS Federation guardrails: private endpoints, pinned images, graceful TARS shutdown, protected state",
  policies: rules.map((rule) =>
    toCrossGuard(rule, { packDir: __dirname, loadFleet: (file) => loadFleet(file).spec }),
  ),
});
