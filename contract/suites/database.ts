/**
 * The database Job's script, as the plan renders it, against a real MariaDB and the real
 * framework SQL files: it fails loudly and changes nothing when a schema file is missing, loads
 * every database and template, lets the framework user in, and keeps every row on a rerun.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type DbInitEnv } from "../../fleet/k8s/database";
import { DB_ADMIN_USER } from "../../fleet/k8s/db-config";
import { run, type Ran } from "../exec";
import { type MariaDb, mysqlAs } from "../mariadb";
import { type PlannedDbJob } from "../plan";
import { type Checks, type Suite } from "../report";

/** The SQL tree's folders, in the order the image's deploy tree has them. */
export const SQL_TREE_DIRS = ["framework/sql", "web/sql", "web/demo/sql"] as const;

/** Every database the framework needs and the schema file it is loaded from (null: made at run time). */
const EXPECTED_DATABASES: Record<string, string | null> = {
  db_tars: "framework/sql/db_tars.sql",
  db_tars_web: "web/sql/db_tars_web.sql",
  db_user_system: "web/demo/sql/db_user_system.sql",
  db_cache_web: "web/sql/db_cache_web.sql",
  db_base: "web/sql/db_base.sql",
  tars_stat: null,
  tars_property: null,
};

/**
 * The parents TarsFramework v2.4.3 `deploy/tars-install.sh` (`update_template`) gives the
 * templates; any other template gets `tars.default`. Written out here as the oracle.
 */
const INSTALLER_PARENTS: Record<string, string> = {
  "tars.springboot": "tars.tarsjava.default",
  "tars.tarsAdminRegistry": "tars.framework-db",
  "tars.tarsconfig": "tars.framework-db",
  "tars.tarsnotify": "tars.framework-db",
  "tars.tarsproperty": "tars.framework-db",
  "tars.tarsqueryproperty": "tars.framework-db",
  "tars.tarsstat": "tars.framework-db",
  "tars.tarsquerystat": "tars.framework-db",
  "tars.tarsregistry": "tars.framework-db",
};

/** What the suites share: the server, the Job from the plan, the SQL tree, a scratch folder. */
export interface DbContext {
  readonly db: MariaDb;
  readonly job: PlannedDbJob;
  readonly sqlRoot: string;
  readonly scratch: string;
  /** The values the Job's Secret would hold. */
  readonly env: Readonly<Record<DbInitEnv, string>>;
}

/** Runs the Job's command with the script from the plan, the Secret's variables and `TARS_SQL_DIRS`. */
export async function runJob(
  ctx: DbContext,
  sqlDirs: readonly string[],
  leaveOut: readonly string[] = [],
): Promise<Ran> {
  const script = path.join(ctx.scratch, path.basename(ctx.job.scriptPath));
  writeFileSync(script, ctx.job.script, { mode: 0o755 });
  const [program = "", ...args] = ctx.job.command.map((c) =>
    c === ctx.job.scriptPath ? script : c,
  );
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, TARS_SQL_DIRS: sqlDirs.join(" ") };
  for (const key of ctx.job.envKeys) {
    if (!leaveOut.includes(key)) env[key] = ctx.env[key as DbInitEnv];
  }
  return run(program, args, { env, timeoutSeconds: 300 });
}

/** The SQL folders of a tree. */
export function sqlDirs(root: string): string[] {
  return SQL_TREE_DIRS.map((d) => path.join(root, d));
}

/**
 * Copies the `.sql` files of the tree at `from` into `to`, leaving out `omit`. File by file into
 * folders of its own, so it works when the source is read-only (CI's copy of shared/ is).
 */
function copySqlTree(from: string, to: string, omit: string): void {
  for (const dir of SQL_TREE_DIRS) {
    mkdirSync(path.join(to, dir), { recursive: true });
    for (const file of readdirSync(path.join(from, dir)).filter((f) => f.endsWith(".sql"))) {
      const relative = path.join(dir, file);
      if (relative !== omit) copyFileSync(path.join(from, relative), path.join(to, relative));
    }
  }
}

