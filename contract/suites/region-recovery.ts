/**
 * The recovery SQL of a lost region (`fleet/operations/region-recovery.ts`), run by its Job's own
 * command (`fleet/k8s/region-recovery.ts`) as the framework user, on a private MariaDB holding the
 * real framework schema (`framework/sql/db_tars.sql`) in MySQL 5.7's default SQL mode, with rows
 * for the demo fleet's three regions as the registries write them. Guangzhou, the home region, is
 * lost; shanghai and beijing live.
 *
 * Checks: a read-only server (the DR replica before its promotion) is refused before anything
 * changes; exactly guangzhou's node and server rows become inactive; the living regions' active
 * node rows get a fresh heartbeat, and a heartbeat under 40 s old is kept; the t_registry_info
 * rows stay as they are (the registries run with heartbeatoff=Y and write none); every other
 * column of every row, and every other table, is unchanged; the registry's own node timeout, run
 * right after, marks no living node inactive and leaves exactly the living endpoints active; a
 * second run changes nothing.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { loadFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { parseCidr } from "../../fleet/network/cidr";
import { formatIp } from "../../fleet/tars/idc-groups";
import {
  HEARTBEAT_FRESH_SECONDS,
  livingRegions,
  NODE_TIMEOUT_SECONDS,
  type RegionRange,
  regionRanges,
} from "../../fleet/operations/region-recovery";
import { DB_PASSWORD_KEY, regionRecoveryJob } from "../../fleet/k8s/region-recovery";
import { DB_ADMIN_USER } from "../../fleet/k8s/db-config";
import { run, type Ran } from "../exec";
import { type MariaDb, startMariaDb } from "../mariadb";
import { DEMO_FLEET } from "../plan";
import { type Checks, runSuite, type Suite, type SuiteResult } from "../report";

/** The suites' names, for reporting them when they cannot run. */
export const REGION_RECOVERY_SUITES = [
  "region-recovery: read-only server refused",
  "region-recovery: lost rows inactive, living heartbeats fresh",
  "region-recovery: rerun changes nothing",
] as const;

/** The region the suites lose: the demo's home region. */
const LOST = "guangzhou";

/**
 * MySQL 5.7's default `sql_mode`, strict: an UPDATE whose WHERE raises a warning such as
 * INET_ATON's 1411 fails under it.
 * @see https://dev.mysql.com/doc/refman/5.7/en/sql-mode.html#sql-mode-setting
 */
const MYSQL57_SQL_MODE =
  "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION";

/** The tables the SQL may change; every other table of db_tars must stay as it was. */
const TOUCHED = ["t_node_info", "t_server_conf", "t_adapter_conf", "t_registry_info"] as const;
type Touched = (typeof TOUCHED)[number];

