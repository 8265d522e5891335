/**
 * `tars.db.standbyRegion` and `tars.db.servingRegion`: the exact problem lines a user sees, and
 * the model a valid fleet gives.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { parseFleet } from "../../fleet/model/load";
import { databaseDns, databaseHost } from "../../fleet/network/database-dns";

const DEMO = readFileSync(path.join(__dirname, "..", "..", "stacks", "fleet.yaml"), "utf8");
const DEMO_DB =
  '  db: { mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, standbyRegion: shanghai }';

function withDb(db: string): string {
  expect(DEMO, "the demo fleet should declare its database on one line").toContain(DEMO_DB);
  return DEMO.replace(DEMO_DB, `  db: ${db}`);
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

describe("the database's standby region", () => {
  it("defaults the serving region to home, and keeps the standby", () => {
    const db = parseFleet(withDb("{ mode: tencentdb, standbyRegion: shanghai }"), "fleet.yaml").spec
      .tars.db;
    expect(db).toMatchObject({ standbyRegion: "shanghai", servingRegion: "guangzhou" });
    const none = parseFleet(withDb("{ mode: tencentdb }"), "fleet.yaml").spec.tars.db;
    expect(none).toMatchObject({ servingRegion: "guangzhou" });
    expect(none).not.toHaveProperty("standbyRegion");
  });

  it("accepts the standby region as the serving one", () => {
    const db = parseFleet(
      withDb("{ mode: tencentdb, standbyRegion: shanghai, servingRegion: shanghai }"),
      "fleet.yaml",
    ).spec.tars.db;
    expect(db).toMatchObject({ standbyRegion: "shanghai", servingRegion: "shanghai" });
  });

  it.each([
    [
      "{ mode: tencentdb, standbyRegion: tokyo }",
      'fleet.yaml:11:41 tars.db.standbyRegion: unknown region "tokyo", expected one of "guangzhou", "shanghai" or "beijing"',
    ],
    [
      "{ mode: tencentdb, standbyRegion: guangzhou }",
      'fleet.yaml:11:41 tars.db.standbyRegion: must be a region other than the home region "guangzhou": a replica in the same region is lost with it; expected one of "shanghai" or "beijing"',
    ],
    [
      "{ mode: tencentdb, servingRegion: shanghai }",
      'fleet.yaml:11:41 tars.db.servingRegion: must be the home region "guangzhou", got "shanghai": only a tars.db.standbyRegion can take the master over (README: Losing the home region)',
    ],
    [
      "{ mode: tencentdb, standbyRegion: shanghai, servingRegion: beijing }",
      'fleet.yaml:11:66 tars.db.servingRegion: must be the home region "guangzhou" or the standby region "shanghai", got "beijing"',
    ],
    [
      "{ mode: in-cluster, standbyRegion: shanghai }",
      "fleet.yaml:11:27 tars.db.standbyRegion: unknown field, expected mode, storageGb, storageClass, image or passwordGeneration",
    ],
  ])("refuses db %s", (db, problem) => {
    expect(problems(withDb(db))).toEqual([problem]);
  });
});

describe("the database's DNS zone", () => {
  it("defaults to tarsfed-<fleet>.com, and the host is db.<zone>", () => {
    const spec = parseFleet(withDb("{ mode: tencentdb }"), "fleet.yaml").spec;
    expect(spec.tars.db).toMatchObject({ dnsZone: "tarsfed-demo.com" });
    expect(databaseDns(spec)).toEqual({
      zone: "tarsfed-demo.com",
      record: "db",
      host: "db.tarsfed-demo.com",
    });
    expect(databaseHost(spec)).toBe("db.tarsfed-demo.com");
  });

  it("keeps a declared zone", () => {
    const spec = parseFleet(
      withDb("{ mode: tencentdb, dnsZone: tars.example.com }"),
      "fleet.yaml",
    ).spec;
    expect(databaseHost(spec)).toBe("db.tars.example.com");
  });

  it("has no name for the in-cluster database", () => {
    const spec = parseFleet(withDb("{ mode: in-cluster }"), "fleet.yaml").spec;
    expect(databaseDns(spec)).toBeUndefined();
    expect(databaseHost(spec)).toBeUndefined();
  });

  it.each([
    [
      "{ mode: tencentdb, dnsZone: tarsfed.internal }",
      'fleet.yaml:11:35 tars.db.dnsZone: .internal is not a top-level domain of IANA\'s root zone, and Private DNS creates a zone only under a standard one (without its paid non-standard TLD service): choose a domain under e.g. .com, got "tarsfed.internal"',
    ],
    [
      "{ mode: tencentdb, dnsZone: Tars_DB.com }",
      'fleet.yaml:11:35 tars.db.dnsZone: must be a lowercase domain of at least two labels of a-z, 0-9 and - (e.g. "tarsfed-demo.com"), got "Tars_DB.com"',
    ],
    [
      "{ mode: tencentdb, dnsZone: tarsfed }",
      'fleet.yaml:11:35 tars.db.dnsZone: must be a lowercase domain of at least two labels of a-z, 0-9 and - (e.g. "tarsfed-demo.com"), got "tarsfed"',
    ],
  ])("refuses db %s", (db, problem) => {
    expect(problems(withDb(db))).toEqual([problem]);
  });
});
