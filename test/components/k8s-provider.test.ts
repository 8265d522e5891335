/**
 * Each cluster's Kubernetes provider in the demo plan (its region's TARS stack) is identified by
 * its TKE cluster's id (from the infra stack), so a new API address (a replaced endpoint, a
 * changed kubeconfig) updates the provider instead of replacing it and every object it manages.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { allClusters } from "../../fleet/model/model";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { byName, stackOf } from "./helpers";

const fleet = loadFleet("stacks/fleet.yaml");
let plan: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(fleet);
});

describe("Kubernetes providers", () => {
  it.each(allClusters(fleet.spec).map((c) => [c.name, c.region] as const))(
    "%s's provider has clusterIdentifier = its cluster's id",
    (name, region) => {
      const provider = byName(stackOf(plan, region), `${name}-k8s`);
      expect(provider.type).toBe("pulumi:providers:kubernetes");
      // The cluster's id as the other resources of the cluster receive it.
      const clusterId = byName(stackOf(plan, `${region}-infra`), `${name}-endpoint`).inputs
        .clusterId;
      expect(clusterId).toMatch(/^cls-[0-9a-z]{8}$/);
      expect(provider.inputs.clusterIdentifier).toBe(clusterId);
    },
  );

  it("gives every cluster's provider its own identifier", () => {
    const ids = allClusters(fleet.spec).map(
      (c) => byName(stackOf(plan, c.region), `${c.name}-k8s`).inputs.clusterIdentifier,
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});
