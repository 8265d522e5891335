/**
 * CVM pools and node pools in the demo plan: machines on different hosts, spread over their zones,
 * created after what they fetch from at boot; node pools on TencentOS Server 3.1 unless named.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan, type PlannedResource } from "../../fleet/stacks/plan-document";
import { ofType, stackOf, str } from "./helpers";

const INSTANCE = "tencentcloud:index/instance:Instance";
const PLACEMENT_GROUP = "tencentcloud:index/placementGroup:PlacementGroup";
const NODE_POOL = "tencentcloud:index/kubernetesNodePool:KubernetesNodePool";
const MIRROR = "https://tars-1250000000.cos-internal.ap-guangzhou.tencentcos.cn/tarsnode.tgz";
/** The demo fleet's placeholder digest (`tars.tarsnodePackageSha256`): an empty file's. */
const DEMO_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** The legacy pool's own digest in the edited fleet. */
const MIRROR_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

const fleet = loadFleet("stacks/fleet.yaml");
let plan: FleetPlan;
let edited: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(fleet);
  const legacy =
    "legacy: { count: 2, instanceType: S5.LARGE8, imageId: img-eb30mz89, zone: ap-guangzhou-3 }";
  const highmem = "highmem: { instanceType: M5.2XLARGE32, minSize: 0, maxSize: 4, desiredSize: 1 }";
  expect(fleet.text).toContain(legacy);
  expect(fleet.text).toContain(highmem);
  const text = fleet.text
    .replace(
      legacy,
      `legacy: { count: 3, instanceType: S5.LARGE8, imageId: img-eb30mz89, zones: [ap-guangzhou-3, ap-guangzhou-6], tarsnodePackageUrl: "${MIRROR}", tarsnodePackageSha256: ${MIRROR_SHA256.toUpperCase()} }`,
    )
    .replace(highmem, highmem.replace(" }", ', nodeOs: "ubuntu22.04x86_64" }'));
  // The program reads the fleet file named in stack config, as under the real engine: plan a copy.
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-cvm-")), "fleet.yaml");
  writeFileSync(file, text);
  edited = await planFleet(loadFleet(file));
});

/** The pool's machines, by index. */
const machinesOf = (p: FleetPlan, region: string, pool: string) =>
  ofType(stackOf(p, `${region}-infra`), INSTANCE)
    .filter((r) => new RegExp(`^${pool}-\\d+$`).test(r.name))
    .sort((a, b) => Number(a.name.split("-").pop()) - Number(b.name.split("-").pop()));
/** Whether `r` waits for the CLB `child` of its infra stack's `TarsLoadBalancers`. */
const dependsOn = (r: PlannedResource, child: string) =>
  r.dependencies.some(
    (urn) => urn.includes("::tarsfed:network:TarsLoadBalancers$") && urn.endsWith(child),
  );

