/**
 * The IDC group Job's script, as the demo fleet's plan renders it, on MariaDB over the real
 * framework schema (loaded by the database suites before it): it writes one group per region and
 * the fallback priorities, turns `enable_group` on, changes nothing on a rerun, and a server that
 * K8STARS' registry registers afterwards lands in its region's group.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadFleet } from "../../fleet/model/load";
import { type Json } from "../../fleet/stacks/plan-document";
import { FRAMEWORK_NAMESPACE } from "../../fleet/model/naming";
import { cidrSize, parseCidr } from "../../fleet/network/cidr";
import {
  formatIp,
  GROUP_OWNER,
  idcGroups,
  registryGroupMap,
  registryGroupOf,
  type IdcGroupsSpec,
} from "../../fleet/tars/idc-groups";
import { IDC_GROUPS, IDC_GROUPS_ENV } from "../../fleet/k8s/idc-groups";
import { planFleet } from "../../cli/plan/plan-fleet";
import { collectManifests } from "../../cli/manifests/collect";
import { run, type Ran } from "../exec";
import { type MariaDb, mysqlAs } from "../mariadb";
import { DEMO_FLEET, field, text } from "../plan";
import { type Checks, type Suite } from "../report";

/** The group Job as the plan renders it. */
export interface PlannedIdcGroupsJob {
  /** The Job container's command, e.g. `["/bin/bash", "/scripts/apply.sh"]`. */
  readonly command: readonly string[];
  /** The folder the ConfigMap is mounted at. */
  readonly mountPath: string;
  /** The ConfigMap's files, by key. */
  readonly files: Readonly<Record<string, string>>;
  /** The Secret the container takes its environment from. */
  readonly secretName: string;
  /** What the demo fleet's groups are: the oracle for the rows. */
  readonly spec: IdcGroupsSpec;
}

/** What the suite needs: the server, the planned Job, the Secret's values, a scratch folder. */
export interface IdcGroupsContext {
  readonly db: MariaDb;
  readonly job: PlannedIdcGroupsJob;
  readonly env: Readonly<Record<(typeof IDC_GROUPS_ENV)[number], string>>;
  readonly scratch: string;
}

/** Plans the demo fleet's home stack offline and reads the group Job and its ConfigMap. */
export async function plannedIdcGroupsJob(root: string): Promise<PlannedIdcGroupsJob> {
  const fleet = loadFleet(path.join(root, DEMO_FLEET));
  const plan = await planFleet(fleet, { stacks: [fleet.spec.homeRegion] });
  const { objects } = collectManifests(plan);
  const ours = objects.filter((o) => o.namespace === FRAMEWORK_NAMESPACE);
  const job = ours.find((o) => o.kind === "Job" && o.name.startsWith(`${IDC_GROUPS}-`));
  if (job === undefined) throw new Error(`the demo fleet's plan has no Job ${IDC_GROUPS}-<hash>`);
  const pod = field(job.object, "spec", "template", "spec");
  const container = field(pod, "containers", 0);
  const command = (field(container, "command") as Json[]).map((c) => text(c, "Job command"));
  const mount = field(container, "volumeMounts", 0);
  const volume = (field(pod, "volumes") as Json[]).find(
    (v) => field(v, "name") === field(mount, "name"),
  );
  const configMapName = text(field(volume, "configMap", "name"), "volume's ConfigMap");
  const configMap = ours.find((o) => o.kind === "ConfigMap" && o.name === configMapName);
  if (configMap === undefined) throw new Error(`the plan has no ConfigMap ${configMapName}`);
  const data = field(configMap.object, "data") as Record<string, Json>;
  const files = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, text(v, k)]));
  return {
    command,
    mountPath: text(field(mount, "mountPath"), "mountPath"),
    files,
    secretName: text(field(container, "envFrom", 0, "secretRef", "name"), "envFrom Secret"),
    spec: idcGroups(fleet.spec),
  };
}

