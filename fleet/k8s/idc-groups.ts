/**
 * The Job that writes the fleet's IDC groups into the framework database, and the ConfigMap that
 * holds its SQL beside a readable table of the rules, so a pull request's plan shows them.
 *
 * The SQL (`fleet/tars/idc-groups.ts` says what the registry does with each row):
 * - sets `t_server_conf.enable_group`'s default to `Y` and turns it on for every server row.
 *   K8STARS' registry inserts `t_server_conf` rows without naming `enable_group` (K8STARS
 *   `tarsregistry/store/mysql.go` `RegisterServer`), so every server tarscli registers from now on
 *   takes the default; the framework schema's default is `N` (TarsFramework
 *   `deploy/framework/sql/db_tars.sql`), which would leave every endpoint out of every group;
 * - upserts one `t_server_group_rule` row per region (by `group_name`) and deletes the rows of
 *   regions the fleet no longer has (those whose `lastuser` is tarsfed's);
 * - upserts the `t_group_priority` rows (by `name`), their `group_list` made of the group ids the
 *   database gave, and deletes tarsfed's rows the fleet no longer implies.
 *
 * Rerunning it changes no row: an UPDATE that sets the values a row has changes nothing (not even
 * `modify_time`, an `ON UPDATE CURRENT_TIMESTAMP` column), and rows are inserted only when absent,
 * with `INSERT … SELECT … WHERE NOT EXISTS` rather than `ON DUPLICATE KEY UPDATE`, which would
 * spend an auto-increment id on every rerun.
 *
 * The Job's name carries a hash of the SQL, so it runs again exactly when the SQL changes; the
 * registry Deployments carry the same hash in their pod template (`registry.ts`), so they restart,
 * and read the new rules at once, instead of within the hour their full reload takes.
 */
