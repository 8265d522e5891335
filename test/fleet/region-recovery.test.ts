/**
 * The recovery SQL of a lost region and its Job: which address ranges each statement names, what
 * it sets, how an unknown region or the fleet's only region is refused, and the Job's wiring.
 * The contract tier runs the SQL on MariaDB over the real schema (`contract/suites/region-recovery.ts`).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  HEARTBEAT_FRESH_SECONDS,
  livingRegions,
  NODE_TIMEOUT_SECONDS,
  regionRecoverySql,
  regionRecoverySummary,
} from "../../fleet/operations/region-recovery";
import { OperationError } from "../../fleet/operations/operations";
import {
  RECOVERY_SQL_ENV,
  regionRecoveryHash,
  regionRecoveryJob,
  regionRecoveryJobName,
  regionRecoveryScript,
} from "../../fleet/k8s/region-recovery";
import { type FleetSpec } from "../../fleet/model/model";
import { NetworkSource } from "../../fleet/model/schema";
import { demoText, fleetOf } from "./fleet-copies";

const demo = fleetOf(demoText).spec;

const GUANGZHOU = [
  "10.10.8.0-10.10.11.255",
  "10.10.20.0-10.10.23.255",
  "10.10.68.0-10.10.69.255",
  "10.10.74.0-10.10.75.255",
  "172.24.0.0-172.24.255.255",
];
const SHANGHAI = [
  "10.20.4.0-10.20.7.255",
  "10.20.12.0-10.20.15.255",
  "10.20.66.0-10.20.67.255",
  "10.20.70.0-10.20.71.255",
];
const BEIJING = [
  "10.30.8.0-10.30.11.255",
  "10.30.16.0-10.30.19.255",
  "10.30.68.0-10.30.69.255",
  "10.30.72.0-10.30.73.255",
];

/** Each UPDATE of the script: its table, the ranges it joins (as `first-last`), its SET and WHERE. */
function updates(sql: string) {
  return sql
    .split(";\n")
    .filter((s) => s.trimStart().startsWith("UPDATE") || /\nUPDATE /.test(s))
    .map((statement) => {
      const text = statement.slice(statement.indexOf("UPDATE"));
      const ranges = [
        ...text.matchAll(/INET_ATON\('([\d.]+)'\)[^,]*, INET_ATON\('([\d.]+)'\)/g),
      ].map((m) => `${m[1]}-${m[2]}`);
      return {
        table: /^UPDATE (\w+)/.exec(text)?.[1],
        joins: / AS (lost|living)\n/.exec(text)?.[1],
        ranges,
        set: /\n {2}SET (.*)/.exec(text)?.[1],
        where: /\n {2}WHERE ([\s\S]*)$/.exec(text)?.[1]?.replace(/\s+/g, " "),
      };
    });
}

