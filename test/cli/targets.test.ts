/**
 * The targets of a failover's updates (`cli/engine/targets.ts`) against the offline plan of the
 * pay fleet, failing over pay.cd.1 (a warm Set: chengdu → nanjing) and pay.nj.2 (cold: nanjing →
 * singapore), so nanjing both gains and loses: every listed URN is in the plan of its stack, the
 * list is exactly the moving Sets' resources there, and every resource either phase changes is
 * listed (so a targeted phase does what a whole-stack phase does).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { planFleet } from "../../cli/plan/plan-fleet";
import { setTargets, RESOURCES_PER_SET_DEPLOYMENT } from "../../cli/engine/targets";
import { loadFleet } from "../../fleet/model/load";
import { Labels } from "../../fleet/model/naming";
import { setScalars } from "../../fleet/operations/edit";
import { planFailover } from "../../fleet/operations/operations";
import { MOVING_SETS_ENV } from "../../fleet/operations/transition";
import { type FleetPlan, type StackPlan } from "../../fleet/stacks/plan-document";
import { at, stackOf } from "../components/helpers";

const MOVING = ["pay.cd.1", "pay.nj.2"];
const TARS_STACKS = ["chengdu", "nanjing", "singapore"];
const before = loadFleet("test/fixtures/pay-fleet.yaml");
const operation = planFailover(before.spec, { sets: MOVING });
let afterFile: string;
/** The deployed state, phase 1's program (old and new copies) and phase 2's (the fleet file). */
let plans: { before: FleetPlan; gain: FleetPlan; remove: FleetPlan };

beforeAll(async () => {
  const text = setScalars(
    before.text,
    operation.changes.map((c) => ({ path: c.path, value: c.to })),
  );
  afterFile = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-targets-")), "fleet.yaml");
  writeFileSync(afterFile, text);
  const after = loadFleet(afterFile);
  const options = { stacks: TARS_STACKS, workers: 0 };
  plans = {
    before: await planFleet(before, options),
    gain: await planFleet(after, { ...options, env: { [MOVING_SETS_ENV]: MOVING.join(",") } }),
    remove: await planFleet(after, { ...options, env: { [MOVING_SETS_ENV]: "" } }),
  };
}, 120_000);

/**
 * A plan URN as the engine writes it. The offline mocks name a resource parented to the stack
 * `…::pulumi:pulumi:Stack$<type>::<name>`; the engine leaves the root stack's type out
 * (`NewURN` in pulumi/pulumi `sdk/go/common/resource/urn.go`).
 */
const engineUrn = (urn: string) => urn.replace("::pulumi:pulumi:Stack$", "::");

const urns = (stack: StackPlan) => new Set(stack.resources.map((r) => engineUrn(r.urn)));

/** URNs added, removed or with other inputs going from `from` to `to`. */
function changed(from: StackPlan, to: StackPlan): string[] {
  const old = new Map(from.resources.map((r) => [engineUrn(r.urn), JSON.stringify(r.inputs)]));
  const now = new Map(to.resources.map((r) => [engineUrn(r.urn), JSON.stringify(r.inputs)]));
  return [...new Set([...old.keys(), ...now.keys()])].filter((u) => old.get(u) !== now.get(u));
}

/**
 * The moving Sets' resources in a plan, found from the plan alone: each Deployment labelled with
 * a moving Set, its siblings and its parent component.
 */
function movingSetResources(stack: StackPlan): Set<string> {
  const parents = new Set(
    stack.resources
      .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
      .filter((r) => {
        const set = at(r.inputs, "metadata", "labels", Labels.tarsSet);
        return typeof set === "string" && MOVING.includes(set);
      })
      .map((r) => r.parent ?? ""),
  );
  return new Set(
    stack.resources
      .filter((r) => parents.has(r.urn) || parents.has(r.parent ?? ""))
      .map((r) => engineUrn(r.urn)),
  );
}

describe("setTargets", () => {
  it("lists, in each TARS stack, exactly the moving Sets' resources of phase 1's program", () => {
    const after = loadFleet(afterFile).spec;
    for (const name of TARS_STACKS) {
      const targets = setTargets(after, name, MOVING);
      const gain = stackOf(plans.gain, name);
      const all = urns(gain);
      expect(
        targets.filter((u) => !all.has(u)),
        name,
      ).toEqual([]);
      expect(new Set(targets), name).toEqual(movingSetResources(gain));
      expect(targets.length % RESOURCES_PER_SET_DEPLOYMENT, name).toBe(0);
    }
  });

  it("covers every change of both phases, stack by stack", () => {
    const after = loadFleet(afterFile).spec;
    for (const name of TARS_STACKS) {
      const targets = new Set(setTargets(after, name, MOVING));
      const gain = changed(stackOf(plans.before, name), stackOf(plans.gain, name));
      const remove = changed(stackOf(plans.gain, name), stackOf(plans.remove, name));
      expect(
        [...gain, ...remove].filter((u) => !targets.has(u)),
        name,
      ).toEqual([]);
    }
  });

  it("lists a Deployment per server of each moving Set and cluster it runs in before or after", () => {
    const after = loadFleet(afterFile).spec;
    const deployments = (stack: string) =>
      setTargets(after, stack, MOVING)
        .filter((u) => u.includes("$kubernetes:apps/v1:Deployment::"))
        .map((u) => u.slice(u.lastIndexOf("::") + 2));
    // pay.cd.1 leaves cd1 (two servers), its warm copies in nj1 take over; pay.nj.2 leaves nj1
    // for sg1 (two servers, no warm copy).
    expect(deployments("chengdu")).toEqual([
      "cd1-pay-gatewayserver-pay-cd-1-deployment",
      "cd1-pay-ledgerserver-pay-cd-1-deployment",
    ]);
    expect(deployments("nanjing").sort()).toEqual([
      "nj1-pay-gatewayserver-pay-cd-1-deployment",
      "nj1-pay-gatewayserver-pay-nj-2-deployment",
      "nj1-pay-ledgerserver-pay-cd-1-deployment",
      "nj1-pay-ledgerserver-pay-nj-2-deployment",
    ]);
    expect(deployments("singapore")).toEqual([
      "sg1-pay-gatewayserver-pay-nj-2-deployment",
      "sg1-pay-ledgerserver-pay-nj-2-deployment",
    ]);
  });

  it("lists nothing for a stack that is not a TARS stack, or without a moving Set", () => {
    const after = loadFleet(afterFile).spec;
    expect(setTargets(after, "chengdu-infra", MOVING)).toEqual([]);
    expect(setTargets(after, "global", MOVING)).toEqual([]);
    expect(setTargets(after, "chengdu", [])).toEqual([]);
  });
});
