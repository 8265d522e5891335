/**
 * The package store in the demo plan: one protected, retained ReadWriteMany claim in the home
 * cluster, mounted by tarsweb and tarspatch at the upload path.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type PlannedResource } from "../../fleet/stacks/plan-document";
import { at, clusterOf, objects } from "./helpers";

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
      storageClassName: "tars-packages-cfs",
      resources: { requests: { storage: "10Gi" } },
    });
  });

  it("gets its own CFS class in the home VPC and primary node subnet, made before the claim", () => {
    const classes = plan.stacks.flatMap((s) =>
      s.resources.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass"),
    );
    expect(classes.map((c) => [clusterOf(c), at(c.inputs, "metadata", "name")])).toEqual([
      ["gz1", "tars-packages-cfs"],
    ]);
    const [storeClass] = classes;
    const infra = plan.stacks.find((s) => s.name === "guangzhou-infra");
    const subnets = at(infra?.outputs ?? {}, "subnetIds");
    expect(at(storeClass.inputs, "provisioner")).toBe("com.tencent.cloud.csi.cfs");
    expect(at(storeClass.inputs, "parameters")).toEqual({
      vpcid: at(infra?.outputs ?? {}, "vpcId"),
      subnetid: at(subnets, "node-ap-guangzhou-3"),
    });
    expect(at(storeClass.inputs, "parameters", "vpcid")).toMatch(/^vpc-/);
    expect(at(storeClass.inputs, "parameters", "subnetid")).toMatch(/^subnet-/);
    expect(at(storeClass.inputs, "reclaimPolicy")).toBe("Retain");
    expect(get("PersistentVolumeClaim", "gz1/tars-system/tars-packages").dependencies).toContain(
      storeClass.urn,
    );
  });

  it("uses a class the fleet names as is, and creates none", async () => {
    // The stack programs read the fleet file from disk: write the edited fleet beside a copy.
    const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-packages-"));
    const file = path.join(dir, "fleet.yaml");
    const text = readFileSync("stacks/fleet.yaml", "utf8");
    writeFileSync(
      file,
      text.replace("\ntars:\n", "\ntars:\n  packages: { storageClass: cfs-team }\n"),
    );
    const named = await planFleet(loadFleet(file)).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    const home = named.stacks.filter((s) => s.name === "guangzhou");
    expect(home.flatMap((s) => s.resources.map((r) => r.type))).not.toContain(
      "kubernetes:storage.k8s.io/v1:StorageClass",
    );
    const [claim] = home.flatMap((s) => [...objects(s, "PersistentVolumeClaim").values()]);
    expect(at(claim.inputs, "spec", "storageClassName")).toBe("cfs-team");
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
