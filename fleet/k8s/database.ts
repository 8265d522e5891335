/**
 * The framework database's Kubernetes side: the in-cluster MySQL (`tars.db.mode: in-cluster`)
 * and the schema-initialisation Job both modes share.
 *
 * The Job creates each TARS database when it is missing and loads its schema only into a
 * database that has no tables, so it is safe to run on every deploy and never drops anything
 * (the framework's SQL files start with `DROP TABLE IF EXISTS`, which is harmless on an empty
 * database and never reached on a populated one). It runs the `tarscloud/framework` image, which
 * ships those SQL files and a MySQL client.
 * @see https://github.com/TarsCloud/TarsFramework/blob/master/deploy/Dockerfile
 */
import { type Spec, type Named } from "./types";
import { type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { type IJob } from "kubernetes-models/batch/v1/Job";
import { type IService } from "kubernetes-models/v1/Service";
import { type IServicePort } from "kubernetes-models/v1/ServicePort";
import { type IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { type DbSpec } from "../model";
import { FRAMEWORK_NAMESPACE } from "../naming";
import { DB_INIT_SIZE, IN_CLUSTER_DB_SIZE } from "../framework";
import { lbService } from "./load-balancer";
import { frameworkLabels } from "./servers";
import { containerResources } from "./tarscli";

/** The databases of the TARS framework (K8STARS `install_db_k8s.sh`). */
export const TARS_DATABASES = [
  "db_tars",
  "db_tars_web",
  "db_user_system",
  "db_cache_web",
  "tars_stat",
  "tars_property",
] as const;

/** MySQL's port. */
export const MYSQL_PORT = 3306;

/** The user the framework services connect as; root is used only by the init Job. */
export const DB_ADMIN_USER = "tarsAdmin";

/**
 * Secret of the init Job, home cluster only: `DB_HOST`, `DB_PORT`, `DB_USER`, `DB_PASS` (the
 * framework user to create) and `ROOT_PASSWORD`. The in-cluster MySQL takes its root password
 * from it too.
 */
export const DB_INIT_SECRET = "tars-db-init";

/** Name of the in-cluster database's StatefulSet and Service. */
export const IN_CLUSTER_DB = "tars-db";

/** The in-cluster database behind the home cluster's internal CLB, for the other regions. */
export const IN_CLUSTER_DB_LB_SERVICE = "tars-db-lb";

/** Name of the init Job and of the ConfigMap holding its script. */
export const DB_INIT = "tars-db-init";

/** Where the framework image keeps the SQL files (framework, then web). */
export const SQL_DIRS = ["/root/tars-install/framework/sql", "/root/tars-install/web/sql"] as const;

/** The init script: idempotent, creates what is missing, never drops. */
export function dbInitScript(): string {
  const databases = TARS_DATABASES.join(" ");
  return `#!/bin/bash
# Created by tarsfed: creates the TARS databases when they are missing, loads a schema only into
# an empty database, and keeps the framework user's password in step. Never drops anything.
set -euo pipefail
sql_dirs="\${TARS_SQL_DIRS:-${SQL_DIRS.join(" ")}}"
mysql_root() { mysql -h"$DB_HOST" -P"$DB_PORT" -uroot -p"$ROOT_PASSWORD" --connect-timeout=10 "$@"; }
for attempt in $(seq 1 60); do
  if mysql_root -e 'SELECT 1' >/dev/null 2>&1; then break; fi
  echo "waiting for MySQL at $DB_HOST:$DB_PORT ($attempt/60)"; sleep 5
done
mysql_root -e 'SELECT 1' >/dev/null
for db in ${databases}; do
  mysql_root -e "CREATE DATABASE IF NOT EXISTS \\\`$db\\\` DEFAULT CHARACTER SET utf8"
  tables=$(mysql_root -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$db'")
  if [ "$tables" = "0" ]; then
    for dir in $sql_dirs; do
      if [ -f "$dir/$db.sql" ]; then echo "loading $dir/$db.sql into $db"; mysql_root "$db" < "$dir/$db.sql"; break; fi
    done
  else
    echo "$db has $tables tables, left as it is"
  fi
done
mysql_root -e "CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASS'"
mysql_root -e "ALTER USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASS'"
for db in ${databases}; do
  mysql_root -e "GRANT ALL PRIVILEGES ON \\\`$db\\\`.* TO '$DB_USER'@'%'"
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
    data: { "init.sh": dbInitScript() },
  };
}

/** The init Job; `frameworkImage` holds the SQL files and a MySQL client. */
export function dbInitJob(frameworkImage: string): Spec<IJob> {
  const { labels } = frameworkLabels(DB_INIT);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: DB_INIT, namespace: FRAMEWORK_NAMESPACE, labels },
    spec: {
      backoffLimit: 6,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "OnFailure",
          containers: [
            {
              name: "init",
              image: frameworkImage,
              command: ["/bin/bash", "/scripts/init.sh"],
              envFrom: [{ secretRef: { name: DB_INIT_SECRET } }],
              resources: containerResources(DB_INIT_SIZE),
              volumeMounts: [{ name: "scripts", mountPath: "/scripts", readOnly: true }],
            },
          ],
          volumes: [{ name: "scripts", configMap: { name: DB_INIT } }],
        },
      },
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
      template: {
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
      },
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
