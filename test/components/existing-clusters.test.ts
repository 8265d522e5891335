/**
 * Fleets of existing clusters, planned offline: the test fleet whose every network is existing
 * (TARS stacks only), and the demo fleet with an existing cluster beside created ones.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { at, byName, ofType, stackOf } from "./helpers";

const FIXTURE = path.join("test", "fixtures", "existing");

/** The fixture fleet copied to a directory of its own, with `files` replaced or added. */
function fixtureCopy(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-existing-"));
  mkdirSync(path.join(dir, "kubeconfigs"));
  for (const file of [
    "fleet.yaml",
    "Pulumi.shanghai.yaml",
    "kubeconfigs/gz1.yaml",
    "kubeconfigs/bj1.yaml",
  ])
    copyFileSync(path.join(FIXTURE, file), path.join(dir, file));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return path.join(dir, "fleet.yaml");
}

describe("a fleet whose clusters and networks all exist", () => {
  let plan: FleetPlan;
  beforeAll(async () => {
    plan = await planFleet(loadFleet(path.join(FIXTURE, "fleet.yaml")));
  });

  it("has TARS stacks only: no global stack, no infra stack, no cloud resource", () => {
    expect(plan.stacks.map((s) => s.name)).toEqual(["guangzhou", "shanghai", "beijing"]);
    const types = plan.stacks.flatMap((s) => s.resources.map((r) => r.type));
    expect(
      types.filter((t) => t.startsWith("tencentcloud:") || t.includes("tencentcloud")),
    ).toEqual([]);
  });

  it("reaches each cluster with the kubeconfig the fleet names, as a secret, under the cluster's name", () => {
    for (const [region, cluster] of [
      ["guangzhou", "gz1"],
      ["shanghai", "sh1"],
      ["beijing", "bj1"],
    ]) {
      const provider = byName(stackOf(plan, region), `${cluster}-k8s`);
      expect(provider.inputs).toMatchObject({ kubeconfig: "[secret]", clusterIdentifier: cluster });
    }
  });

  it("binds no Service to a CLB: tarsweb's is a ClusterIP one, the registries have theirs only", () => {
    const services = plan.stacks.flatMap((s) => ofType(s, "kubernetes:core/v1:Service"));
    expect(services.filter((r) => at(r.inputs, "spec", "type") === "LoadBalancer")).toEqual([]);
    const web = byName(stackOf(plan, "guangzhou"), "tars-home-web-lb-service");
    expect(at(web.inputs, "spec", "type")).toBe("ClusterIP");
    expect(at(web.inputs, "spec", "loadBalancerSourceRanges")).toBeNull();
    expect(at(web.inputs, "metadata", "annotations")).toBeNull();
    expect(services.some((r) => r.name.endsWith("-registry-lb-service"))).toBe(false);
  });

  it("keeps the database's passwords in the home TARS stack, and names the database in-cluster", () => {
    const home = stackOf(plan, "guangzhou");
    expect(ofType(home, "random:index/randomPassword:RandomPassword").map((r) => r.name)).toEqual([
      "tars-db-root-password",
      "tars-db-admin-password",
    ]);
    expect(home.outputs.dbHost).toBe("tars-db.tars-system.svc.cluster.local");
    expect(home.outputs.dbPassword).toBe("[secret]");
    expect(byName(home, "tars-db-statefulset").protect).toBe(true);
  });
});

describe("an existing cluster's kubeconfig in stack config", () => {
  it("stops the stack when it is not a kubeconfig, saying how to set it", async () => {
    const fleet = fixtureCopy({
      "Pulumi.shanghai.yaml": 'config:\n  tars-federation:sh1Kubeconfig: "[a, b]"\n',
    });
    await expect(planFleet(loadFleet(fleet), { stacks: ["shanghai"] })).rejects.toThrow(
      "stack shanghai failed to plan:\n  cluster sh1: the kubeconfig in stack config tars-federation:sh1Kubeconfig is not a kubeconfig: expected a YAML map of kind Config with clusters, contexts and current-context; set it again with: pulumi config set --secret tars-federation:sh1Kubeconfig --stack shanghai < <kubeconfig file>",
    );
  });

  it("is a placeholder offline when the stack config holds none", async () => {
    const fleet = fixtureCopy({ "Pulumi.shanghai.yaml": "config: {}\n" });
    const plan = await planFleet(loadFleet(fleet), { stacks: ["shanghai"] });
    expect(byName(stackOf(plan, "shanghai"), "sh1-k8s").inputs.kubeconfig).toBe("[secret]");
  });
});

describe("an existing cluster beside created ones", () => {
  let plan: FleetPlan;
  beforeAll(async () => {
    const demo = readFileSync("stacks/fleet.yaml", "utf8");
    const pools =
      "          highmem: { instanceType: M5.2XLARGE32, minSize: 0, maxSize: 4, desiredSize: 1 }\n";
    expect(demo).toContain(pools);
    const text = demo.replace(
      pools,
      `${pools}      sh2:\n        kubernetesVersion: "1.30.0"\n        serviceCidr: 172.21.16.0/20\n        existing:\n          kubeconfig: { file: sh2.yaml }\n          capacity: { cpu: "16", memory: 32Gi }\n`,
    );
    const file = fixtureCopy({
      "fleet.yaml": text,
      "sh2.yaml": readFileSync(path.join(FIXTURE, "kubeconfigs", "gz1.yaml"), "utf8"),
    });
    plan = await planFleet(loadFleet(file), { stacks: ["shanghai-infra", "shanghai"] });
  });

  it("creates nothing for it in the infra stack: no TKE cluster, no pod subnet, no CLB", () => {
    const infra = stackOf(plan, "shanghai-infra");
    expect(infra.resources.filter((r) => r.name.startsWith("sh2-"))).toEqual([]);
    expect(infra.resources.filter((r) => r.name.includes("-sh2-"))).toEqual([]);
    expect(Object.keys(at(infra.outputs, "registryLoadBalancers") as object)).toEqual(["sh1"]);
  });

  it("deploys its framework in the TARS stack, reached by its own kubeconfig", () => {
    const tars = stackOf(plan, "shanghai");
    expect(byName(tars, "sh2-k8s").inputs).toMatchObject({
      kubeconfig: "[secret]",
      clusterIdentifier: "sh2",
    });
    expect(byName(tars, "sh2-tars-registry").provider).toBe(byName(tars, "sh2-k8s").urn);
    expect(tars.resources.some((r) => r.name === "sh2-tars-registry-lb-service")).toBe(false);
    expect(tars.resources.some((r) => r.name === "sh1-tars-registry-lb-service")).toBe(true);
  });
});
