/**
 * The framework database's init Job and its script: where the SQL comes from, which image runs
 * the script, and how the script fails before changing anything.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  DB_CLIENT_IMAGE,
  dbClientImage,
  dbInitConfigMap,
  dbInitJob,
  dbInitScript,
  SQL_DIRS,
  templateParent,
} from "../../fleet/k8s/database";
import { DbMode } from "../../fleet/model/schema";
import { dbConfigEnv } from "../../fleet/k8s/db-config";

const FRAMEWORK = "tarscloud/framework:v2.4.3";

describe("the init Job", () => {
  const dbEnv = dbConfigEnv("db.tarsfed-demo.com");
  const job = dbInitJob(FRAMEWORK, "mysql:5.7.44", "0123456789ab", dbEnv);
  const pod = job.spec.template.spec;

  it("copies the three SQL folders out of the framework image, keeping their layout", () => {
    expect(pod?.initContainers).toEqual([
      expect.objectContaining({
        name: "sql",
        image: FRAMEWORK,
        command: [
          "sh",
          "-c",
          "cd /usr/local/tars/cpp/deploy && mkdir -p /sql/framework && cp -rf framework/sql /sql/framework/" +
            " && mkdir -p /sql/web && cp -rf web/sql /sql/web/" +
            " && mkdir -p /sql/web/demo && cp -rf web/demo/sql /sql/web/demo/",
        ],
        volumeMounts: [{ name: "sql", mountPath: "/sql" }],
      }),
    ]);
  });

  it("runs the script in the MySQL client image, with the copy at the framework image's path", () => {
    expect(pod?.containers).toEqual([
      expect.objectContaining({
        name: "init",
        image: "mysql:5.7.44",
        command: ["/bin/bash", "/scripts/init.sh"],
        // The host, port and user visible; the passwords from the Secret.
        env: [
          { name: "DB_HOST", value: "db.tarsfed-demo.com" },
          { name: "DB_PORT", value: "3306" },
          { name: "DB_USER", value: "tarsAdmin" },
        ],
        envFrom: [{ secretRef: { name: "tars-db-init" } }],
        volumeMounts: [
          { name: "scripts", mountPath: "/scripts", readOnly: true },
          { name: "sql", mountPath: "/usr/local/tars/cpp/deploy", readOnly: true },
          // The root filesystem is read-only; bash 4 puts here-strings in /tmp (pod-security.ts).
          { name: "init-tmp", mountPath: "/tmp" },
        ],
      }),
    ]);
    expect(pod?.volumes).toEqual([
      { name: "scripts", configMap: { name: "tars-db-init" } },
      { name: "sql", emptyDir: {} },
      { name: "init-tmp", emptyDir: {} },
    ]);
    expect(dbInitConfigMap().data).toEqual({ "init.sh": dbInitScript() });
  });

  it("takes the client from the in-cluster database's image, else the official MySQL 5.7 image", () => {
    expect(
      dbClientImage({
        mode: DbMode.TencentDb,
        engineVersion: "5.7",
        memoryMb: 4000,
        storageGb: 200,
        servingRegion: "guangzhou",
        dnsZone: "tarsfed-demo.com",
        clientImage: DB_CLIENT_IMAGE,
      }),
    ).toBe(DB_CLIENT_IMAGE);
    expect(
      dbClientImage({
        mode: DbMode.TencentDb,
        engineVersion: "5.7",
        memoryMb: 4000,
        storageGb: 200,
        servingRegion: "guangzhou",
        dnsZone: "tarsfed-demo.com",
        clientImage: "ccr.ccs.tencentyun.com/team/mysql:5.7.44",
      }),
    ).toBe("ccr.ccs.tencentyun.com/team/mysql:5.7.44");
    expect(
      dbClientImage({
        mode: DbMode.InCluster,
        image: "mysql:5.7.44-oracle",
        storageGb: 100,
        storageClass: "cbs",
      }),
    ).toBe("mysql:5.7.44-oracle");
  });
});

describe("the init script", () => {
  const script = dbInitScript();

  it("reads the framework image's SQL folders by default, TARS_SQL_DIRS first", () => {
    expect(SQL_DIRS).toEqual([
      "/usr/local/tars/cpp/deploy/framework/sql",
      "/usr/local/tars/cpp/deploy/web/sql",
      "/usr/local/tars/cpp/deploy/web/demo/sql",
    ]);
    expect(script).toContain(`read -r -a sql_dirs <<< "\${TARS_SQL_DIRS:-${SQL_DIRS.join(" ")}}"`);
  });

  it("gives each template the parent TarsFramework's installer gives it", () => {
    expect(templateParent("tars.tarsstat")).toBe("tars.framework-db");
    expect(templateParent("tars.springboot")).toBe("tars.tarsjava.default");
    expect(templateParent("tars.default")).toBe("tars.default");
    expect(templateParent("tars.tarsnode")).toBe("tars.default");
    expect(script).toContain(
      "    tars.tarsAdminRegistry|tars.tarsconfig|tars.tarsnotify|tars.tarsproperty|tars.tarsqueryproperty|tars.tarsstat|tars.tarsquerystat|tars.tarsregistry) parent=tars.framework-db ;;",
    );
  });

  it("never drops a database or a table, nor replaces a row", () => {
    expect(script).not.toMatch(/\bDROP\b|\bREPLACE INTO\b|\bTRUNCATE\b|ON DUPLICATE KEY/i);
  });

  const hasShellcheck = spawnSync("sh", ["-c", "command -v shellcheck"]).status === 0;
  const required = process.env.TARSFED_REQUIRE_SYSTEM_TOOLS === "1";
  if (!hasShellcheck && !required)
    console.warn(
      "skipped: shellcheck is not installed (apt-get install -y shellcheck) [init script under shellcheck]",
    );
  it.skipIf(!hasShellcheck && !required)("passes shellcheck", () => {
    const result = spawnSync("shellcheck", ["-s", "bash", "-"], {
      input: script,
      encoding: "utf8",
    });
    expect(result.error?.message).toBeUndefined();
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});

/** Folders the tests make, removed at the end. */
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A stand-in `mysql` on PATH that answers every query with `0` (an empty server) and logs its
 * arguments, so a test sees what the script would have sent.
 */
