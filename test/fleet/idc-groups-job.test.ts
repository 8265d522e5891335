import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { idcGroups } from "../../fleet/tars/idc-groups";
import {
  idcGroupsHash,
  idcGroupsJob,
  idcGroupsScript,
  idcGroupsSql,
} from "../../fleet/k8s/idc-groups";
import { demoText, fleetOf, replaceOnce } from "./fleet-copies";

const demo = fleetOf(demoText).spec;
const sql = idcGroupsSql(idcGroups(demo));

describe("the IDC group SQL", () => {
  it("inserts only what is absent and never spends an id or drops anything", () => {
    expect(sql).not.toMatch(/ON DUPLICATE KEY|REPLACE INTO|TRUNCATE|\bDROP\b/i);
    const inserts = sql.split("\n").filter((l) => l.startsWith("INSERT INTO"));
    expect(inserts).toHaveLength(3 + 4);
    expect(sql.match(/WHERE NOT EXISTS/g)).toHaveLength(3 + 4);
  });

  it("deletes only the rows tarsfed owns", () => {
    expect(sql.split("\n").filter((l) => l.startsWith("DELETE"))).toEqual([
      "DELETE FROM t_server_group_rule WHERE lastuser = 'tarsfed' AND group_name NOT IN ('beijing', 'guangzhou', 'shanghai');",
      "DELETE FROM t_group_priority WHERE name LIKE 'tarsfed:%' AND name NOT IN ('tarsfed:guangzhou+shanghai', 'tarsfed:beijing+guangzhou', 'tarsfed:beijing+shanghai', 'tarsfed:all');",
    ]);
  });

  it("turns enable_group on by the column default and for the rows already there", () => {
    expect(sql).toContain("ALTER TABLE t_server_conf ALTER COLUMN enable_group SET DEFAULT 'Y';\n");
    expect(sql).toContain(
      "UPDATE t_server_conf SET enable_group = 'Y' WHERE enable_group IS NULL OR enable_group <> 'Y';\n",
    );
  });
});

describe("the rules' hash", () => {
  const variant = (search: string, replacement: string) =>
    idcGroupsHash(fleetOf(replaceOnce(demoText, search, replacement)).spec);

  it("changes with a region's subnets and with a Set's standby, not with replicas or images", () => {
    const hash = idcGroupsHash(demo);
    expect(
      variant(
        "zones: [ap-beijing-3, ap-beijing-5]",
        "zones: [ap-beijing-3, ap-beijing-5, ap-beijing-6]",
      ),
    ).not.toBe(hash);
    expect(variant("podCidr: 172.24.0.0/16", "podCidr: 172.25.0.0/16")).not.toBe(hash);
    expect(
      variant(
        "app.bj.1: { cluster: bj1, standby: sh1 }",
        "app.bj.1: { cluster: bj1, standby: gz1 }",
      ),
    ).not.toBe(hash);
    expect(variant("app.gz.1: 3, app.gz.2: 1", "app.gz.1: 5, app.gz.2: 1")).toBe(hash);
    expect(variant("helloserver:1.0.3", "helloserver:1.0.4")).toBe(hash);
    // A failover moves a Set's servers, not the groups or their fallbacks.
    expect(
      variant("warmStandby: true, failedOver: false", "warmStandby: true, failedOver: true"),
    ).toBe(hash);
  });

  it("names the Job", () => {
    expect(idcGroupsJob(demo).metadata.name).toBe(`tars-idc-groups-${idcGroupsHash(demo)}`);
  });
});

const hasShellcheck = spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0;
const required = process.env.TARSFED_REQUIRE_SYSTEM_TOOLS === "1";
if (!hasShellcheck && !required)
  console.warn(
    "skipped: shellcheck is not installed (apt-get install -y shellcheck) [IDC group script]",
  );

describe("the IDC group script", () => {
  it.skipIf(!hasShellcheck && !required)("passes shellcheck", () => {
    const result = spawnSync("shellcheck", ["-s", "bash", "-"], {
      input: idcGroupsScript(),
      encoding: "utf8",
    });
    expect(result.error?.message).toBeUndefined();
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