/** Tables a schema file creates. */
function tablesOf(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/^CREATE TABLE `([^`]+)`/gm)]
    .map((m) => m[1] ?? "")
    .sort();
}

async function rows(ctx: DbContext, sql: string): Promise<string[][]> {
  const out = await ctx.db.sql(["-N", "-B", "-e", sql]);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
}

async function databases(ctx: DbContext): Promise<string[]> {
  return (await rows(ctx, "SHOW DATABASES"))
    .map((r) => r[0] ?? "")
    .filter((d) => d in EXPECTED_DATABASES);
}

function explain(ran: Ran): string {
  return `exit ${String(ran.code)}; stderr: ${ran.stderr.trim() || "(none)"}; stdout tail: ${ran.stdout.trim().split("\n").slice(-3).join(" | ")}`;
}

/** A missing schema file or variable stops the script before it changes anything, naming what is missing. */
export function missingInputsSuite(ctx: DbContext): Suite {
  return {
    name: "db-job: missing inputs",
    async run(checks: Checks) {
      const tree = mkdtempSync(path.join(ctx.scratch, "partial-sql-"));
      copySqlTree(ctx.sqlRoot, tree, "web/demo/sql/db_user_system.sql");
      const ran = await runJob(ctx, sqlDirs(tree));
      checks.that(
        "exits non-zero when db_user_system.sql is missing",
        ran.code !== 0 && ran.code !== null,
        explain(ran),
      );
      checks.that(
        "names the missing file, its database and where it looked",
        ran.stderr.includes("db_user_system.sql (for db_user_system)") &&
          ran.stderr.includes(path.join(tree, "web/demo/sql")),
        ran.stderr,
      );
      checks.equal("creates no database before failing", await databases(ctx), []);
      for (const key of ["DB_PASS", "ROOT_PASSWORD"]) {
        const unset = await runJob(ctx, sqlDirs(ctx.sqlRoot), [key]);
        checks.that(
          `exits non-zero naming ${key} when the Secret lacks it`,
          unset.code !== 0 && unset.stderr.includes(`${key} is not set`),
          explain(unset),
        );
      }
      checks.equal("still no database", await databases(ctx), []);
    },
  };
}

/** The profile the installer's `mysql-tool --template` stores for a template file, as this tier expects it. */
function expectedProfile(ctx: DbContext, name: string, text: string): string {
  let profile = text
    .replaceAll("TARS_PATH", "/usr/local/app/tars")
    .replaceAll("UPLOAD_PATH", "/usr/local/app");
  if (name === "tars.framework-db") {
    const values: Record<string, string> = {
      dbhost: ctx.env.DB_HOST,
      dbuser: ctx.env.DB_USER,
      dbpass: ctx.env.DB_PASS,
      dbport: ctx.env.DB_PORT,
    };
    profile = profile.replace(
      /^(\s*)(dbhost|dbuser|dbpass|dbport)(\s*=).*$/gm,
      (_m, indent: string, key: string, eq: string) => `${indent}${key}${eq}${values[key] ?? ""}`,
    );
  }
  return profile;
}

/** The templates in the database: name → [parent, profile]. */
async function templates(ctx: DbContext): Promise<Map<string, [string, string]>> {
  const found = await rows(
    ctx,
    "SELECT template_name, parents_name, HEX(profile) FROM db_tars.t_profile_template",
  );
  return new Map(
    found.map(([n = "", p = "", hex = ""]) => [n, [p, Buffer.from(hex, "hex").toString("utf8")]]),
  );
}

/** The first run loads every database, every template with its parent, and the framework user. */
export function fullLoadSuite(ctx: DbContext): Suite {
  return {
    name: "db-job: full load",
    async run(checks: Checks) {
      const ran = await runJob(ctx, sqlDirs(ctx.sqlRoot));
      checks.that(
        "exits 0 and says the databases are ready",
        ran.code === 0 && ran.stdout.includes("TARS databases ready"),
        explain(ran),
      );
      checks.equal(
        "creates every TARS database",
        (await databases(ctx)).sort(),
        Object.keys(EXPECTED_DATABASES).sort(),
      );
      for (const [database, file] of Object.entries(EXPECTED_DATABASES)) {
        const have = (
          await rows(
            ctx,
            `SELECT table_name FROM information_schema.tables WHERE table_schema='${database}'`,
          )
        )
          .map((r) => r[0] ?? "")
          .sort();
        const want = file === null ? [] : tablesOf(path.join(ctx.sqlRoot, file));
        checks.equal(
          `${database} has exactly the tables of ${file ?? "no file (its server makes them)"}`,
          have,
          want,
        );
      }
      const dbTars = await rows(
        ctx,
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='db_tars'",
      );
      checks.equal("db_tars has 18 tables", dbTars[0]?.[0], "18");
      await templateChecks(ctx, checks);
      await loginChecks(ctx, checks);
    },
  };
}

async function templateChecks(ctx: DbContext, checks: Checks): Promise<void> {
  const folder = path.join(ctx.sqlRoot, "framework/sql/template");
  const files = readdirSync(folder).sort();
  const stored = await templates(ctx);
  checks.equal(
    "t_profile_template holds exactly the template files",
    [...stored.keys()].sort(),
    files,
  );
  for (const name of files) {
    const [parent, profile] = stored.get(name) ?? ["(missing)", ""];
    checks.equal(
      `${name}: parent as the installer sets it`,
      parent,
      INSTALLER_PARENTS[name] ?? "tars.default",
    );
    const want = expectedProfile(ctx, name, readFileSync(path.join(folder, name), "utf8"));
    checks.that(
      `${name}: profile is the file's text, byte for byte, with the installer's substitutions`,
      profile === want,
      `expected ${JSON.stringify(want.slice(0, 200))}, got ${JSON.stringify(profile.slice(0, 200))}`,
    );
  }
}

async function loginChecks(ctx: DbContext, checks: Checks): Promise<void> {
  const user = ctx.env.DB_USER;
  const read = await mysqlAs(
    ctx.db,
    user,
    ctx.env.DB_PASS,
    "SELECT COUNT(*) FROM db_tars.t_profile_template",
  );
  checks.that(
    `${user} logs in with DB_PASS and reads db_tars`,
    read.code === 0 && read.stdout.trim() !== "0",
    explain(read),
  );
  const wrong = await mysqlAs(ctx.db, user, `${ctx.env.DB_PASS}x`, "SELECT 1");
  checks.that(`${user} is refused with another password`, wrong.code !== 0, explain(wrong));
  // tarsstat creates its tables as it writes: the framework user must be able to.
  const create = await mysqlAs(
    ctx.db,
    user,
    ctx.env.DB_PASS,
    "CREATE TABLE tars_stat.t_contract_probe (id INT); DROP TABLE tars_stat.t_contract_probe",
  );
  checks.that(
    `${user} can create tables in tars_stat, as tarsstat does`,
    create.code === 0,
    explain(create),
  );
}

/** The TARS databases as text: every table's definition and every row. */
function dumpAll(ctx: DbContext): Promise<string> {
  return ctx.db.dump(Object.keys(EXPECTED_DATABASES));
}

/** A rerun after hand edits keeps every row, byte for byte, and adds nothing. */
export function rerunSuite(ctx: DbContext): Suite {
  return {
    name: "db-job: rerun keeps every row",
    async run(checks: Checks) {
      await ctx.db.sql(
        ["db_tars"],
        "UPDATE t_profile_template SET profile = CONCAT(profile, '# changed by hand\\n') WHERE template_name = 'tars.tarsnode';\n" +
          "INSERT INTO t_profile_template (template_name, parents_name, profile, posttime, lastuser) VALUES ('contract.custom', 'tars.default', '<tars>\\n</tars>\\n', NOW(), 'contract');\n" +
          "INSERT INTO db_tars_web.t_tars_files (application, server_name, file_name, posttime, context) VALUES ('Contract', 'Server', 'a.tars', NOW(), '{}');\n",
      );
      const before = await dumpAll(ctx);
      const ran = await runJob(ctx, sqlDirs(ctx.sqlRoot));
      checks.that("exits 0", ran.code === 0, explain(ran));
      const files = readdirSync(path.join(ctx.sqlRoot, "framework/sql/template")).length;
      checks.that(
        "adds no template and says all are kept",
        ran.stdout.includes(`templates: 0 added, ${files} already there`),
        ran.stdout,
      );
      const after = await dumpAll(ctx);
      checks.that(
        "every table and row of every TARS database is the same, byte for byte",
        after === before,
        firstDifference(before, after),
      );
      const tarsnode = (await templates(ctx)).get("tars.tarsnode")?.[1] ?? "";
      checks.that(
        "the hand-changed tars.tarsnode profile is still the changed one",
        tarsnode.endsWith("# changed by hand\n"),
        tarsnode.slice(-80),
      );
    },
  };
}

/** A populated database that lacks a table of its schema file stops the script, naming it; nothing changes. */
export function interruptedLoadSuite(ctx: DbContext): Suite {
  return {
    name: "db-job: interrupted load",
    async run(checks: Checks) {
      await ctx.db.sql(["-e", "DROP TABLE db_cache_web.t_region"]);
      const before = await dumpAll(ctx);
      const ran = await runJob(ctx, sqlDirs(ctx.sqlRoot));
      checks.that("exits non-zero", ran.code !== 0 && ran.code !== null, explain(ran));
      checks.that(
        "names the database, the missing table and the file",
        ran.stderr.includes("db_cache_web") &&
          ran.stderr.includes(" t_region") &&
          ran.stderr.includes("db_cache_web.sql"),
        ran.stderr,
      );
      checks.that("changes nothing", (await dumpAll(ctx)) === before, "the databases changed");
    },
  };
}

function firstDifference(a: string, b: string): string {
  const left = a.split("\n");
  const right = b.split("\n");
  const i = left.findIndex((line, n) => line !== right[n]);
  return i < 0
    ? `lengths ${left.length} and ${right.length}`
    : `line ${i + 1}: ${left[i]?.slice(0, 200)} → ${right[i]?.slice(0, 200)}`;
}

/** A scratch folder for the suites, removed by the caller. */
export function scratchDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "tarsfed-contract-"));
}

/** The Secret's values for the contract: the component's user, a password of the component's alphabet. */
export function jobEnv(db: MariaDb): Record<DbInitEnv, string> {
  return {
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_USER: DB_ADMIN_USER,
    DB_PASS: `Tf_${Math.random().toString(36).slice(2, 12)}-9Q`,
    ROOT_PASSWORD: db.rootPassword,
  };
}