describe("the recovery SQL for the demo fleet", () => {
  const sql = regionRecoverySql(demo, "guangzhou");
  const statements = updates(sql);

  it("marks the lost region's rows inactive and refreshes the living regions' heartbeats, in one transaction", () => {
    expect(statements.map((s) => [s.table, s.joins, s.set])).toEqual([
      ["t_node_info", "lost", "node.present_state = 'inactive'"],
      ["t_server_conf", "lost", "server.present_state = 'inactive', server.process_id = 0"],
      ["t_node_info", "living", "node.last_heartbeat = NOW()"],
    ]);
    // The registries run with heartbeatoff=Y (K8STARS tarsregistry.conf): no row of theirs.
    expect(sql).not.toMatch(/^UPDATE t_registry_info/m);
    expect(statements.slice(0, 2).map((s) => s.where)).toEqual([undefined, undefined]);
    expect(statements[2]?.where).toBe(
      "node.last_heartbeat < NOW() - INTERVAL 40 SECOND AND (node.present_state = 'active' OR node.node_name IN (SELECT server.node_name FROM t_server_conf AS server WHERE server.present_state = 'active'))",
    );
    expect(sql.indexOf("START TRANSACTION;")).toBeLessThan(sql.indexOf("UPDATE"));
    expect(sql.trimEnd().endsWith("COMMIT;")).toBe(true);
  });

  it("names exactly guangzhou's ranges for the lost rows and exactly the others' for the living", () => {
    for (const s of statements.filter((x) => x.joins === "lost"))
      expect(s.ranges).toEqual(GUANGZHOU);
    for (const s of statements.filter((x) => x.joins === "living"))
      expect(s.ranges).toEqual([...BEIJING, ...SHANGHAI]);
  });

  it("names exactly shanghai's ranges when shanghai is the lost region", () => {
    const other = updates(regionRecoverySql(demo, "shanghai"));
    expect(other.filter((s) => s.joins === "lost").map((s) => s.ranges)).toEqual([
      SHANGHAI,
      SHANGHAI,
    ]);
    expect(other.filter((s) => s.joins === "living").map((s) => s.ranges)).toEqual([
      [...BEIJING, ...GUANGZHOU],
    ]);
  });

  it("covers an existing network's whole VPC, whose subnets the fleet does not know", () => {
    const existing: FleetSpec = {
      ...demo,
      regions: demo.regions.map((r) =>
        r.name === "beijing" ? { ...r, network: NetworkSource.Existing } : r,
      ),
    };
    const lost = updates(regionRecoverySql(existing, "beijing")).filter((s) => s.joins === "lost");
    expect(lost.map((s) => s.ranges)).toEqual([
      ["10.30.0.0-10.30.255.255"],
      ["10.30.0.0-10.30.255.255"],
    ]);
  });

  it("reads a name as an address only when it is a dotted quad, so INET_ATON never warns", () => {
    const guarded = sql.match(/CASE WHEN (.*?) REGEXP '([^']+)' THEN INET_ATON\((.*?)\) END/g);
    expect(guarded).toHaveLength(3);
    const unguarded = sql.replace(/CASE WHEN .*? END/g, "").match(/INET_ATON\((?!')/g);
    expect(unguarded).toBeNull();
  });

  it("is the same text every time and differs by lost region", () => {
    expect(regionRecoverySql(demo, "guangzhou")).toBe(sql);
    expect(regionRecoverySql(demo, "beijing")).not.toBe(sql);
  });

  it("uses no statement a GTID master refuses in a transaction, and never deletes or inserts", () => {
    expect(sql).not.toMatch(/TEMPORARY/i);
    expect(sql).not.toMatch(/^\s*(CREATE|DROP|DELETE|INSERT|REPLACE|TRUNCATE|ALTER)\b/im);
  });

  it("says what it changes in one line", () => {
    expect(regionRecoverySummary(demo, "guangzhou")).toBe(
      `mark guangzhou's nodes and servers inactive, and refresh the heartbeats of the active nodes of beijing and shanghai (kept when under ${HEARTBEAT_FRESH_SECONDS} s old), so the registries' ${NODE_TIMEOUT_SECONDS} s timeout does not mark them inactive`,
    );
  });
});

describe("the lost region", () => {
  it("refuses an unknown region, naming the fleet's", () => {
    expect(() => regionRecoverySql(demo, "tokyo")).toThrow(OperationError);
    expect(() => regionRecoverySql(demo, "tokyo")).toThrow(
      'unknown region "tokyo", expected guangzhou, shanghai or beijing',
    );
  });

  it("refuses the fleet's only region: that is the whole fleet", () => {
    const single: FleetSpec = {
      ...demo,
      regions: demo.regions.filter((r) => r.name === "guangzhou"),
    };
    expect(() => regionRecoverySql(single, "guangzhou")).toThrow(
      'region "guangzhou" is the fleet\'s only region: losing it loses the whole fleet, and no living region is left to recover TARS in',
    );
    expect(() => livingRegions(single, "guangzhou")).toThrow(OperationError);
  });

  it("leaves the other regions living, by name", () => {
    expect(livingRegions(demo, "guangzhou")).toEqual(["beijing", "shanghai"]);
  });
});

describe("the recovery Job", () => {
  const job = regionRecoveryJob(demo, "guangzhou");
  const container = job.spec.template.spec?.containers[0];

  it("is named after the SQL's hash, in the framework namespace, annotated with the lost region", () => {
    expect(job.metadata.name).toBe(`tars-region-recovery-${regionRecoveryHash(demo, "guangzhou")}`);
    expect(regionRecoveryJobName(demo, "guangzhou")).toBe(job.metadata.name);
    expect(job.metadata.name).toMatch(/^tars-region-recovery-[0-9a-f]{12}$/);
    expect(job.metadata.namespace).toBe("tars-system");
    expect(job.metadata.annotations).toEqual({ "tarsfed.io/lost-region": "guangzhou" });
    expect(regionRecoveryJob(demo, "shanghai").metadata.name).not.toBe(job.metadata.name);
  });

  it("runs the script in the MySQL client image; host, port and user visible, the password from tars-db", () => {
    expect(container?.image).toBe("mysql:5.7.44");
    expect(container?.command).toEqual(["/bin/bash", "-c", regionRecoveryScript()]);
    expect(container?.envFrom).toBeUndefined();
    expect(container?.env).toEqual([
      { name: "DB_HOST", value: "db.tarsfed-demo.com" },
      { name: "DB_PORT", value: "3306" },
      { name: "DB_USER", value: "tarsAdmin" },
      { name: "DB_PASS", valueFrom: { secretKeyRef: { name: "tars-db", key: "DB_PASS" } } },
      { name: RECOVERY_SQL_ENV, value: regionRecoverySql(demo, "guangzhou") },
    ]);
    expect(job.spec.template.spec?.restartPolicy).toBe("OnFailure");
  });

  it("runs as a non-root user", () => {
    expect(job.spec.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    expect(container?.securityContext?.allowPrivilegeEscalation).toBe(false);
  });

  it("takes another database host when asked, instead of the DNS name", () => {
    const other = regionRecoveryJob(demo, "guangzhou", { dbHost: "10.20.1.9" });
    expect(other.spec.template.spec?.containers[0]?.env?.[0]).toEqual({
      name: "DB_HOST",
      value: "10.20.1.9",
    });
  });

  it("refuses an unknown region as the SQL does", () => {
    expect(() => regionRecoveryJob(demo, "tokyo")).toThrow(OperationError);
  });
});

describe("the recovery script", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-recovery-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A mysql that answers the probes: read_only as $FAKE_READ_ONLY, every table present.
  const fake = path.join(dir, "mysql");
  writeFileSync(
    fake,
    `#!/bin/bash
args="$*"
case $args in
  *read_only*) echo "\${FAKE_READ_ONLY:-0}" ;;
  *information_schema*) echo 1 ;;
  *db_tars) cat > "${dir}/applied.sql"; echo "3 t_node_info rows of guangzhou marked inactive" ;;
esac
`,
  );
  chmodSync(fake, 0o755);
  const env = {
    PATH: `${dir}:${process.env.PATH ?? ""}`,
    DB_HOST: "db.tars.internal",
    DB_PORT: "3306",
    DB_USER: "tarsAdmin",
    DB_PASS: "secret",
    [RECOVERY_SQL_ENV]: "SELECT 1;",
  };
  const runScript = (extra: Record<string, string | undefined>) =>
    spawnSync("bash", ["--norc", "-c", regionRecoveryScript()], {
      env: { ...env, ...extra },
      encoding: "utf8",
    });

  it("refuses to start without a variable, naming it and the Secret", () => {
    const ran = runScript({ DB_PASS: undefined });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain("tars-region-recovery: DB_PASS is not set");
    expect(ran.stderr).toContain("reads DB_PASS from key DB_PASS of Secret tars-db");
  });

  it("refuses a read-only server: the DR replica before its promotion", () => {
    const ran = runScript({ FAKE_READ_ONLY: "1" });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain(
      "MySQL at db.tars.internal:3306 is read-only (read_only=1): promote the DR replica",
    );
  });

  it("applies the SQL to db_tars and prints what changed", () => {
    const ran = runScript({});
    expect(ran.stderr).toBe("");
    expect(ran.status).toBe(0);
    expect(ran.stdout).toBe(
      "3 t_node_info rows of guangzhou marked inactive\nregion recovery applied\n",
    );
  });
});

const hasShellcheck = spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0;
const required = process.env.TARSFED_REQUIRE_SYSTEM_TOOLS === "1";

describe("the recovery script's shell", () => {
  it.skipIf(!hasShellcheck && !required)("passes shellcheck", () => {
    const result = spawnSync("shellcheck", ["-s", "bash", "-"], {
      input: regionRecoveryScript(),
      encoding: "utf8",
    });
    expect(result.error?.message).toBeUndefined();
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