import { createHash } from "node:crypto";
import { type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { type IJob } from "kubernetes-models/batch/v1/Job";
import { type FleetSpec } from "../model/model";
import { FRAMEWORK_NAMESPACE } from "../model/naming";
import { DB_INIT_SIZE } from "../tars/framework";
import {
  allowIpRule,
  GROUP_OWNER,
  type IdcGroupsSpec,
  idcGroups,
  PRIORITY_NAME_PREFIX,
} from "../tars/idc-groups";
import { DB_INIT_SECRET, dbClientImage } from "./database";
import { dbConfigEnv, FRAMEWORK_SQL_CLIENT, jobDbHost } from "./db-config";
import { frameworkLabels } from "./servers";
import { containerResources } from "./tarscli";
import { hardenTemplate, ImageProfile } from "./pod-security";
import { type Named, type Spec } from "./types";

/** Name of the ConfigMap, and the start of the Job's name. */
export const IDC_GROUPS = "tars-idc-groups";

/** The ConfigMap's keys: the Job's script, the SQL it applies, and the table for people. */
export const IDC_GROUPS_KEYS = {
  script: "apply.sh",
  sql: "groups.sql",
  table: "groups.txt",
} as const;

/** The pod-template annotation holding the groups' hash, on the Job and on every registry. */
export const IDC_GROUPS_HASH_ANNOTATION = "tarsfed.io/idc-groups-hash";

/**
 * The variables the Job reads: the framework user, which owns db_tars. The host, port and user
 * are plain env values (`db-config.ts`), the password comes from {@link DB_INIT_SECRET}.
 */
export const IDC_GROUPS_ENV = ["DB_HOST", "DB_PORT", "DB_USER", "DB_PASS"] as const;

/** Where the Job's container sees the ConfigMap. */
const SCRIPTS_PATH = "/scripts";

/** A value as a SQL string literal. */
function quote(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

const list = (values: readonly string[]) => values.map(quote).join(", ");

/** The statements that turn `enable_group` on. */
function enableGroupSql(): string {
  return `-- enable_group: on for every server registered from now on, and for those already there.
ALTER TABLE t_server_conf ALTER COLUMN enable_group SET DEFAULT 'Y';
UPDATE t_server_conf SET enable_group = 'Y' WHERE enable_group IS NULL OR enable_group <> 'Y';
`;
}

/** One region's group row, upserted by name. */
function groupSql(name: string, tencentRegion: string, rule: string): string {
  const values = {
    ip_order: quote("allow_denny"),
    allow_ip_rule: quote(rule),
    denny_ip_rule: quote(""),
    lastuser: quote(GROUP_OWNER),
    group_name: quote(name),
    group_name_cn: quote(tencentRegion),
  };
  const set = Object.entries(values)
    .filter(([column]) => column !== "group_name")
    .map(([column, value]) => `${column} = ${value}`)
    .join(", ");
  return `UPDATE t_server_group_rule SET ${set} WHERE group_name = ${values.group_name};
INSERT INTO t_server_group_rule (${Object.keys(values).join(", ")})
  SELECT ${Object.values(values).join(", ")} FROM DUAL
  WHERE NOT EXISTS (SELECT 1 FROM t_server_group_rule WHERE group_name = ${values.group_name});
`;
}

/** One priority row, upserted by name, its group list made of the groups' ids. */
function prioritySql(name: string, groups: readonly string[], listOrder: number): string {
  const ids = `(SELECT GROUP_CONCAT(group_id ORDER BY group_id SEPARATOR '|') FROM t_server_group_rule WHERE group_name IN (${list(groups)}))`;
  return `UPDATE t_group_priority SET group_list = ${ids}, list_order = ${listOrder}, station = ${quote(name)} WHERE name = ${quote(name)};
INSERT INTO t_group_priority (name, group_list, list_order, station)
  SELECT ${quote(name)}, ${ids}, ${listOrder}, ${quote(name)} FROM DUAL
  WHERE NOT EXISTS (SELECT 1 FROM t_group_priority WHERE name = ${quote(name)});
`;
}

/** The SQL the Job applies to db_tars; the same fleet always gives the same text. */
export function idcGroupsSql(spec: IdcGroupsSpec): string {
  const groups = spec.groups.map((g) => groupSql(g.name, g.tencentRegion, allowIpRule(g)));
  const priorities = spec.priorities.map((p) => prioritySql(p.name, p.groups, p.listOrder));
  const names = spec.groups.map((g) => g.name);
  const rows = spec.priorities.map((p) => p.name);
  return `-- Created by tarsfed (fleet/k8s/idc-groups.ts): every region of the fleet as a TARS IDC group.
-- Runs in db_tars; rerunning it changes no row.
${enableGroupSql()}
START TRANSACTION;
-- Groups: one per region; rules are exact addresses or a.b.c.*, split on |.
${groups.join("")}DELETE FROM t_server_group_rule WHERE lastuser = ${quote(GROUP_OWNER)} AND group_name NOT IN (${list(names)});
-- Priorities: a caller with no active endpoint in its group tries these rows in list_order.
${priorities.join("")}DELETE FROM t_group_priority WHERE name LIKE ${quote(`${PRIORITY_NAME_PREFIX}%`)} AND name NOT IN (${list(rows)});
COMMIT;
`;
}

/** The first 12 hex digits of the SHA-256 of the fleet's group SQL. */
export function idcGroupsHash(fleet: FleetSpec): string {
  return createHash("sha256")
    .update(idcGroupsSql(idcGroups(fleet)))
    .digest("hex")
    .slice(0, 12);
}

/** Most rules a source shows in full in the table. */
const TABLE_RULES = 8;

/** The rules and priorities as a table for a reviewer. */
export function idcGroupsTable(spec: IdcGroupsSpec, hash: string): string {
  const lines = [
    `TARS IDC groups (t_server_group_rule), one per region; hash ${hash}.`,
    "A caller's address picks its group: exact address first, then a.b.c.*.",
    "",
  ];
  for (const group of spec.groups) {
    lines.push(`${group.name} (${group.tencentRegion}): ${group.rules.length} rules`);
    for (const source of group.sources) {
      const { rules } = source;
      // A GR pod CIDR is hundreds of /24s: the first and the last say which; the SQL has them all.
      const shown =
        rules.length <= TABLE_RULES
          ? rules.join(" ")
          : `${rules[0]} … ${rules.at(-1)} (${rules.length} rules)`;
      lines.push(
        `  ${source.role.padEnd(4)} ${source.key.padEnd(28)} ${source.cidrBlock.padEnd(18)} ${shown}`,
      );
    }
  }
  // Only callers outside a Set read these rows (TarsFramework RegistryServer/QueryImp.cpp
  // findObjectByIdInSameGroup, DbHandle.cpp findObjectByIdInGroupPriority); a Set's callers are
  // answered from the Set alone (TarsCpp servant/libservant/EndpointManager.cpp).
  lines.push(
    "",
    "Fallback (t_group_priority), for callers outside a Set whose own group has no live endpoint:",
    "the rows holding the caller's group are tried in list_order, the first with a live endpoint wins.",
  );
  for (const row of spec.priorities) {
    const why =
      row.sets.length === 0
        ? "any region"
        : `regions linked by the standbys of ${row.sets.join(", ")}`;
    lines.push(`  ${String(row.listOrder).padStart(2)}  ${row.groups.join(" | ")}: ${why}`);
  }
  lines.push("", "enable_group: Y for every server (the column's default, and existing rows).");
  return `${lines.join("\n")}\n`;
}

/** The Job's script: checks its environment, waits for MySQL and the schema, applies the SQL. */
export function idcGroupsScript(): string {
  return `#!/bin/bash
# Created by tarsfed (fleet/k8s/idc-groups.ts): writes the fleet's IDC groups into db_tars by
# applying ${IDC_GROUPS_KEYS.sql}, which sits beside this script; see ${IDC_GROUPS_KEYS.table} there.
set -euo pipefail

fail() { echo "tars-idc-groups: $*" >&2; exit 1; }

for name in ${IDC_GROUPS_ENV.join(" ")}; do
  [ -n "\${!name:-}" ] || fail "$name is not set; the Job reads ${IDC_GROUPS_ENV.slice(0, -1).join(", ")} from its env values and DB_PASS from Secret ${DB_INIT_SECRET}"
done
here=$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)
[ -r "$here/${IDC_GROUPS_KEYS.sql}" ] || fail "no $here/${IDC_GROUPS_KEYS.sql}"

${FRAMEWORK_SQL_CLIENT}

# The schema Job creates these; without them there is nothing to write into.
for table in t_server_conf t_server_group_rule t_group_priority; do
  found=$(sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='db_tars' AND table_name='$table'")
  [ "$found" = 1 ] || fail "db_tars has no table $table: the database Job (tars-db-init) has not loaded the schema"
done

sql db_tars < "$here/${IDC_GROUPS_KEYS.sql}"
sql -N -B db_tars -e "SELECT CONCAT('group ', group_id, ' ', group_name) FROM t_server_group_rule WHERE lastuser='${GROUP_OWNER}' ORDER BY group_id"
echo "IDC groups applied"
`;
}

/** The ConfigMap: the script, the SQL and the table. */
export function idcGroupsConfigMap(fleet: FleetSpec): Named<IConfigMap> {
  const spec = idcGroups(fleet);
  const hash = idcGroupsHash(fleet);
  const { labels } = frameworkLabels(IDC_GROUPS);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: IDC_GROUPS,
      namespace: FRAMEWORK_NAMESPACE,
      labels,
      annotations: { [IDC_GROUPS_HASH_ANNOTATION]: hash },
    },
    data: {
      [IDC_GROUPS_KEYS.script]: idcGroupsScript(),
      [IDC_GROUPS_KEYS.sql]: idcGroupsSql(spec),
      [IDC_GROUPS_KEYS.table]: idcGroupsTable(spec, hash),
    },
  };
}

