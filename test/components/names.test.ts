/**
 * Every logical name of the demo fleet's plan, snapshotted: renaming a logical name deletes and
 * recreates the resource, so an accidental rename must fail CI (review a snapshot change like code,
 * and add `aliases` when the rename is meant).
 */
import { expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";

it("keeps every logical name of the demo fleet", async () => {
  const plan = await planFleet(loadFleet("stacks/fleet.yaml"));
  const names = plan.stacks
    .flatMap((s) => s.resources.map((r) => `${s.name} ${r.type} ${r.name}`))
    .sort();
  expect(names).toMatchSnapshot();
});
