/**
 * Node pool OS and CVM pool fields (`nodeOs`, `tarsnodePackageUrl`, `tarsnodePackageSha256`,
 * `zones`): their defaults in the model and the exact problem lines of bad values.
 *
 * Rows edit the small valid fleet (test/fixtures/small-fleet.yaml); the expected position is
 * where the bad value sits in the edited text, as `tarsfed validate` reports it.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { parseFleet } from "../../fleet/model/load";

const base = readFileSync(path.join(__dirname, "..", "fixtures", "small-fleet.yaml"), "utf8");
const GZ_POOL = "general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }";
/** The base fleet's package digest: the sha256 of an empty file. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** The sha256 of `printf test`: the digest of another package. */
const OTHER_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const LEGACY_DIGEST = `, tarsnodePackageSha256: ${EMPTY_SHA256}`;
const LEGACY = `legacy: { count: 1, instanceType: S5.LARGE8, imageId: img-eb30mz89, zone: ap-guangzhou-3${LEGACY_DIGEST} }`;
const COS_EXAMPLE =
  "https://<BucketName-APPID>.cos-internal.ap-guangzhou.tencentcos.cn/tars/tarsnode.tgz";

function edit(from: string, to: string, text = base): string {
  expect(text, `the fleet should contain ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
}

/** The base fleet with the legacy pool's digest dropped and `tars` naming `fleetDigest`. */
function fleetWide(fleetDigest?: string): string {
  const text = edit(LEGACY_DIGEST, "");
  if (fleetDigest === undefined) return text;
  return edit("tars:\n", `tars:\n  tarsnodePackageSha256: ${fleetDigest}\n`, text);
}

const legacyPool = (text: string) => parseFleet(text, "fleet.yaml").spec.regions[0].cvmPools[0];

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
      `${at(text, `"${url}"`)} regions.gz.cvm.legacy.tarsnodePackageUrl: must be an https URL of the tarsnode package without quotes, spaces, $, backticks or backslashes, such as "${COS_EXAMPLE}", got ${JSON.stringify(url)}`,
    ]);
  });

  it("refuses a package URL over plain http: that is left to tarsweb's default", () => {
    const url = "http://10.10.3.9:3000/files/tarsnode.tgz";
    const text = edit(LEGACY, LEGACY.replace(" }", `, tarsnodePackageUrl: "${url}" }`));
    expect(problems(text)).toEqual([
      `${at(text, `"${url}"`)} regions.gz.cvm.legacy.tarsnodePackageUrl: must be https: plain http is only for the default, tarsweb's /files/tarsnode.tgz over the VPC; serve the package over https, e.g. a COS object "${COS_EXAMPLE}", or leave tarsnodePackageUrl out, got "${url}"`,
    ]);
  });

  it("refuses a cos:// package URL, naming the object's https form in the pool's region", () => {
    const url = "cos://tars-1250000000/tarsnode.tgz";
    const text = edit(LEGACY, LEGACY.replace(" }", `, tarsnodePackageUrl: "${url}" }`));
    expect(problems(text)).toEqual([
      `${at(text, `"${url}"`)} regions.gz.cvm.legacy.tarsnodePackageUrl: must be the COS object's https URL, which the machines download without credentials, e.g. "${COS_EXAMPLE}", got "${url}"`,
    ]);
  });

  it("takes a COS object's https URL on the region's intranet endpoint", () => {
    const url = "https://tars-1250000000.cos-internal.ap-guangzhou.tencentcos.cn/tars/tarsnode.tgz";
    const text = edit(LEGACY, LEGACY.replace(" }", `, tarsnodePackageUrl: "${url}" }`));
    expect(legacyPool(text).tarsnodePackageUrl).toBe(url);
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

describe("CVM pool package digest", () => {
  it("is the pool's own tarsnodePackageSha256", () => {
    expect(legacyPool(base).tarsnodePackageSha256).toBe(EMPTY_SHA256);
  });

  it("defaults to tars.tarsnodePackageSha256, lowercased as sha256sum prints it", () => {
    expect(legacyPool(fleetWide(OTHER_SHA256.toUpperCase())).tarsnodePackageSha256).toBe(
      OTHER_SHA256,
    );
  });

  it("prefers the pool's own digest over the fleet's", () => {
    const text = edit("tars:\n", `tars:\n  tarsnodePackageSha256: ${OTHER_SHA256}\n`);
    expect(legacyPool(text).tarsnodePackageSha256).toBe(EMPTY_SHA256);
  });

  it("refuses a pool without a digest, saying how to compute one", () => {
    const text = fleetWide();
    expect(problems(text)).toEqual([
      `${at(text, "legacy:")} regions.gz.cvm.legacy: needs the sha256 of the tarsnode package its machines download, which they run as root: set tars.tarsnodePackageSha256 (for every pool) or this pool's tarsnodePackageSha256 to the 64 hex digits that \`sha256sum tarsnode.tgz\` prints for the file they download`,
    ]);
  });

  const notSha256 = (got: string) =>
    `must be the package's sha256, the 64 hex digits \`sha256sum tarsnode.tgz\` prints before the file name, got ${JSON.stringify(got)}`;

  it.each([
    [
      "the whole sha256sum line",
      `"${EMPTY_SHA256}  tarsnode.tgz"`,
      `${EMPTY_SHA256}  tarsnode.tgz`,
    ],
    ["63 digits", EMPTY_SHA256.slice(1), EMPTY_SHA256.slice(1)],
    ["an md5", "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"],
    ["a sha256: prefix", `"sha256:${EMPTY_SHA256}"`, `sha256:${EMPTY_SHA256}`],
  ])("refuses a pool digest that is %s", (_name, value, got) => {
    const text = edit(LEGACY_DIGEST, `, tarsnodePackageSha256: ${value}`);
    expect(problems(text)).toEqual([
      `${at(text, value)} regions.gz.cvm.legacy.tarsnodePackageSha256: ${notSha256(got)}`,
    ]);
  });

  it("refuses a malformed fleet digest once, not again for each pool relying on it", () => {
    const value = `${OTHER_SHA256}0`;
    const text = fleetWide(value);
    expect(problems(text)).toEqual([
      `${at(text, value)} tars.tarsnodePackageSha256: ${notSha256(value)}`,
    ]);
  });

  it("needs no digest in a fleet without CVM pools", () => {
    const text = edit(`    cvm:\n      ${LEGACY}\n`, "");
    expect(problems(text)).toEqual([]);
  });
});
