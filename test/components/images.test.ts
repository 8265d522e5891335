/**
 * Every image the demo fleet deploys is one a public registry publishes, or one the fleet file
 * names itself.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { collectManifests } from "../../cli/manifests/collect";
import { planFleet } from "../../cli/plan/plan-fleet";
import { loadFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { type FleetPlan } from "../../fleet/stacks/plan-document";

/**
 * Images K8STARS publishes, at the tags its manifests pin: `baseserver/build_all.sh` builds and
 * pushes these to `ccr.ccs.tencentyun.com/tarsbase`, `baseserver/yaml/*.yaml` pin `v1.1.3`, and
 * `baseserver/yaml/tarsweb.yaml` line 19 pins tarsweb at `v1.1.0`.
 */
const K8STARS = [
  ...[
    "tarsregistry",
    "cppregistry",
    "tarsstat",
    "tarsconfig",
    "tarslog",
    "tarsnotify",
    "tarsproperty",
    "tarsquerystat",
    "tarsqueryproperty",
  ].map((name) => `ccr.ccs.tencentyun.com/tarsbase/${name}:v1.1.3`),
  "ccr.ccs.tencentyun.com/tarsbase/tarsweb:v1.1.0",
];

/**
 * Docker Hub images: TarsCloud's `tarscloud/framework` (K8STARS `baseserver/makefile` line 8 runs
 * `tarscloud/framework:v2.4.3`) and the official MySQL 5.7 image.
 */
const DOCKER_HUB = ["tarscloud/framework:v2.4.3", "mysql:5.7.44"];

/** Every image the fleet file itself names. */
function namedByFleet(fleet: FleetSpec): string[] {
  const { tars } = fleet;
  return [
    ...fleet.servers.map((s) => s.image),
    tars.frameworkImage,
    ...(tars.db.mode === "in-cluster" ? [tars.db.image] : []),
    ...[tars.images.tarsAdminRegistry, tars.images.tarspatch].filter(
      (i): i is string => i !== undefined,
    ),
  ];
}

const fleet = loadFleet("stacks/fleet.yaml");
let plan: FleetPlan;
let images: Set<string>;

beforeAll(async () => {
  plan = await planFleet(fleet);
  images = new Set(
    collectManifests(plan).objects.flatMap((o) =>
      (JSON.stringify(o.object).match(/"image":"[^"]+"/g) ?? []).map((m) => m.slice(9, -1)),
    ),
  );
});

describe("images of the demo fleet", () => {
  it("are published by K8STARS or on Docker Hub, or named by the fleet file", () => {
    const known = new Set([...K8STARS, ...DOCKER_HUB, ...namedByFleet(fleet.spec)]);
    expect([...images].filter((i) => !known.has(i))).toEqual([]);
  });

  it("take tarsweb at the tag K8STARS pins, not the base services' tag", () => {
    expect(images).toContain("ccr.ccs.tencentyun.com/tarsbase/tarsweb:v1.1.0");
    expect(images).not.toContain("ccr.ccs.tencentyun.com/tarsbase/tarsweb:v1.1.3");
  });

  it("run tarsAdminRegistry and tarspatch from the images the fleet names, never a tarsbase one", () => {
    expect([...images].filter((i) => /tarsadminregistry|tarspatch/.test(i)).sort()).toEqual([
      "ccr.ccs.tencentyun.com/demo/tarsadminregistry:v2.4.3",
      "ccr.ccs.tencentyun.com/demo/tarspatch:v2.4.3",
    ]);
  });
});