/** What the suites share. */
interface RecoveryContext {
  readonly db: MariaDb;
  readonly fleet: FleetSpec;
  /** The Job container's command and env, the Secret's variables added. */
  readonly command: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

type Row = Record<string, string>;
type Tables = Record<Touched, Row[]>;

/** A node (pod or CVM) of the fixture and what the registries wrote for it. */
interface NodeFixture {
  readonly ip: string;
  readonly present: "active" | "inactive";
  /** Seconds since its last heartbeat. */
  readonly age: number;
  /** Its server's present_state, or none. */
  readonly server?: "active" | "inactive";
  readonly processId?: number;
}

/** The `n`th address of a range. */
function addressIn(range: RegionRange | undefined, n: number): string {
  if (range === undefined) throw new Error("the demo fleet lost a range the suite uses");
  const parsed = parseCidr(range.cidrBlock);
  if (!parsed.ok) throw new Error(range.cidrBlock);
  return formatIp(parsed.cidr.base + n);
}

/** The fixture's nodes: every kind of row in each region, and rows of no region. */
function fixture(fleet: FleetSpec): NodeFixture[] {
  const ranges = (region: string, key: string) =>
    regionRanges(fleet, region).find((r) => r.key.startsWith(key));
  const outage = 20 * 60;
  return [
    // guangzhou (lost): a VPC-CNI pod, a GR pod, a CVM's tarsnode, a pod already gone.
    {
      ip: addressIn(ranges(LOST, "pod-gz1-"), 17),
      present: "active",
      age: outage,
      server: "active",
    },
    {
      ip: addressIn(ranges(LOST, "pod-gz2"), 300),
      present: "active",
      age: outage,
      server: "active",
    },
    {
      ip: addressIn(ranges(LOST, "node-"), 5),
      present: "active",
      age: outage,
      server: "active",
      processId: 4242,
    },
    {
      ip: addressIn(ranges(LOST, "pod-gz1-"), 40),
      present: "inactive",
      age: 3 * outage,
      server: "inactive",
    },
    // shanghai (living): silent since the outage, heartbeating again, a node row lagging its
    // server, and a pod that was gone before the outage.
    {
      ip: addressIn(ranges("shanghai", "pod-"), 9),
      present: "active",
      age: outage,
      server: "active",
    },
    { ip: addressIn(ranges("shanghai", "pod-"), 10), present: "active", age: 5, server: "active" },
    {
      ip: addressIn(ranges("shanghai", "pod-"), 11),
      present: "inactive",
      age: outage,
      server: "active",
    },
    {
      ip: addressIn(ranges("shanghai", "pod-"), 12),
      present: "inactive",
      age: 3 * outage,
      server: "inactive",
    },
    // beijing (living): a CVM's tarsnode and a pod.
    {
      ip: addressIn(ranges("beijing", "node-"), 6),
      present: "active",
      age: outage,
      server: "active",
      processId: 777,
    },
    {
      ip: addressIn(ranges("beijing", "pod-"), 3),
      present: "active",
      age: outage,
      server: "active",
    },
    // No region: not an address, not an IPv4 address, outside every range, inside guangzhou's
    // VPC but in none of its group's ranges.
    { ip: "localip.tars.com", present: "active", age: outage, server: "active" },
    { ip: "10.10.8.300", present: "active", age: outage, server: "active" },
    { ip: "192.168.7.9", present: "active", age: outage },
    { ip: "10.10.80.5", present: "active", age: outage, server: "active" },
  ];
}

/** The registries' rows: tarsAdminRegistry's in each region, as `updateRegistryInfo2Db` writes them. */
function registryFixture(fleet: FleetSpec) {
  const pod = (region: string, n: number) =>
    addressIn(
      regionRanges(fleet, region).find((r) => r.role === "pod"),
      n,
    );
  return [
    { ip: pod(LOST, 50), present: "active", age: 20 * 60 },
    { ip: pod("shanghai", 50), present: "active", age: 20 * 60 },
    { ip: pod("shanghai", 51), present: "inactive", age: 60 * 60 },
    { ip: pod("beijing", 50), present: "active", age: 10 },
    { ip: "192.168.7.10", present: "active", age: 20 * 60 },
  ] as const;
}

const q = (value: string) => `'${value.replaceAll("'", "''")}'`;
const ago = (seconds: number) => `NOW() - INTERVAL ${seconds} SECOND`;

/**
 * The rows, with the columns and values the registries write: K8STARS `tarsregistry/store/
 * mysql.go` (`RegisterNode`, `RegisterServer`, `RegistryAdapter`) for pods, and a tarsnode's
 * servers with a process id, as TarsFramework's registry records them (`DbHandle.cpp`).
 */
function fixtureSql(fleet: FleetSpec): string {
  const lines: string[] = [];
  fixture(fleet).forEach((node, i) => {
    lines.push(
      `INSERT INTO t_node_info (node_name, node_obj, endpoint_ip, endpoint_port, last_reg_time, last_heartbeat, setting_state, present_state, modify_time)
VALUES (${q(node.ip)}, ${q(`tars.tarsnode.NodeObj@tcp -h ${node.ip} -p 0`)}, ${q(node.ip)}, 0, ${ago(node.age + 3600)}, ${ago(node.age)}, 'active', ${q(node.present)}, ${ago(node.age)});`,
    );
    if (node.server === undefined) return;
    const server = `Server${i}`;
    lines.push(
      `INSERT INTO t_server_conf (application, server_name, node_name, patch_version, present_state, enable_set, set_name, set_area, set_group, grid_flag, server_type, setting_state, registry_timestamp, patch_time, posttime, process_id)
VALUES ('TestApp', ${q(server)}, ${q(node.ip)}, '1.0.3', ${q(node.server)}, 'Y', 'app', 'gz', '1', 'NORMAL', 'tars_cpp', 'active', ${ago(node.age)}, ${ago(node.age + 3600)}, ${ago(node.age + 3600)}, ${node.processId ?? 0});`,
      `INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, servant, thread_num, endpoint, protocol, max_connections, queuecap, queuetimeout, registry_timestamp)
VALUES ('TestApp', ${q(server)}, ${q(node.ip)}, ${q(`TestApp.${server}.ObjAdapter`)}, ${q(`TestApp.${server}.Obj`)}, 1, ${q(`tcp -h ${node.ip} -p 10001 -t 60000`)}, 'tars', 100000, 50000, 20000, ${ago(node.age)});`,
    );
  });
  for (const r of registryFixture(fleet)) {
    lines.push(
      `INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version, modify_time)
VALUES (${q(`${r.ip}:12000`)}, 'tars.tarsAdminRegistry.AdminRegObj', ${q(`tcp -h ${r.ip} -p 12000 -t 60000`)}, ${ago(r.age)}, ${q(r.present)}, '2.4.3', ${ago(r.age)});`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The region whose ranges hold `name`, when it is a dotted quad; else null. */
function regionOf(fleet: FleetSpec, name: string): string | null {
  if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(name))
    return null;
  const address = name.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  for (const region of fleet.regions) {
    for (const range of regionRanges(fleet, region.name)) {
      const parsed = parseCidr(range.cidrBlock);
      if (!parsed.ok) continue;
      const size = 2 ** (32 - parsed.cidr.prefix);
      if (address >= parsed.cidr.base && address < parsed.cidr.base + size) return region.name;
    }
  }
  return null;
}

/** Starts a private server, loads the real schema and the fixture, and runs the suites on it. */
export async function regionRecoverySuites(
  sqlRoot: string,
  root: string,
  stopOnSignal: (stop: () => Promise<void>) => void,
): Promise<SuiteResult[]> {
  const fleet = loadFleet(path.join(root, DEMO_FLEET)).spec;
  const db = await startMariaDb(`Root_${Math.random().toString(36).slice(2, 12)}`);
  stopOnSignal(() => db.stop());
  try {
    const password = `Tf_${Math.random().toString(36).slice(2, 12)}-9Q`;
    await db.sql([], "CREATE DATABASE db_tars DEFAULT CHARACTER SET utf8");
    await db.sql(
      ["db_tars"],
      readFileSync(path.join(sqlRoot, "framework/sql/db_tars.sql"), "utf8"),
    );
    await db.sql(
      [],
      `CREATE USER '${DB_ADMIN_USER}'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON db_tars.* TO '${DB_ADMIN_USER}'@'%'; SET GLOBAL sql_mode = '${MYSQL57_SQL_MODE}';`,
    );
    await db.sql(["db_tars"], fixtureSql(fleet));
    // The Job as the procedure creates it, pointed at the private server (host and port); its
    // password reference resolved as the kubelet would, from the Secret's key.
    const job = regionRecoveryJob(fleet, LOST, { dbHost: db.host });
    const container = job.spec.template.spec?.containers[0];
    if (container?.command === undefined) throw new Error("the recovery Job has no command");
    const secret: Record<string, string> = { [DB_PASSWORD_KEY]: password };
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    for (const e of container.env ?? []) {
      const key = e.valueFrom?.secretKeyRef?.key;
      env[e.name] = key === undefined ? e.value : secret[key];
    }
    env.DB_PORT = String(db.port);
    if (env.DB_USER !== DB_ADMIN_USER || env.DB_PASS !== password)
      throw new Error(
        `the recovery Job's env does not log in as ${DB_ADMIN_USER} with the Secret's password`,
      );
    const ctx: RecoveryContext = { db, fleet, command: container.command, env };
    const results: SuiteResult[] = [];
    for (const suite of [readOnlySuite(ctx), recoverySuite(ctx), rerunSuite(ctx)])
      results.push(await runSuite(suite));
    return results;
  } finally {
    await db.stop();
  }
}

function runJob(ctx: RecoveryContext): Promise<Ran> {
  const [program = "", ...args] = ctx.command;
  return run(program, args, { env: ctx.env, timeoutSeconds: 300 });
}

function explain(ran: Ran): string {
  return `exit ${String(ran.code)}; stderr: ${ran.stderr.trim() || "(none)"}; stdout: ${ran.stdout.trim().split("\n").join(" | ")}`;
}

/** A table's rows by id, each as column → value (`NULL` for null). */
async function table(db: MariaDb, name: string): Promise<Row[]> {
  const out = await db.sql(["-B", "db_tars", "-e", `SELECT * FROM ${name} ORDER BY id`]);
  const [header = "", ...lines] = out.split("\n").filter((l) => l !== "");
  const columns = header.split("\t");
  return lines.map((line) => {
    const values = line.split("\t");
    return Object.fromEntries(columns.map((c, i) => [c, values[i] ?? ""]));
  });
}

async function tables(db: MariaDb): Promise<Tables> {
  const entries = await Promise.all(TOUCHED.map(async (t) => [t, await table(db, t)] as const));
  return Object.fromEntries(entries) as Tables;
}

async function now(db: MariaDb): Promise<string> {
  return (await db.sql(["-N", "-B", "-e", "SELECT NOW()"])).trim();
}

/** The dump of db_tars without the rows of the tables the SQL may change (their INSERT statements). */
function untouchedDump(dump: string): string {
  const kept: string[] = [];
  let skipping = false;
  for (const line of dump.split("\n")) {
    if (TOUCHED.some((t) => line.startsWith(`INSERT INTO \`${t}\``))) skipping = true;
    if (!skipping) kept.push(line);
    // An INSERT ends with the line ending in ");" (one row per line, or all on one line).
    if (skipping && line.endsWith(");")) skipping = false;
  }
  return kept.join("\n");
}

/** The DR replica before its promotion is read-only: the Job stops before changing anything. */
function readOnlySuite(ctx: RecoveryContext): Suite {
  return {
    name: REGION_RECOVERY_SUITES[0],
    async run(checks: Checks) {
      const before = await ctx.db.dump(["db_tars"]);
      await ctx.db.sql([], "SET GLOBAL read_only = 1");
      const ran = await runJob(ctx).finally(() => ctx.db.sql([], "SET GLOBAL read_only = 0"));
      checks.that(
        "exits non-zero saying the server is read-only and the replica must be promoted",
        ran.code !== 0 && ran.stderr.includes("is read-only (read_only=1): promote the DR replica"),
        explain(ran),
      );
      const after = await ctx.db.dump(["db_tars"]);
      checks.that(
        "db_tars is unchanged (dump identical)",
        after === before,
        firstDifference(before, after),
      );
    },
  };
}

/** Timestamp columns the server sets itself when a row changes (`ON UPDATE CURRENT_TIMESTAMP`). */
const ON_UPDATE: Record<Touched, string | null> = {
  t_node_info: "modify_time",
  t_server_conf: "registry_timestamp",
  t_adapter_conf: "registry_timestamp",
  t_registry_info: "modify_time",
};

const FRESH = "(set by the run)";

/** What each row must be after the run; changed timestamps read {@link FRESH}. */
function expectedAfter(ctx: RecoveryContext, before: Tables, startedAt: string): Tables {
  const living = new Set(livingRegions(ctx.fleet, LOST));
  const stale = (at: string) =>
    Date.parse(`${at}Z`) < Date.parse(`${startedAt}Z`) - HEARTBEAT_FRESH_SECONDS * 1000;
  const activeServerNodes = new Set(
    before.t_server_conf.filter((s) => s.present_state === "active").map((s) => s.node_name),
  );
  const change = (t: Touched, row: Row, region: (r: Row) => string | null): Row => {
    const where = region(row);
    const next = { ...row };
    if (where === LOST) {
      if (t === "t_server_conf")
        Object.assign(next, { present_state: "inactive", process_id: "0" });
      if (t === "t_node_info") next.present_state = "inactive";
    } else if (where !== null && living.has(where) && stale(row.last_heartbeat ?? "")) {
      if (
        t === "t_node_info" &&
        (row.present_state === "active" || activeServerNodes.has(row.node_name))
      )
        next.last_heartbeat = FRESH;
    }
    const onUpdate = ON_UPDATE[t];
    if (onUpdate !== null && JSON.stringify(next) !== JSON.stringify(row)) next[onUpdate] = FRESH;
    return next;
  };
  const byNode = (r: Row) => regionOf(ctx.fleet, r.node_name ?? "");
  const byEndpoint = (r: Row) => regionOf(ctx.fleet, /-h (\S+)/.exec(r.endpoint ?? "")?.[1] ?? "");
  return {
    t_node_info: before.t_node_info.map((r) => change("t_node_info", r, byNode)),
    t_server_conf: before.t_server_conf.map((r) => change("t_server_conf", r, byNode)),
    t_adapter_conf: before.t_adapter_conf.map((r) => change("t_adapter_conf", r, byNode)),
    t_registry_info: before.t_registry_info.map((r) => change("t_registry_info", r, byEndpoint)),
  };
}

/** The rows after the run, each timestamp that moved into [startedAt, endedAt] read as {@link FRESH}. */
function normalised(before: Tables, after: Tables, startedAt: string, endedAt: string): Tables {
  const columns = ["last_heartbeat", "modify_time", "registry_timestamp"];
  const result = {} as Tables;
  for (const t of TOUCHED) {
    result[t] = after[t].map((row, i) => {
      const old = before[t][i] ?? {};
      const next = { ...row };
      for (const c of columns) {
        const value = row[c];
        if (value !== undefined && value !== old[c] && value >= startedAt && value <= endedAt)
          next[c] = FRESH;
      }
      return next;
    });
  }
  return result;
}

/** The first run: exactly the lost region's rows inactive, the living's heartbeats fresh, nothing else. */
function recoverySuite(ctx: RecoveryContext): Suite {
  return {
    name: REGION_RECOVERY_SUITES[1],
    async run(checks: Checks) {
      const before = await tables(ctx.db);
      const dumpBefore = await ctx.db.dump(["db_tars"]);
      const startedAt = await now(ctx.db);
      const ran = await runJob(ctx);
      const endedAt = await now(ctx.db);
      checks.that(
        "exits 0 as the framework user",
        ran.code === 0 && ran.stdout.includes("region recovery applied"),
        explain(ran),
      );
      const after = await tables(ctx.db);
      const expected = expectedAfter(ctx, before, startedAt);
      const nodes = (rows: Row[], state: string) =>
        rows.filter((r) => r.present_state === state).map((r) => r.node_name);
      const activeBefore = new Set(nodes(before.t_node_info, "active"));
      checks.equal(
        `the nodes marked inactive are exactly guangzhou's active ones (VPC-CNI pod, GR pod, CVM)`,
        nodes(after.t_node_info, "inactive").filter((n) => activeBefore.has(n)),
        before.t_node_info
          .filter(
            (r) => r.present_state === "active" && regionOf(ctx.fleet, r.node_name ?? "") === LOST,
          )
          .map((r) => r.node_name),
      );
      checks.equal(
        "the servers marked inactive are exactly guangzhou's active ones, with process_id 0",
        after.t_server_conf
          .filter((r) => r.present_state === "inactive")
          .map((r) => [r.node_name, r.process_id]),
        before.t_server_conf
          .filter(
            (r) =>
              r.present_state === "inactive" || regionOf(ctx.fleet, r.node_name ?? "") === LOST,
          )
          .map((r) => [
            r.node_name,
            regionOf(ctx.fleet, r.node_name ?? "") === LOST ? "0" : r.process_id,
          ]),
      );
      for (const t of TOUCHED)
        checks.equal(
          `${t}: every column of every row is as expected (changed timestamps set during the run, all else as before)`,
          normalised(before, after, startedAt, endedAt)[t],
          expected[t],
        );
      const fresh = (at: string | undefined) =>
        at !== undefined &&
        Date.parse(`${at}Z`) >= Date.parse(`${endedAt}Z`) - HEARTBEAT_FRESH_SECONDS * 1000;
      const livingActive = after.t_node_info.filter(
        (r) =>
          r.present_state === "active" &&
          livingRegions(ctx.fleet, LOST).includes(regionOf(ctx.fleet, r.node_name ?? "") ?? ""),
      );
      checks.that(
        `every active node of shanghai and beijing has a heartbeat under ${HEARTBEAT_FRESH_SECONDS} s old`,
        livingActive.length === 4 && livingActive.every((r) => fresh(r.last_heartbeat)),
        JSON.stringify(livingActive.map((r) => [r.node_name, r.last_heartbeat])),
      );
      checks.equal(
        "the shanghai pod that had heartbeated 5 s before keeps its heartbeat",
        after.t_node_info[5]?.last_heartbeat,
        before.t_node_info[5]?.last_heartbeat,
      );
      const [kept, was] = [
        untouchedDump(await ctx.db.dump(["db_tars"])),
        untouchedDump(dumpBefore),
      ];
      checks.that(
        "every other table of db_tars is unchanged (dump without the four tables' rows identical)",
        kept === was,
        firstDifference(was, kept),
      );
      checks.equal("prints what it changed", ran.stdout.trim().split("\n"), [
        "3 t_node_info rows of guangzhou marked inactive",
        "3 t_server_conf rows of guangzhou marked inactive",
        "4 t_node_info heartbeats of beijing and shanghai refreshed",
        "region recovery applied",
      ]);
      await registryChecks(ctx, checks);
    },
  };
}

/**
 * What the registry makes of the rows right after: its node timeout (TarsFramework v2.4.3
 * `RegistryServer/DbHandle.cpp` `checkNodeTimeout`: node and server `present_state` inactive,
 * `process_id` 0, for nodes silent for `nodeTimeout` s) run in a transaction that is rolled back,
 * then the endpoints it would hand out as active (`loadObjectIdCache`: the adapters of servers
 * whose `setting_state` and `present_state` are both active).
 */
async function registryChecks(ctx: RecoveryContext, checks: Checks): Promise<void> {
  const out = await ctx.db.sql(
    ["-N", "-B", "db_tars"],
    `START TRANSACTION;
UPDATE t_node_info AS node LEFT JOIN t_server_conf AS server USING (node_name)
  SET node.present_state = 'inactive', server.present_state = 'inactive', server.process_id = 0
  WHERE node.last_heartbeat < DATE_SUB(NOW(), INTERVAL ${NODE_TIMEOUT_SECONDS} SECOND);
SELECT CONCAT('endpoint ', adapter.endpoint) FROM t_adapter_conf AS adapter
  JOIN t_server_conf AS server USING (application, server_name, node_name)
  WHERE server.setting_state = 'active' AND server.present_state = 'active' ORDER BY adapter.id;
ROLLBACK;
`,
  );
  const hosts = out
    .split("\n")
    .filter((l) => l.startsWith("endpoint "))
    .map((l) => /-h (\S+)/.exec(l)?.[1] ?? l);
  const living = livingRegions(ctx.fleet, LOST);
  const expected = fixture(ctx.fleet)
    .filter((n) => n.server === "active" && living.includes(regionOf(ctx.fleet, n.ip) ?? ""))
    .map((n) => n.ip);
  checks.equal(
    `after the registry's own ${NODE_TIMEOUT_SECONDS} s node timeout, the active endpoints are exactly the living regions' active servers`,
    hosts,
    expected,
  );
}

/** A second run changes no row. */
function rerunSuite(ctx: RecoveryContext): Suite {
  return {
    name: REGION_RECOVERY_SUITES[2],
    async run(checks: Checks) {
      const before = await ctx.db.dump(["db_tars"]);
      const ran = await runJob(ctx);
      checks.that("exits 0", ran.code === 0, explain(ran));
      const after = await ctx.db.dump(["db_tars"]);
      checks.that(
        "db_tars is the same, byte for byte (dump identical)",
        after === before,
        firstDifference(before, after),
      );
      checks.equal(
        "prints that it changed nothing",
        ran.stdout
          .trim()
          .split("\n")
          .map((l) => l.split(" ")[0]),
        ["0", "0", "0", "region"],
      );
    },
  };
}

function firstDifference(a: string, b: string): string {
  const left = a.split("\n");
  const right = b.split("\n");
  const i = left.findIndex((line, n) => line !== right[n]);
  return i < 0
    ? `lengths ${left.length} and ${right.length}`
    : `line ${i + 1}: ${left[i]?.slice(0, 300)} → ${right[i]?.slice(0, 300)}`;
}