/** Runs the Job's command on the ConfigMap's files, written to a folder of their own. */
async function runJob(ctx: IdcGroupsContext, leaveOut: readonly string[] = []): Promise<Ran> {
  const dir = path.join(ctx.scratch, "idc-groups");
  mkdirSync(dir, { recursive: true });
  for (const [key, content] of Object.entries(ctx.job.files))
    writeFileSync(path.join(dir, key), content, { mode: 0o755 });
  const [program = "", ...args] = ctx.job.command.map((c) =>
    c.startsWith(`${ctx.job.mountPath}/`)
      ? path.join(dir, c.slice(ctx.job.mountPath.length + 1))
      : c,
  );
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const key of IDC_GROUPS_ENV) if (!leaveOut.includes(key)) env[key] = ctx.env[key];
  return run(program, args, { env, timeoutSeconds: 300 });
}

async function rows(ctx: IdcGroupsContext, sql: string): Promise<string[][]> {
  const out = await ctx.db.sql(["-N", "-B", "db_tars", "-e", sql]);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
}

function explain(ran: Ran): string {
  return `exit ${String(ran.code)}; stderr: ${ran.stderr.trim() || "(none)"}; stdout tail: ${ran.stdout.trim().split("\n").slice(-3).join(" | ")}`;
}

/**
 * A server row as K8STARS' registry writes it when tarscli registers a pod: the columns and
 * values of K8STARS `tarsregistry/store/mysql.go` `RegisterServer` (enable_group not among them),
 * and its adapter as `RegistryAdapter` writes it.
 */
function registerServerSql(node: string, server: string, port: number): string {
  return `INSERT INTO t_server_conf (application, server_name, node_name, patch_version, present_state,
  enable_set, set_name, set_area, set_group, grid_flag,
  server_type, setting_state, registry_timestamp, patch_time, posttime)
VALUES ('TestApp', '${server}', '${node}', '1.0.3', 'active', 'N', '', '', '', 'NORMAL',
  'tars_cpp', 'active', CURRENT_TIMESTAMP(), CURRENT_TIMESTAMP(), CURRENT_TIMESTAMP())
ON DUPLICATE KEY UPDATE present_state = 'active', registry_timestamp = CURRENT_TIMESTAMP();
INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, servant, thread_num,
  endpoint, protocol, max_connections, queuecap, queuetimeout)
VALUES ('TestApp', '${server}', '${node}', 'TestApp.${server}.Obj', 'TestApp.${server}.Obj', 1,
  'tcp -h ${node} -p ${port} -t 60000', 'tars', 100000, 50000, 20000)
ON DUPLICATE KEY UPDATE endpoint = VALUES(endpoint);
`;
}

/**
 * What the registry makes of a server row: its endpoint host's group (`getGroupId`) as its
 * working group when `enable_group` is y, else -1 (TarsFramework `RegistryServer/DbHandle.cpp`
 * `loadObjectIdCache`), from the rows in the database.
 */
async function workingGroup(ctx: IdcGroupsContext, server: string): Promise<number | string> {
  const map = registryGroupMap(
    (await rows(ctx, "SELECT group_id, allow_ip_rule FROM t_server_group_rule")).map(
      ([id = "", rule = ""]) => ({ groupId: Number(id), allowIpRule: rule }),
    ),
  );
  const [row] = await rows(
    ctx,
    `SELECT s.enable_group, a.endpoint FROM t_server_conf s JOIN t_adapter_conf a USING (application, server_name, node_name) WHERE s.server_name = '${server}'`,
  );
  if (row === undefined) return `no row for ${server}`;
  const [enable = "", endpoint = ""] = row;
  const host = /-h (\S+)/.exec(endpoint)?.[1] ?? "";
  return enable.toLowerCase() === "y" ? registryGroupOf(map, host) : -1;
}