/**
 * The Job, named after the hash: a change of rules is a new Job, which runs once; anything else
 * (a replica count) leaves it as it is. It runs the script in the database Job's MySQL client
 * image, as the framework user, hardened as that image allows.
 */
export function idcGroupsJob(fleet: FleetSpec): Spec<IJob> {
  const hash = idcGroupsHash(fleet);
  const { labels } = frameworkLabels(IDC_GROUPS);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: `${IDC_GROUPS}-${hash}`,
      namespace: FRAMEWORK_NAMESPACE,
      labels,
      annotations: { [IDC_GROUPS_HASH_ANNOTATION]: hash },
    },
    spec: {
      backoffLimit: 6,
      template: hardenTemplate(
        { apply: ImageProfile.MysqlClient },
        {
          metadata: { labels },
          spec: {
            restartPolicy: "OnFailure",
            containers: [
              {
                name: "apply",
                image: dbClientImage(fleet.tars.db),
                command: ["/bin/bash", `${SCRIPTS_PATH}/${IDC_GROUPS_KEYS.script}`],
                // The database Job's host, visible; only the password from its Secret.
                env: dbConfigEnv(jobDbHost(fleet)),
                envFrom: [{ secretRef: { name: DB_INIT_SECRET } }],
                resources: containerResources(DB_INIT_SIZE),
                volumeMounts: [{ name: "scripts", mountPath: SCRIPTS_PATH, readOnly: true }],
              },
            ],
            volumes: [{ name: "scripts", configMap: { name: IDC_GROUPS } }],
          },
        },
      ),
    },
  };
}
