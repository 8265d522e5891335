/**
 * `npm run contract [-- --json]`: the contract tier. Runs the project's rendered artefacts against
 * the real programs they are written for, on this machine: the database Job's script on MariaDB
 * with the framework's own SQL files, and K8STARS' tarscli where its Go module can be had.
 *
 * Exit 1 when a suite fails or the SQL files are missing; a suite that cannot run here is
 * reported as not run, with the reason, and never counted as passed. With
 * `TARSFED_REQUIRE_SYSTEM_TOOLS=1` a missing system tool (MariaDB, Go) is a failure, not a skip.
 */
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import { TARS_SCHEMAS } from "../fleet/k8s/database";
import { type MariaDb, mariadbMissing, startMariaDb } from "./mariadb";
import { plannedDbJob } from "./plan";
import {
  type ContractReport,
  failedToStart,
  notRun,
  renderJson,
  renderText,
  runSuite,
  type Suite,
  suiteFailed,
  type SuiteResult,
  type ToolRecord,
} from "./report";
import {
  type DbContext,
  fullLoadSuite,
  interruptedLoadSuite,
  jobEnv,
  missingInputsSuite,
  rerunSuite,
  scratchDir,
  SQL_TREE_DIRS,
} from "./suites/database";
import { tarscliSuite } from "./suites/tarscli";
import { idcGroupsRerunSuite, idcGroupsSuite, plannedIdcGroupsJob } from "./suites/idc-groups";
import { REGION_RECOVERY_SUITES, regionRecoverySuites } from "./suites/region-recovery";
import { debianVersion, GO_TOOLS, goToolRecord } from "./tools";

/** The checkout this file is in. */
const ROOT = path.resolve(__dirname, "..");

/** Names of the database suites, for reporting them when they cannot run. */
const DB_SUITES = [
  "db-job: missing inputs",
  "db-job: full load",
  "db-job: rerun keeps every row",
  "db-job: interrupted load",
  "idc-groups-job: groups, priorities, enable_group",
  "idc-groups-job: rerun changes nothing",
  ...REGION_RECOVERY_SUITES,
];

/** Where the framework SQL files are: `TARS_SQL_ROOT`, else `../shared/reference/tars-sql` beside the checkout. */
function sqlRoot(): string {
  const configured = process.env.TARS_SQL_ROOT;
  return configured !== undefined && configured !== ""
    ? path.resolve(configured)
    : path.resolve(ROOT, "..", "shared", "reference", "tars-sql");
}

/** What is missing of the SQL tree the Job reads, or an empty list. */
function missingSql(root: string): string[] {
  const dirs = SQL_TREE_DIRS.map((d) => path.join(root, d));
  const files = TARS_SCHEMAS.flatMap((s) => (s.file === null ? [] : [s.file]));
  const missing: string[] = files.filter((f) => !dirs.some((d) => existsSync(path.join(d, f))));
  if (!existsSync(path.join(root, "framework/sql/template")))
    missing.push("framework/sql/template/");
  return missing;
}

const WHERE_TO_GET_SQL = `The files are those the image tarscloud/framework:v2.4.3 keeps under /usr/local/tars/cpp/deploy/, laid out the same way:
  framework/sql/*.sql and framework/sql/template/*  from TarsCloud/TarsFramework v2.4.3, deploy/framework/sql/
  web/sql/db_tars_web.sql, db_cache_web.sql, db_base.sql  from TarsCloud/TarsWeb v2.4.6, sql/
  web/demo/sql/db_user_system.sql  from TarsCloud/TarsWeb v2.4.6, demo/sql/
Put them in ../shared/reference/tars-sql beside the checkout (its README.md lists them), or set TARS_SQL_ROOT to such a folder.`;

/** The database suites on one private server, stopped at the end whatever happens. */
async function databaseSuites(
  root: string,
  stopOnSignal: (stop: () => Promise<void>) => void,
): Promise<SuiteResult[]> {
  const job = await plannedDbJob(ROOT);
  const groupsJob = await plannedIdcGroupsJob(ROOT);
  const db: MariaDb = await startMariaDb(`Root_${Math.random().toString(36).slice(2, 12)}`);
  const scratch = scratchDir();
  const cleanUp = async () => {
    await db.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
  stopOnSignal(cleanUp);
  try {
    const ctx: DbContext = { db, job, sqlRoot: root, scratch, env: jobEnv(db) };
    const suites: Suite[] = [
      missingInputsSuite(ctx),
      fullLoadSuite(ctx),
      rerunSuite(ctx),
      interruptedLoadSuite(ctx),
      // After the database suites: the group Job writes into the schema they loaded.
      ...[idcGroupsSuite, idcGroupsRerunSuite].map((suite) =>
        suite({ db, job: groupsJob, scratch, env: ctx.env }),
      ),
    ];
    const results: SuiteResult[] = [];
    for (const suite of suites) results.push(await runSuite(suite));
    return results;
  } finally {
    await cleanUp();
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    process.stderr.write(
      `npm run contract: unknown argument ${unknown.join(" ")}; usage: npm run contract [-- --json]\n`,
    );
    return 2;
  }
  const json = args.includes("--json");
  const requireTools = process.env.TARSFED_REQUIRE_SYSTEM_TOOLS === "1";
  const started = Date.now();
  const root = sqlRoot();
  const missing = missingSql(root);
  if (missing.length > 0) {
    process.stderr.write(
      `npm run contract: the TARS framework SQL files are not in ${root} (missing: ${missing.join(", ")}).\n${WHERE_TO_GET_SQL}\n`,
    );
    return 1;
  }
  let pendingStop: (() => Promise<void>) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    void (pendingStop?.() ?? Promise.resolve()).finally(() =>
      process.exit(signal === "SIGINT" ? 130 : 143),
    );
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  const suites: SuiteResult[] = [];
  const tools: Record<string, ToolRecord> = {};
  const noMariaDb = await mariadbMissing();
  if (noMariaDb === null) {
    const version = (await debianVersion("mariadb-server")) ?? "not from a Debian package";
    tools["mariadb-server"] = { module: "debian:mariadb-server", version };
    suites.push(...(await databaseSuites(root, (stop) => (pendingStop = stop))));
    // On a server of its own: the recovery SQL over the bare schema and its own rows.
    suites.push(...(await regionRecoverySuites(root, ROOT, (stop) => (pendingStop = stop))));
    pendingStop = undefined;
  } else {
    const reason = `MariaDB is needed to run the database Job's script: ${noMariaDb}`;
    process.stderr.write(`${reason}\n`);
    suites.push(
      ...DB_SUITES.map((name) =>
        requireTools ? failedToStart(name, reason) : notRun(name, reason),
      ),
    );
  }
  tools.tarscli = goToolRecord(GO_TOOLS.tarscli);
  suites.push(await runSuite(tarscliSuite(requireTools)));
  const report: ContractReport = { suites, tools };
  process.stdout.write(
    json ? renderJson(report) : renderText(report, (Date.now() - started) / 1000),
  );
  return suites.some(suiteFailed) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `npm run contract: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