async function groupIds(ctx: IdcGroupsContext): Promise<Map<string, number>> {
  const found = await rows(ctx, "SELECT group_name, group_id FROM t_server_group_rule");
  return new Map(found.map(([name = "", id = ""]) => [name, Number(id)]));
}

/** The first run writes every group and priority and turns enable_group on. */
export function idcGroupsSuite(ctx: IdcGroupsContext): Suite {
  return {
    name: "idc-groups-job: groups, priorities, enable_group",
    async run(checks: Checks) {
      const unset = await runJob(ctx, ["DB_PASS"]);
      checks.that(
        "exits non-zero naming DB_PASS when the Secret lacks it",
        unset.code !== 0 && unset.stderr.includes("DB_PASS is not set"),
        explain(unset),
      );
      // Registered before the Job ever ran: the schema's default, N.
      await ctx.db.sql(["db_tars"], registerServerSql("10.10.68.7", "EarlyServer", 10001));
      const early = await rows(
        ctx,
        "SELECT enable_group FROM t_server_conf WHERE server_name = 'EarlyServer'",
      );
      checks.equal("a server registered before the Job has enable_group N", early, [["N"]]);
      const ran = await runJob(ctx);
      checks.that(
        "exits 0",
        ran.code === 0 && ran.stdout.includes("IDC groups applied"),
        explain(ran),
      );
      await groupChecks(ctx, checks);
      await priorityChecks(ctx, checks);
      const [[columnDefault = ""] = []] = await rows(
        ctx,
        "SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='db_tars' AND TABLE_NAME='t_server_conf' AND COLUMN_NAME='enable_group'",
      );
      checks.equal(
        "t_server_conf.enable_group defaults to Y",
        columnDefault.replaceAll("'", ""),
        "Y",
      );
      const ids = await groupIds(ctx);
      checks.equal(
        "the server registered before the Job now has enable_group Y and works in group guangzhou",
        await workingGroup(ctx, "EarlyServer"),
        ids.get("guangzhou"),
      );
      // Registered after: K8STARS' INSERT names no enable_group, so the new default applies.
      await mysqlAs(
        ctx.db,
        ctx.env.DB_USER,
        ctx.env.DB_PASS,
        `USE db_tars; ${registerServerSql("10.20.66.9", "HelloServer", 10001)}`,
      );
      const late = await rows(
        ctx,
        "SELECT enable_group FROM t_server_conf WHERE server_name = 'HelloServer'",
      );
      checks.equal("a server K8STARS' registry registers afterwards has enable_group Y", late, [
        ["Y"],
      ]);
      checks.equal(
        "its endpoint (a shanghai pod address) works in group shanghai",
        await workingGroup(ctx, "HelloServer"),
        ids.get("shanghai"),
      );
    },
  };
}

/** Every address of every node and pod range of the demo maps to its own region's group id. */
async function groupChecks(ctx: IdcGroupsContext, checks: Checks): Promise<void> {
  const found = await rows(
    ctx,
    "SELECT group_id, group_name, group_name_cn, ip_order, allow_ip_rule, denny_ip_rule, lastuser FROM t_server_group_rule ORDER BY group_name",
  );
  checks.equal(
    "one group per region, as the plan says, owned by tarsfed",
    found.map(([, name, cn, order, rule, denny, user]) => [name, cn, order, rule, denny, user]),
    ctx.job.spec.groups.map((g) => [
      g.name,
      g.tencentRegion,
      "allow_denny",
      g.rules.join("|"),
      "",
      GROUP_OWNER,
    ]),
  );
  const map = registryGroupMap(
    found.map(([id = "", , , , rule = ""]) => ({ groupId: Number(id), allowIpRule: rule })),
  );
  const ids = await groupIds(ctx);
  for (const group of ctx.job.spec.groups) {
    let wrong = "";
    let count = 0;
    for (const source of group.sources) {
      const parsed = parseCidr(source.cidrBlock);
      if (!parsed.ok) throw new Error(source.cidrBlock);
      for (let a = parsed.cidr.base; a < parsed.cidr.base + cidrSize(parsed.cidr); a++) {
        count++;
        const got = registryGroupOf(map, formatIp(a));
        if (got !== ids.get(group.name) && wrong === "") wrong = `${formatIp(a)} → group ${got}`;
      }
    }
    checks.that(
      `all ${count} addresses of ${group.name}'s node and pod ranges match group ${group.name} (${String(ids.get(group.name))}) in the registry's map of the stored rows`,
      wrong === "",
      wrong,
    );
  }
}

