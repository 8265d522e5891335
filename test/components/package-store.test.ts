/**
 * The package store in the demo plan: one protected, retained ReadWriteMany claim in the home
 * cluster, mounted by tarsweb and tarspatch at the upload path.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type PlannedResource } from "../../fleet/plan-document";
import { at, objects } from "./helpers";

let plan: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(loadFleet("stacks/fleet.yaml"));
});

const all = (kind: string) => new Map(plan.stacks.flatMap((s) => [...objects(s, kind)]));
const get = (kind: string, key: string): PlannedResource => {
  const found = all(kind).get(key);
  if (found === undefined) throw new Error(`no ${kind} ${key}`);
  return found;
};
const mountsOf = (r: PlannedResource) =>
  (at(r.inputs, "spec", "template", "spec", "containers", 0, "volumeMounts") as
    { name: string; mountPath: string }[] | null) ?? [];

describe("the package store", () => {
  it("is one claim, in the home cluster, protected and kept on delete", () => {
    const claims = [...all("PersistentVolumeClaim").entries()];
    expect(claims.map(([key]) => key)).toEqual(["gz1/tars-system/tars-packages"]);
    const [, claim] = claims[0];
    expect(claim.protect).toBe(true);
    expect(claim.retainOnDelete).toBe(true);
    expect(at(claim.inputs, "spec")).toEqual({
      accessModes: ["ReadWriteMany"],
      storageClassName: "cfs",
      resources: { requests: { storage: "10Gi" } },
    });
  });

  it.each(["tars-web", "tars-tarspatch"])("is mounted by %s at the upload path", (name) =>
    expect(mountsOf(get("Deployment", `gz1/tars-system/${name}`))).toContainEqual({
      name: "tars-packages",
      mountPath: "/usr/local/app/patchs/tars.upload",
    }),
  );

  it("is not mounted by tarsAdminRegistry, which deletes packages through tarspatch", () =>
    expect(
      mountsOf(get("Deployment", "gz1/tars-system/tars-tarsadminregistry")).map((m) => m.name),
    ).not.toContain("tars-packages"));
});
