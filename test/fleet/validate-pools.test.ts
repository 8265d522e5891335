/**
 * Node pool OS and CVM pool fields (`nodeOs`, `tarsnodePackageUrl`, `zones`): their defaults in
 * the model and the exact problem lines of bad values.
 *
 * Rows edit the small valid fleet (test/fixtures/small-fleet.yaml); the expected position is
 * where the bad value sits in the edited text, as `tarsfed validate` reports it.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/issues";
import { parseFleet } from "../../fleet/load";

const base = readFileSync(path.join(__dirname, "..", "fixtures", "small-fleet.yaml"), "utf8");
const GZ_POOL = "general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }";
const LEGACY =
  "legacy: { count: 1, instanceType: S5.LARGE8, imageId: img-eb30mz89, zone: ap-guangzhou-3 }";

function edit(from: string, to: string): string {
  expect(base, `the base fleet should contain ${JSON.stringify(from)}`).toContain(from);
  return base.replace(from, to);
}

/** `fleet.yaml:<line>:<col>` of the first occurrence of `value` in `text`, 1-based. */
function at(text: string, value: string): string {
  const offset = text.indexOf(value);
  expect(offset, `${JSON.stringify(value)} should be in the fleet`).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset).split("\n");
  return `fleet.yaml:${before.length}:${before[before.length - 1].length + 1}`;
}

function problems(text: string): string[] {
  try {
    parseFleet(text, "fleet.yaml");
    return [];
  } catch (error) {
    if (error instanceof FleetError) return error.message.split("\n");
    throw error;
  }
}

describe("node pool OS", () => {
  it("defaults to TencentOS Server 3.1 (tlinux3.1x86_64)", () => {
    const pools = parseFleet(base, "fleet.yaml").spec.regions.flatMap((r) =>
      r.clusters.flatMap((c) => c.nodePools),
    );
    expect(pools.map((p) => p.nodeOs)).toEqual(["tlinux3.1x86_64", "tlinux3.1x86_64"]);
  });

  it.each(["tlinux2.2(tkernel3)x86_64", "ubuntu18.04.1x86_64", "img-eb30mz89"])(
    "takes %s for one pool",
    (nodeOs) => {
      const text = edit(GZ_POOL, GZ_POOL.replace(" }", `, nodeOs: "${nodeOs}" }`));
      const gz1 = parseFleet(text, "fleet.yaml").spec.regions[0].clusters[0];
      expect(gz1.nodePools[0].nodeOs).toBe(nodeOs);
    },
  );

  it.each([
    ['"TencentOS Server 3.1"', '"TencentOS Server 3.1"'],
    ["img-123", '"img-123"'],
    ["tlinux", '"tlinux"'],
  ])("refuses nodeOs %s", (value, shown) => {
    const text = edit(GZ_POOL, GZ_POOL.replace(" }", `, nodeOs: ${value} }`));
    expect(problems(text)).toEqual([
      `${at(text, value)} regions.gz.clusters.gz1.nodePools.general.nodeOs: must be a TKE public image OS name such as "tlinux3.1x86_64" or a custom image id such as "img-eb30mz89", got ${shown}`,
    ]);
  });
});

describe("CVM pool", () => {
  it("leaves the package URL to the default unless the pool names one", () => {
    const named = "https://mirrors.example.com/tars/tarsnode-v2.4.3.tgz";
    expect(parseFleet(base, "fleet.yaml").spec.regions[0].cvmPools[0]).not.toHaveProperty(
      "tarsnodePackageUrl",
    );
    const text = edit(LEGACY, LEGACY.replace(" }", `, tarsnodePackageUrl: "${named}" }`));
    expect(parseFleet(text, "fleet.yaml").spec.regions[0].cvmPools[0].tarsnodePackageUrl).toBe(
      named,
    );
  });

  it.each([
    "ftp://mirror/tarsnode.tgz",
    "https://mirror/$(id).tgz",
    "file:///srv/tarsnode.tgz",
    "https://mirror/tars node.tgz",
  ])("refuses tarsnodePackageUrl %s", (url) => {
    const text = edit(LEGACY, LEGACY.replace(" }", `, tarsnodePackageUrl: "${url}" }`));
    expect(problems(text)).toEqual([
      `${at(text, `"${url}"`)} regions.gz.cvm.legacy.tarsnodePackageUrl: must be an http(s) URL of the tarsnode package without quotes, spaces, $, backticks or backslashes, such as "https://mirrors.example.com/tars/tarsnode.tgz", got ${JSON.stringify(url)}`,
    ]);
  });

  it("spreads over the zones it lists, in order", () => {
    const zones = "zones: [ap-guangzhou-6, ap-guangzhou-3]";
    const text = edit(LEGACY, LEGACY.replace("zone: ap-guangzhou-3", zones));
    expect(parseFleet(text, "fleet.yaml").spec.regions[0].cvmPools[0].zones).toEqual([
      "ap-guangzhou-6",
      "ap-guangzhou-3",
    ]);
  });

  it("refuses a zone listed twice", () => {
    const zones = "zones: [ap-guangzhou-3, ap-guangzhou-6, ap-guangzhou-3]";
    const text = edit(LEGACY, LEGACY.replace("zone: ap-guangzhou-3", zones));
    expect(problems(text)).toEqual([
      `${at(text, "ap-guangzhou-3]")} regions.gz.cvm.legacy.zones[2]: zone ap-guangzhou-3 is listed twice`,
    ]);
  });
});