async function priorityChecks(ctx: IdcGroupsContext, checks: Checks): Promise<void> {
  const ids = await groupIds(ctx);
  const found = await rows(
    ctx,
    "SELECT name, group_list, list_order, station FROM t_group_priority ORDER BY list_order",
  );
  checks.equal(
    "the priority rows, in list_order, each group_list the ids of its regions' groups",
    found,
    ctx.job.spec.priorities.map((p) => [
      p.name,
      p.groups
        .map((g) => ids.get(g) ?? -1)
        .sort((a, b) => a - b)
        .join("|"),
      String(p.listOrder),
      p.name,
    ]),
  );
}

/** A rerun changes no row; hand edits to tarsfed's rows are undone, other rows are kept. */
export function idcGroupsRerunSuite(ctx: IdcGroupsContext): Suite {
  return {
    name: "idc-groups-job: rerun changes nothing",
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
      const ids = await groupIds(ctx);
      await ctx.db.sql(
        ["db_tars"],
        "UPDATE t_server_group_rule SET allow_ip_rule = '10.10.8.*' WHERE group_name = 'guangzhou';\n" +
          "INSERT INTO t_server_group_rule (allow_ip_rule, lastuser, group_name) VALUES ('10.99.0.*', 'tarsfed', 'chengdu'), ('192.168.7.*', 'admin', 'office');\n" +
          "INSERT INTO t_group_priority (name, group_list, list_order, station) VALUES ('tarsfed:chengdu+guangzhou', '1|9', 1, ''), ('office', '1', 9, 'office');\n",
      );
      const again = await runJob(ctx);
      checks.that("exits 0 after hand edits", again.code === 0, explain(again));
      const groups = await rows(
        ctx,
        "SELECT group_name, group_id FROM t_server_group_rule ORDER BY group_name",
      );
      checks.equal(
        "a region the fleet no longer has is gone, a group tarsfed does not own is kept, ids are kept",
        groups,
        [...[...ids].map(([n, id]) => [n, String(id)]), ["office", idOf(groups, "office")]].sort(
          (a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""),
        ),
      );
      const [[rule = ""] = []] = await rows(
        ctx,
        "SELECT allow_ip_rule FROM t_server_group_rule WHERE group_name = 'guangzhou'",
      );
      checks.equal(
        "guangzhou's hand-edited rules are the fleet's again",
        rule,
        ctx.job.spec.groups.find((g) => g.name === "guangzhou")?.rules.join("|"),
      );
      const names = (await rows(ctx, "SELECT name FROM t_group_priority ORDER BY name")).map(
        (r) => r[0],
      );
      checks.equal(
        "a priority row the fleet no longer implies is gone, one tarsfed does not own is kept",
        names,
        [...ctx.job.spec.priorities.map((p) => p.name), "office"].sort(),
      );
    },
  };
}

/** The id a row of `rows` has for `name`, as text. */
function idOf(rowsFound: string[][], name: string): string {
  return rowsFound.find((r) => r[0] === name)?.[1] ?? "(missing)";
}

function firstDifference(a: string, b: string): string {
  const left = a.split("\n");
  const right = b.split("\n");
  const i = left.findIndex((line, n) => line !== right[n]);
  return i < 0
    ? `lengths ${left.length} and ${right.length}`
    : `line ${i + 1}: ${left[i]?.slice(0, 200)} → ${right[i]?.slice(0, 200)}`;
}
