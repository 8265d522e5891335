/**
 * The IDC group Job and its ConfigMap in the demo plan: in the home cluster only, after the
 * database Job, named after the rules' hash, which every registry carries too.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type PlannedResource } from "../../fleet/stacks/plan-document";
import { idcGroupsHash } from "../../fleet/k8s/idc-groups";
import { at, byName, clusterOf, objects, stackOf, str } from "./helpers";

const fleet = loadFleet("stacks/fleet.yaml");
let plan: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(fleet);
});

const JOB = "kubernetes:batch/v1:Job";
const hash = idcGroupsHash(fleet.spec);

describe("the IDC groups in the demo plan", () => {
  it("are written by one Job, in the home region's first cluster, named after the rules' hash", () => {
    const jobs = plan.stacks.flatMap((s) =>
      s.resources
        .filter(
          (r) =>
            r.type === JOB && str(at(r.inputs, "metadata", "name")).startsWith("tars-idc-groups"),
        )
        .map((r) => [s.name, clusterOf(r), str(at(r.inputs, "metadata", "name"))]),
    );
    expect(jobs).toEqual([["guangzhou", "gz1", `tars-idc-groups-${hash}`]]);
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
  });

  it("run after the database Job, from the ConfigMap, as the framework user in the MySQL client image", () => {
    const home = stackOf(plan, "guangzhou");
    const job = byName(home, "tars-db-idc-groups-job");
    const rules = byName(home, "tars-db-idc-groups-rules");
    expect(job.dependencies).toEqual(
      expect.arrayContaining([byName(home, "tars-db-init").urn, rules.urn]) as string[],
    );
    const pod = at(job.inputs, "spec", "template", "spec");
    expect(at(pod, "containers", 0, "image")).toBe("mysql:5.7.44");
    expect(at(pod, "containers", 0, "command")).toEqual(["/bin/bash", "/scripts/apply.sh"]);
    expect(at(pod, "containers", 0, "envFrom", 0, "secretRef", "name")).toBe("tars-db-init");
    expect(at(pod, "containers", 0, "securityContext", "runAsNonRoot")).toBe(true);
    expect(at(pod, "volumes", 0, "configMap", "name")).toBe("tars-idc-groups");
    expect(Object.keys(at(rules.inputs, "data") as object).sort()).toEqual([
      "apply.sh",
      "groups.sql",
      "groups.txt",
    ]);
    expect(str(at(rules.inputs, "data", "groups.txt"))).toContain(
      "  pod  pod-gz2                      172.24.0.0/16      172.24.0.* … 172.24.255.* (256 rules)",
    );
  });

  it("roll every registry: each one's pod template carries the same hash", () => {
    const registries: PlannedResource[] = plan.stacks.flatMap((s) =>
      [...objects(s, "Deployment")]
        .filter(([key]) => key.endsWith("/tars-system/tars-registry"))
        .map(([, r]) => r),
    );
    expect(registries.map(clusterOf).sort()).toEqual(["bj1", "gz1", "gz2", "sh1"]);
    for (const registry of registries) {
      expect(
        at(
          registry.inputs,
          "spec",
          "template",
          "metadata",
          "annotations",
          "tarsfed.io/idc-groups-hash",
        ),
      ).toBe(hash);
    }
  });
});