function fakeMysql(): { bin: string; log: string } {
  const dir = tempDir("tarsfed-db-job-");
  const bin = path.join(dir, "bin");
  const log = path.join(dir, "mysql.log");
  mkdirSync(bin);
  writeFileSync(log, "");
  writeFileSync(
    path.join(bin, "mysql"),
    `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(log)}\ncase "$*" in *"COUNT(*)"*) echo 0 ;; esac\n`,
  );
  chmodSync(path.join(bin, "mysql"), 0o755);
  return { bin, log };
}

function runScript(env: Record<string, string>) {
  const { bin, log } = fakeMysql();
  const script = path.join(path.dirname(bin), "init.sh");
  writeFileSync(script, dbInitScript());
  const result = spawnSync("bash", [script], {
    env: { PATH: `${bin}:${process.env.PATH ?? ""}`, ...env },
    encoding: "utf8",
  });
  return { ...result, sent: readFileSync(log, "utf8") };
}

const ENV = {
  DB_HOST: "10.0.0.9",
  DB_PORT: "3306",
  DB_USER: "tarsAdmin",
  DB_PASS: "pw",
  ROOT_PASSWORD: "root",
};

describe("the init script's refusals", () => {
  it("stops before changing anything when an empty database has no schema file, naming each", () => {
    const sql = tempDir("tarsfed-sql-");
    writeFileSync(path.join(sql, "db_tars.sql"), "");
    writeFileSync(path.join(sql, "db_base.sql"), "");
    const result = runScript({ ...ENV, TARS_SQL_DIRS: `${sql} /nowhere` });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "tars-db-init: no schema file for an empty database: db_tars_web.sql (for db_tars_web) " +
        `db_user_system.sql (for db_user_system) db_cache_web.sql (for db_cache_web); looked in ${sql} /nowhere\n`,
    );
    expect(result.sent).not.toMatch(/CREATE|INSERT|GRANT|ALTER/);
  });

  it("stops at once when the Secret lacks a variable of the env contract", () => {
    const result = runScript({ ...ENV, DB_PASS: "" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "tars-db-init: DB_PASS is not set; the Job reads DB_HOST, DB_PORT, DB_USER from its env values and DB_PASS, ROOT_PASSWORD from Secret tars-db-init\n",
    );
    expect(result.sent).toBe("");
  });
});
