/**
 * The framework database's Kubernetes side: the in-cluster MySQL (`tars.db.mode: in-cluster`)
 * and the schema-initialisation Job both modes share.
 *
 * The Job creates each TARS database when it is missing, loads a schema only into an empty
 * database, adds the server config templates that are missing, and keeps the framework user's
 * password in step. It never drops a database or a table and never overwrites a row, so it is
 * safe on every deploy. Its SQL comes from the framework image and its MySQL client from a MySQL
 * image, because `tarscloud/framework:v2.4.3` has no `mysql` binary: its Dockerfile installs only
 * `yum-utils psmisc net-tools wget unzip telnet` on `centos/systemd`, and the framework's own
 * installer talks to MySQL through its `mysql-tool` binary instead (TarsCloud/TarsFramework
 * v2.4.3 `deploy/Dockerfile`, `deploy/tars-install.sh`).
 */
import { createHash } from "node:crypto";
import { type Spec, type Named } from "./types";
import { type IPodSpec } from "kubernetes-models/v1/PodSpec";
import { type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { type IJob } from "kubernetes-models/batch/v1/Job";
import { type IService } from "kubernetes-models/v1/Service";
import { type IServicePort } from "kubernetes-models/v1/ServicePort";
import { type IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { type DbSpec } from "../model/model";
import { DbMode } from "../model/schema";
import { FRAMEWORK_NAMESPACE } from "../model/naming";
import { IN_CLUSTER_DB, MYSQL_PORT } from "./db-config";
import { DB_INIT_SIZE, IN_CLUSTER_DB_SIZE } from "../tars/framework";
import { lbService } from "./load-balancer";
import { frameworkLabels } from "./servers";
import { containerResources } from "./tarscli";
import { hardenTemplate, ImageProfile } from "./pod-security";
import { type IEnvVar } from "kubernetes-models/v1/EnvVar";

/** How the init Job's containers and the in-cluster MySQL run (`pod-security.ts`). */
const DB_INIT_PROFILES = { sql: ImageProfile.FrameworkSql, init: ImageProfile.MysqlClient };
const IN_CLUSTER_DB_PROFILES = { mysql: ImageProfile.Mysql };

/**
 * The TARS databases and the schema file each is loaded from when empty.
 *
 * The six of K8STARS `baseserver/db/install_db_k8s.sh`, plus `db_base` (TarsWeb's gateway
 * tables), which TarsFramework v2.4.3 `deploy/tars-install.sh` creates from `web/sql/db_base.sql`.
 * `tars_stat` and `tars_property` have no schema file: tarsstat and tarsproperty create their
 * tables when they first write (TarsFramework v2.4.3 `StatServer/StatDbManager.cpp` `creatTb`,
 * `PropertyServer/PropertyDbManager.cpp`), so the Job only creates those databases.
 */
export const TARS_SCHEMAS = [
  { database: "db_tars", file: "db_tars.sql" },
  { database: "db_tars_web", file: "db_tars_web.sql" },
  { database: "db_user_system", file: "db_user_system.sql" },
  { database: "db_cache_web", file: "db_cache_web.sql" },
  { database: "db_base", file: "db_base.sql" },
  { database: "tars_stat", file: null },
  { database: "tars_property", file: null },
] as const satisfies readonly { database: string; file: string | null }[];

/** The databases of the TARS framework, in the order the Job prepares them. */
export const TARS_DATABASES = TARS_SCHEMAS.map((s) => s.database);

/**
 * Secret of the init Job, home cluster only, holding {@link DB_INIT_ENV}. The in-cluster MySQL
 * takes its root password from it too.
 */
export const DB_INIT_SECRET = "tars-db-init";

/**
 * The init Job's environment: where MySQL is, the framework user to create or keep in step
 * (`DB_USER`, `DB_PASS`), and the root password the Job works as. The host, port and user are
 * plain env values of the Job, so a plan shows them; the passwords come from
 * {@link DB_INIT_SECRET} ({@link DB_INIT_SECRET_KEYS}).
 */
export const DB_INIT_ENV = ["DB_HOST", "DB_PORT", "DB_USER", "DB_PASS", "ROOT_PASSWORD"] as const;

/** What {@link DB_INIT_SECRET} holds: the two passwords of {@link DB_INIT_ENV}. */
export const DB_INIT_SECRET_KEYS = ["DB_PASS", "ROOT_PASSWORD"] as const;

/** One variable of {@link DB_INIT_ENV}. */
export type DbInitEnv = (typeof DB_INIT_ENV)[number];

/**
 * Prefix of the pod-template annotation that carries the hash of a Secret a pod loads: the key is
 * `secret-hash.tarsfed.io/<Secret name>`. Pods read `envFrom` and `secretKeyRef` values only
 * when they start, so a changed Secret rolls its pods through this annotation.
 */
export const SECRET_HASH_ANNOTATION_PREFIX = "secret-hash.tarsfed.io/";

/** The annotation carrying the hash of Secret `secret` (a name of at most 63 characters). */
export function secretHashAnnotation(secret: string): string {
  return `${SECRET_HASH_ANNOTATION_PREFIX}${secret}`;
}

/**
 * The first 12 hex digits of the SHA-256 of a Secret's data, keys sorted: the same data gives the
 * same hash on every run; any changed key or value gives another.
 */
export function secretContentHash(data: Readonly<Record<string, string>>): string {
  const entries = Object.keys(data)
    .sort()
    .map((key) => [key, data[key]]);
  return createHash("sha256").update(JSON.stringify(entries)).digest("hex").slice(0, 12);
}

/**
 * The init Job's name: {@link DB_INIT} and the hash of its Secret, so new credentials (a rotated
 * framework password) are a new Job, which runs `ALTER USER` again. 25 characters.
 */
export function dbInitJobName(secretHash: string): string {
  return `${DB_INIT}-${secretHash}`;
}

/** The Secrets a pod loads, through `envFrom` or `secretKeyRef`, in order, each once. */
export function secretsLoaded(pod: IPodSpec): string[] {
  const names = [...(pod.initContainers ?? []), ...pod.containers].flatMap((c) => [
    ...(c.envFrom ?? []).flatMap((e) =>
      e.secretRef?.name === undefined ? [] : [e.secretRef.name],
    ),
    ...(c.env ?? []).flatMap((e) => {
      const name = e.valueFrom?.secretKeyRef?.name;
      return name === undefined ? [] : [name];
    }),
  ]);
  return [...new Set(names)];
}

/** The in-cluster database behind the home cluster's internal CLB, for the other regions. */
export const IN_CLUSTER_DB_LB_SERVICE = "tars-db-lb";

/** Name of the init Job and of the ConfigMap holding its script. */
export const DB_INIT = "tars-db-init";

/** The key of the script in the ConfigMap {@link DB_INIT}. */
export const DB_INIT_SCRIPT_KEY = "init.sh";

/**
 * Where `tarscloud/framework:v2.4.3` keeps its deploy tree, SQL included: K8STARS
 * `baseserver/makefile` copies `/usr/local/tars/cpp/deploy/` out of that image, and
 * `baseserver/db/install_db_k8s.sh` loads `framework/sql/db_tars.sql`, `web/sql/db_tars_web.sql`,
 * `web/sql/db_cache_web.sql` and `web/demo/sql/db_user_system.sql` from the copy.
 */
export const FRAMEWORK_DEPLOY_DIR = "/usr/local/tars/cpp/deploy";

/** The SQL folders under {@link FRAMEWORK_DEPLOY_DIR}, searched in this order. */
export const SQL_SUBDIRS = ["framework/sql", "web/sql", "web/demo/sql"] as const;

/** Where the Job's script looks for SQL files unless `TARS_SQL_DIRS` says otherwise. */
export const SQL_DIRS = SQL_SUBDIRS.map((d) => `${FRAMEWORK_DEPLOY_DIR}/${d}`);

/** The folder of server config templates inside the first SQL folder that has one. */
export const TEMPLATE_SUBDIR = "template";

/**
 * Parent of each server config template, as TarsFramework v2.4.3 `deploy/tars-install.sh`
 * (`update_template`) gives it; every other template, `tars.default` included, gets
 * {@link DEFAULT_TEMPLATE_PARENT}. A template that is its own parent is fine: the registry stops
 * where a parent repeats (TarsFramework v2.4.3 `RegistryServer/DbHandle.cpp` `getProfileTemplate`).
 */
export const TEMPLATE_PARENTS: Readonly<Record<string, string>> = {
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

/** Parent of any template {@link TEMPLATE_PARENTS} does not name. */
export const DEFAULT_TEMPLATE_PARENT = "tars.default";

/** The parent template of `name`, as the framework's installer sets it. */
export function templateParent(name: string): string {
  return TEMPLATE_PARENTS[name] ?? DEFAULT_TEMPLATE_PARENT;
}

/**
 * What the framework's `mysql-tool --template` puts in place of the installer's path words
 * before it stores a template: `TARS_PATH` and `UPLOAD_PATH` become the installer's defaults,
 * `/usr/local/app/tars` and `/usr/local/app` (TarsFramework v2.4.3 `mysql-tool/main.cpp`
 * `replaceConfig`, `deploy/tars-install.sh` `INSTALL_PATH`). The same `TARS_PATH` tarsnode is
 * installed under on CVMs (`fleet/tars/tarsnode-bootstrap.ts`).
 */
export const TEMPLATE_PATHS = { TARS_PATH: "/usr/local/app/tars", UPLOAD_PATH: "/usr/local/app" };

/**
 * The default of `tars.db.clientImage`, the image whose client the Jobs run when the database is
 * TencentDB: the official image,
 * which installs the `mysql` client (its build runs `mysql --version`), has bash (its entrypoint,
 * `5.7/docker-entrypoint.sh`, is a bash script) and coreutils (its build runs `mkdir`, `chmod`,
 * `uname` on `oraclelinux:7-slim`). With `tars.db.mode: in-cluster` the Job uses the database's
 * own image. @see https://github.com/docker-library/mysql/blob/master/5.7/Dockerfile.oracle
 */
export const DB_CLIENT_IMAGE = "mysql:5.7.44";

/** The image the Job's script runs in: one with bash and the `mysql` client. */
export function dbClientImage(db: DbSpec): string {
  return db.mode === DbMode.InCluster ? db.image : db.clientImage;
}

/** Lines of a bash `case` that sets `parent` from `$name`. */
function parentCase(): string {
  const byParent = new Map<string, string[]>();
  for (const [name, parent] of Object.entries(TEMPLATE_PARENTS))
    byParent.set(parent, [...(byParent.get(parent) ?? []), name]);
  const arms = [...byParent].map(
    ([parent, names]) => `    ${names.join("|")}) parent=${parent} ;;`,
  );
  return [...arms, `    *) parent=${DEFAULT_TEMPLATE_PARENT} ;;`].join("\n");
}

/**
 * The init script. Bash and the `mysql` client only, besides `od` and `tr` (coreutils) to pass a
 * template's bytes to MySQL as a hex literal; the root password goes through `MYSQL_PWD`, which
 * MySQL's and MariaDB's clients both read, never the command line.
 *
 * Steps: check the env contract ({@link DB_INIT_ENV}); wait for MySQL; find every schema file an
 * empty database needs, and stop before changing anything when one is missing, naming it;
 * create each missing database and load its schema when it has no tables; stop when a database
 * that has tables lacks some its schema file creates (an interrupted load); add each missing
 * template of `framework/sql/template/` to `db_tars.t_profile_template` with its parent, as
 * `mysql-tool --template` does (insert only when absent; the framework-db template's database
 * settings become this database's and its path words the installer's); create the framework
 * user or set its password, and grant it the TARS databases.
 *
 * Not loaded: `tars_servers*.sql` and `tars_node_init.sql`. They `replace into` rows for servers
 * run from `/usr/local/app/tars` under a tarsnode on the installing host (`localip.tars.com`);
 * on Kubernetes no such host exists, and K8STARS' registry writes `t_node_info`,
 * `t_server_conf` and `t_adapter_conf` itself when tarscli registers a pod (K8STARS
 * `tarsregistry/store/mysql.go` `RegisterNode`, `RegisterServer`, `RegistryAdapter`).
 */
export function dbInitScript(): string {
  return [scriptSetup(), schemaSteps(), templateSteps(), userSteps()].join("\n");
}

/** The script's start: the env contract, the SQL folders, helpers, and waiting for MySQL. */
function scriptSetup(): string {
  const secretEnv: readonly string[] = DB_INIT_SECRET_KEYS;
  const plainEnv = DB_INIT_ENV.filter((name) => !secretEnv.includes(name));
  const schemas = TARS_SCHEMAS.map((s) => `${s.database}:${s.file ?? ""}`).join(" ");
  return `#!/bin/bash
# Created by tarsfed (fleet/k8s/database.ts): prepares the TARS framework database. Creates each
# database when missing, loads a schema only into an empty database, adds the server config
# templates that are missing and keeps the framework user's password in step. It never drops a
# database or a table and never overwrites a row, so every rerun keeps what is there.
set -euo pipefail

fail() { echo "tars-db-init: $*" >&2; exit 1; }

for name in ${DB_INIT_ENV.join(" ")}; do
  [ -n "\${!name:-}" ] || fail "$name is not set; the Job reads ${plainEnv.join(", ")} from its env values and ${secretEnv.join(", ")} from Secret ${DB_INIT_SECRET}"
done

# SQL folders, searched in order (space-separated).
read -r -a sql_dirs <<< "\${TARS_SQL_DIRS:-${SQL_DIRS.join(" ")}}"
# database:schema file; no file means the database's server creates its tables.
schemas=(${schemas})

sql() {
  MYSQL_PWD="$ROOT_PASSWORD" mysql --host="$DB_HOST" --port="$DB_PORT" --user=root \\
    --connect-timeout=10 --default-character-set=utf8 "$@"
}
# A value as a SQL string literal.
quote() {
  local s=\${1//\\\\/\\\\\\\\} q="'"
  printf "'%s'" "\${s//$q/$q$q}"
}
# The first SQL folder holding $1, or nothing.
find_sql() {
  local dir
  for dir in "\${sql_dirs[@]}"; do
    if [ -e "$dir/$1" ]; then echo "$dir/$1"; return; fi
  done
}
count_tables() {
  sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema=$(quote "$1")"
}

for attempt in {1..60}; do
  if sql -e 'SELECT 1' >/dev/null 2>&1; then break; fi
  echo "waiting for MySQL at $DB_HOST:$DB_PORT ($attempt/60)"; sleep 5
done
sql -e 'SELECT 1' >/dev/null
`;
}

/** Each database: created when missing, loaded when empty, checked for lost tables otherwise. */
function schemaSteps(): string {
  return `# Patterns: a table the schema file creates; a template's domain opening and closing; a database
# setting inside <tars><db>, <tars><statdb><x> or <tars><propertydb><x>.
create_re='^CREATE TABLE .([A-Za-z0-9_]+).'
open_re='^[[:space:]]*<([A-Za-z0-9_.-]+)>[[:space:]]*$'
close_re='^[[:space:]]*</([A-Za-z0-9_.-]+)>[[:space:]]*$'
db_domain_re='^/tars/(db|statdb/[^/]+|propertydb/[^/]+)$'
db_key_re='^([[:space:]]*)(dbhost|dbuser|dbpass|dbport)([[:space:]]*=)'

# Every schema file an empty database needs is there before anything changes.
missing=""
for entry in "\${schemas[@]}"; do
  db=\${entry%%:*} file=\${entry#*:}
  if [ -n "$file" ] && [ "$(count_tables "$db")" = 0 ] && [ -z "$(find_sql "$file")" ]; then
    missing="$missing $file (for $db)"
  fi
done
if [ -n "$missing" ]; then
  fail "no schema file for an empty database:$missing; looked in \${sql_dirs[*]}"
fi

for entry in "\${schemas[@]}"; do
  db=\${entry%%:*} file=\${entry#*:}
  sql -e "CREATE DATABASE IF NOT EXISTS $db DEFAULT CHARACTER SET utf8"
  tables=$(count_tables "$db")
  if [ -z "$file" ]; then
    echo "$db: $tables tables, created by its server as it runs"
  elif [ "$tables" = 0 ]; then
    path=$(find_sql "$file")
    echo "loading $path into $db"
    sql "$db" < "$path"
  else
    path=$(find_sql "$file")
    if [ -n "$path" ]; then
      absent=""
      while IFS= read -r line; do
        if [[ $line =~ $create_re ]]; then
          table=\${BASH_REMATCH[1]}
          found=$(sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema=$(quote "$db") AND table_name=$(quote "$table")")
          if [ "$found" = 0 ]; then absent="$absent $table"; fi
        fi
      done < "$path"
      if [ -n "$absent" ]; then
        fail "$db has $tables tables but lacks$absent, which $path creates (an interrupted load, or an older schema); create them by hand, nothing was changed in $db"
      fi
    fi
    echo "$db has $tables tables, left as it is"
  fi
done
`;
}

/** The server config templates, added when missing, as `mysql-tool --template` stores them. */
function templateSteps(): string {
  return `# Server config templates, as TarsFramework's mysql-tool --template stores them.
template_dir=""
for dir in "\${sql_dirs[@]}"; do
  if [ -d "$dir/${TEMPLATE_SUBDIR}" ]; then template_dir="$dir/${TEMPLATE_SUBDIR}"; break; fi
done
[ -n "$template_dir" ] || fail "no server config templates: no ${TEMPLATE_SUBDIR}/ folder in \${sql_dirs[*]}"

# The template's text; in a <db>, <statdb><x> or <propertydb><x> domain of <tars>, the database
# settings become this database's; the installer's path words become its paths.
render_template() {
  local line key path="" out=""
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ $open_re ]]; then
      path="$path/\${BASH_REMATCH[1]}"
    elif [[ $line =~ $close_re ]]; then
      path=\${path%/*}
    elif [[ $path =~ $db_domain_re && $line =~ $db_key_re ]]; then
      case \${BASH_REMATCH[2]} in
        dbhost) key=$DB_HOST ;; dbuser) key=$DB_USER ;; dbpass) key=$DB_PASS ;; *) key=$DB_PORT ;;
      esac
      line="\${BASH_REMATCH[1]}\${BASH_REMATCH[2]}\${BASH_REMATCH[3]}$key"
    fi
    out+=$line$'\\n'
  done < "$1"
  # A file whose last line has no newline keeps it that way.
  if [ -n "$(tail -c 1 "$1")" ]; then out=\${out%$'\\n'}; fi
  out=\${out//TARS_PATH/${TEMPLATE_PATHS.TARS_PATH}}
  printf '%s' "\${out//UPLOAD_PATH/${TEMPLATE_PATHS.UPLOAD_PATH}}"
}

added=0 kept=0
for file in "$template_dir"/*; do
  name=\${file##*/}
  case $name in
${parentCase()}
  esac
  there=$(sql -N -B db_tars -e "SELECT COUNT(*) FROM t_profile_template WHERE template_name=$(quote "$name")")
  if [ "$there" != 0 ]; then kept=$((kept + 1)); continue; fi
  hex=$(render_template "$file" | od -An -v -tx1 | tr -d ' \\n')
  echo "adding template $name (parent $parent)"
  sql db_tars -e "INSERT INTO t_profile_template (template_name, parents_name, profile, posttime, lastuser) VALUES ($(quote "$name"), $(quote "$parent"), _utf8 X'$hex', NOW(), 'admin')"
  added=$((added + 1))
done
echo "templates: $added added, $kept already there and left as they are"
`;
}

/** The framework user, created or given its password, and its grants. */
function userSteps(): string {
  const databases = TARS_DATABASES.join(" ");
  return `user="$(quote "$DB_USER")@'%'"
sql -e "CREATE USER IF NOT EXISTS $user IDENTIFIED BY $(quote "$DB_PASS")"
sql -e "ALTER USER $user IDENTIFIED BY $(quote "$DB_PASS")"
for db in ${databases}; do
  sql -e "GRANT ALL PRIVILEGES ON $db.* TO $user"
done
echo "TARS databases ready"
`;
}

/** The ConfigMap holding the init script. */
export function dbInitConfigMap(): Named<IConfigMap> {
  const { labels } = frameworkLabels(DB_INIT);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: DB_INIT, namespace: FRAMEWORK_NAMESPACE, labels },
    data: { [DB_INIT_SCRIPT_KEY]: dbInitScript() },
  };
}

/** Where the init container puts the SQL folders; the Job's container sees them at their image path. */
const SQL_VOLUME_PATH = "/sql";

/**
 * The init container's command: copy the SQL folders out of the framework image, keeping their
 * layout. `sh`, `mkdir` and `cp` are in that image: K8STARS `baseserver/makefile` runs
 * `sh -c "cd /usr/local/tars/cpp/deploy/ && ... cp -rf . /deploy"` in it.
 */
export function sqlCopyCommand(): string[] {
  const steps = SQL_SUBDIRS.map((d) => {
    const parent = `${SQL_VOLUME_PATH}/${d.slice(0, d.lastIndexOf("/"))}`;
    return `mkdir -p ${parent} && cp -rf ${d} ${parent}/`;
  });
  return ["sh", "-c", [`cd ${FRAMEWORK_DEPLOY_DIR}`, ...steps].join(" && ")];
}

/**
 * The init Job: an init container copies the SQL folders from `frameworkImage` into a scratch
 * volume; the Job's container runs the script in `clientImage` (bash and `mysql`), with the
 * volume at the framework image's own path, so the script's default folders are the image's.
 * `dbEnv` holds the database's host, port and user as plain env values (`db-config.ts`,
 * `dbConfigEnv`): the host is TencentDB's DNS name or the in-cluster database's Service.
 * Named after `secretHash`, the hash of the Job's whole {@link DB_INIT_ENV}, its Secret's
 * passwords and its plain values ({@link secretContentHash}): new credentials, or another host,
 * are a new Job, which sets the framework user's password again; the same ones leave the
 * completed Job alone.
 */
export function dbInitJob(
  frameworkImage: string,
  clientImage: string,
  secretHash: string,
  dbEnv: readonly IEnvVar[],
): Spec<IJob> {
  const { labels } = frameworkLabels(DB_INIT);
  const resources = containerResources(DB_INIT_SIZE);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: dbInitJobName(secretHash),
      namespace: FRAMEWORK_NAMESPACE,
      labels,
      annotations: { [secretHashAnnotation(DB_INIT_SECRET)]: secretHash },
    },
    spec: {
      backoffLimit: 6,
      template: hardenTemplate(DB_INIT_PROFILES, {
        metadata: { labels },
        spec: {
          restartPolicy: "OnFailure",
          initContainers: [
            {
              name: "sql",
              image: frameworkImage,
              command: sqlCopyCommand(),
              resources,
              volumeMounts: [{ name: "sql", mountPath: SQL_VOLUME_PATH }],
            },
          ],
          containers: [
            {
              name: "init",
              image: clientImage,
              command: ["/bin/bash", `/scripts/${DB_INIT_SCRIPT_KEY}`],
              env: [...dbEnv],
              envFrom: [{ secretRef: { name: DB_INIT_SECRET } }],
              resources,
              volumeMounts: [
                { name: "scripts", mountPath: "/scripts", readOnly: true },
                { name: "sql", mountPath: FRAMEWORK_DEPLOY_DIR, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: "scripts", configMap: { name: DB_INIT } },
            { name: "sql", emptyDir: {} },
          ],
        },
      }),
    },
  };
}

/** The in-cluster MySQL 5.7, with its data on a persistent volume. */
export function inClusterDbStatefulSet(
  db: Extract<DbSpec, { mode: "in-cluster" }>,
): Spec<IStatefulSet> {
  const { selector, labels } = frameworkLabels(IN_CLUSTER_DB);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: IN_CLUSTER_DB, namespace: FRAMEWORK_NAMESPACE, labels },
    spec: {
      serviceName: IN_CLUSTER_DB,
      replicas: 1,
      selector: { matchLabels: selector },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: hardenTemplate(IN_CLUSTER_DB_PROFILES, {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: "mysql",
              image: db.image,
              args: ["--character-set-server=utf8", "--collation-server=utf8_general_ci"],
              env: [
                {
                  name: "MYSQL_ROOT_PASSWORD",
                  valueFrom: { secretKeyRef: { name: DB_INIT_SECRET, key: "ROOT_PASSWORD" } },
                },
              ],
              ports: [{ name: "mysql", containerPort: MYSQL_PORT, protocol: "TCP" }],
              readinessProbe: {
                exec: { command: ["mysqladmin", "ping", "-h", "127.0.0.1"] },
                initialDelaySeconds: 10,
                periodSeconds: 10,
              },
              resources: containerResources(IN_CLUSTER_DB_SIZE),
              volumeMounts: [{ name: "data", mountPath: "/var/lib/mysql" }],
            },
          ],
        },
      }),
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: db.storageClass,
            resources: { requests: { storage: `${db.storageGb}Gi` } },
          },
        },
      ],
    },
  };
}

/** Services of the in-cluster database: in-cluster name, and the internal CLB for other regions. */
export function inClusterDbServices(): Spec<IService>[] {
  const { selector, labels } = frameworkLabels(IN_CLUSTER_DB);
  const ports: IServicePort[] = [
    { name: "mysql", port: MYSQL_PORT, targetPort: MYSQL_PORT, protocol: "TCP" },
  ];
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: IN_CLUSTER_DB, namespace: FRAMEWORK_NAMESPACE, labels },
      spec: { type: "ClusterIP", selector, ports },
    },
    lbService({ name: IN_CLUSTER_DB_LB_SERVICE, component: IN_CLUSTER_DB, ports }),
  ];
}