describe("CVM pools", () => {
  it.each([
    ["guangzhou", "guangzhou-legacy", "demo-guangzhou-legacy"],
    ["beijing", "beijing-fallback", "demo-beijing-fallback"],
  ])("%s: %s keeps its machines on different hosts", (stack, pool, name) => {
    const groups = ofType(stackOf(plan, `${stack}-infra`), PLACEMENT_GROUP);
    expect(groups.map((g) => [g.name, g.inputs])).toEqual([
      [
        `${pool}-placement-group`,
        {
          name,
          type: "HOST",
          tags: { "tarsfed-cvm-pool": pool.split("-")[1], "tarsfed-fleet": "demo" },
        },
      ],
    ]);
    const machines = machinesOf(plan, stack, pool);
    expect(machines.length).toBeGreaterThan(0);
    for (const machine of machines) {
      expect(str(machine.inputs.placementGroupId)).toMatch(new RegExp(`^${pool}-placement-group`));
      expect(machine.dependencies).toContain(groups[0].urn);
    }
  });

  // The registries and tarsweb are the TARS stack's, applied after the machines: they wait on the
  // CLBs in their own infra stack, and the bootstrap waits for the services behind them.
  it("creates the home region's machines after the CLBs of the registries and tarsweb", () => {
    for (const machine of machinesOf(plan, "guangzhou", "guangzhou-legacy")) {
      expect(dependsOn(machine, "::gz1-tars-registry-clb")).toBe(true);
      expect(dependsOn(machine, "::gz2-tars-registry-clb")).toBe(true);
      expect(dependsOn(machine, "::tars-home-web-clb")).toBe(true);
      expect(machine.dependencies.some((urn) => urn.includes("kubernetes:"))).toBe(false);
      expect(str(machine.inputs.userDataRaw)).toContain(
        `PACKAGE_URL='http://${str(stackOf(plan, "guangzhou-infra").outputs.webAddress)}:3000/files/tarsnode.tgz'`,
      );
    }
  });

  it("checks every pool's download against the fleet's tarsnode package sha256", () => {
    const machines = [
      ...machinesOf(plan, "guangzhou", "guangzhou-legacy"),
      ...machinesOf(plan, "beijing", "beijing-fallback"),
    ];
    expect(machines).toHaveLength(3);
    for (const machine of machines) {
      expect(str(machine.inputs.userDataRaw)).toContain(`\nPACKAGE_SHA256='${DEMO_SHA256}'\n`);
    }
  });

  it("creates another region's machines after its own registries; tarsweb is the home infra stack's", () => {
    for (const machine of machinesOf(plan, "beijing", "beijing-fallback")) {
      expect(dependsOn(machine, "::bj1-tars-registry-clb")).toBe(true);
      expect(dependsOn(machine, "::tars-home-web-clb")).toBe(false);
      expect(str(machine.inputs.userDataRaw)).toContain(
        `PACKAGE_URL='http://${str(stackOf(plan, "guangzhou-infra").outputs.webAddress)}:3000/files/tarsnode.tgz'`,
      );
    }
  });

  it("spreads machines round-robin over the pool's zones, each zone's node subnet", () => {
    const machines = machinesOf(edited, "guangzhou", "guangzhou-legacy");
    expect(machines.map((m) => m.inputs.availabilityZone)).toEqual([
      "ap-guangzhou-3",
      "ap-guangzhou-6",
      "ap-guangzhou-3",
    ]);
    expect(new Set(machines.map((m) => str(m.inputs.subnetId))).size).toBe(2);
  });

  it("downloads from the pool's own URL with its own digest, and does not wait for tarsweb", () => {
    for (const machine of machinesOf(edited, "guangzhou", "guangzhou-legacy")) {
      expect(str(machine.inputs.userDataRaw)).toContain(`PACKAGE_URL='${MIRROR}'`);
      // The pool's own digest, lowercased as sha256sum prints it, not the fleet's.
      expect(str(machine.inputs.userDataRaw)).toContain(`PACKAGE_SHA256='${MIRROR_SHA256}'`);
      expect(dependsOn(machine, "::gz1-tars-registry-clb")).toBe(true);
      expect(dependsOn(machine, "::tars-home-web-clb")).toBe(false);
    }
  });
});

describe("node pools", () => {
  it("run TencentOS Server 3.1 unless the pool names its OS", () => {
    const nodeOs = (p: FleetPlan) =>
      Object.fromEntries(
        p.stacks.flatMap((s) => ofType(s, NODE_POOL).map((r) => [r.name, r.inputs.nodeOs])),
      );
    expect(nodeOs(plan)).toEqual({
      "gz1-general": "tlinux3.1x86_64",
      "gz2-general": "tlinux3.1x86_64",
      "sh1-general": "tlinux3.1x86_64",
      "sh1-highmem": "tlinux3.1x86_64",
      "bj1-general": "tlinux3.1x86_64",
    });
    expect(nodeOs(edited)["sh1-highmem"]).toBe("ubuntu22.04x86_64");
    expect(nodeOs(edited)["sh1-general"]).toBe("tlinux3.1x86_64");
  });
});
