/**
 * How framework pods and Jobs are told where the framework database is: the host, port and user
 * as plain values anyone reviewing a plan can read (a ConfigMap for the long-running pods, env
 * values for the Jobs), and the password alone in a Secret.
 *
 * K8STARS' images read four environment variables, `DB_HOST`, `DB_PORT`, `DB_USER` and `DB_PASS`,
 * falling back to defaults when one is empty (`baseserver/default.env`), and write them into the
 * server's config (`baseserver/start.sh`, `cppregistry/start.sh`), the Go registry's DSN
 * (`tarsregistry/start.sh`) or tarsweb's `webConf.js` (`tarsweb/start.sh`). They do not care where
 * a variable comes from: K8STARS' own manifests take all four from a ConfigMap, `tars-db-config`,
 * password included (`baseserver/yaml/registry.yaml`, `baseserver.yaml`, `tarsweb.yaml`). Here the
 * ConfigMap of that name holds the three that are not secret and the Secret `tars-db` the
 * password; the variable names are the images' contract.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/baseserver/default.env
 */
import { type IEnvFromSource } from "kubernetes-models/v1/EnvFromSource";
import { type IEnvVar } from "kubernetes-models/v1/EnvVar";
import { type IPodSpec } from "kubernetes-models/v1/PodSpec";
import { type PodTemplated, withPodTemplateAnnotations } from "./types";
import { type FleetSpec } from "../model/model";
import { DbMode } from "../model/schema";
import { databaseHost } from "../network/database-dns";
import { FRAMEWORK_NAMESPACE } from "../model/naming";

/** MySQL's port. */
export const MYSQL_PORT = 3306;

/** The user the framework services connect as; root is used only by the init Job. */
export const DB_ADMIN_USER = "tarsAdmin";

/** Name of the in-cluster database's StatefulSet and Service. */
export const IN_CLUSTER_DB = "tars-db";

/** The in-cluster database's name inside its own cluster (its Service). */
export const IN_CLUSTER_DB_HOST = `${IN_CLUSTER_DB}.${FRAMEWORK_NAMESPACE}.svc.cluster.local`;

/**
 * The ConfigMap holding {@link DB_CONFIG_KEYS} in every cluster's framework namespace, named as
 * K8STARS names its own (`baseserver/yaml/registry.yaml` line 4).
 */
export const DB_CONFIG = "tars-db-config";

/** Name of the Secret holding the framework database's password in every cluster. */
export const DB_SECRET = "tars-db";

/** What the ConfigMap holds: the database's address and user, none of it secret. */
export const DB_CONFIG_KEYS = ["DB_HOST", "DB_PORT", "DB_USER"] as const;

/** What the Secret {@link DB_SECRET} holds: the framework user's password, nothing else. */
export const DB_SECRET_KEYS = ["DB_PASS"] as const;

/** One key of {@link DB_CONFIG_KEYS}. */
export type DbConfigKey = (typeof DB_CONFIG_KEYS)[number];

/**
 * Prefix of the pod-template annotation that carries the hash of a ConfigMap a pod loads through
 * `envFrom`: `config-hash.tarsfed.io/<ConfigMap name>`. Pods read such values only when they
 * start, so a changed database host rolls them through this annotation, as a changed password
 * does through `secret-hash.tarsfed.io/tars-db`.
 */
export const CONFIG_HASH_ANNOTATION_PREFIX = "config-hash.tarsfed.io/";

/** The annotation carrying the hash of ConfigMap `configMap`. */
export function configHashAnnotation(configMap: string): string {
  return `${CONFIG_HASH_ANNOTATION_PREFIX}${configMap}`;
}

/**
 * The pod-template annotation naming the region whose database instance is the master
 * (`tars.db.servingRegion`). When the master moves (`tarsfed failover --region <home>` promotes
 * the standby's replica), the database's DNS name stays and points elsewhere, but a TARS server
 * holds its MySQL connections open: every pod that loads the database's address carries this
 * annotation, so the change rolls them, and they connect anew, to the new master.
 */
export const DB_SERVING_REGION_ANNOTATION = "tarsfed.io/db-serving-region";

/**
 * The host the home cluster's Jobs connect to: TencentDB's DNS name
 * (`fleet/network/database-dns.ts`), never an address; the in-cluster database by its Service.
 */
export function jobDbHost(fleet: FleetSpec): string {
  return databaseHost(fleet) ?? IN_CLUSTER_DB_HOST;
}

/** The Jobs' view of a database at `host`: MySQL's port and the framework user. */
export function dbConfigData(host: string): Record<DbConfigKey, string> {
  return { DB_HOST: host, DB_PORT: String(MYSQL_PORT), DB_USER: DB_ADMIN_USER };
}

/** {@link dbConfigData} as a container's plain env values, for the Jobs. */
export function dbConfigEnv(host: string): IEnvVar[] {
  return Object.entries(dbConfigData(host)).map(([name, value]) => ({ name, value }));
}

/**
 * The `envFrom` of a pod that uses the database: the Secret, then the ConfigMap. Of two sources
 * with the same key the last one wins ("When a key exists in multiple sources, the value
 * associated with the last source will take precedence", Kubernetes API, Container `envFrom`), so
 * the visible ConfigMap decides the host even while a `tars-db` Secret written before the split
 * still holds one.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables
 */
export function dbEnvFrom(): IEnvFromSource[] {
  return [{ secretRef: { name: DB_SECRET } }, { configMapRef: { name: DB_CONFIG } }];
}

/** The ConfigMaps a pod loads through `envFrom`, in order, each once. */
export function configMapsLoaded(pod: IPodSpec): string[] {
  const names = [...(pod.initContainers ?? []), ...pod.containers].flatMap((c) =>
    (c.envFrom ?? []).flatMap((e) =>
      e.configMapRef?.name === undefined ? [] : [e.configMapRef.name],
    ),
  );
  return [...new Set(names)];
}

/**
 * `manifest` with {@link DB_SERVING_REGION_ANNOTATION} in its pod template when its pods load the
 * database's address ({@link DB_CONFIG}) and the database is TencentDB; otherwise as it is (the
 * in-cluster database has no standby, so its master never moves).
 */
export function withDbServingRegion<M extends PodTemplated>(fleet: FleetSpec, manifest: M): M {
  const db = fleet.tars.db;
  const template = manifest.spec?.template;
  if (db.mode !== DbMode.TencentDb || template?.spec === undefined) return manifest;
  if (!configMapsLoaded(template.spec).includes(DB_CONFIG)) return manifest;
  return withPodTemplateAnnotations(manifest, {
    [DB_SERVING_REGION_ANNOTATION]: db.servingRegion,
  });
}

/**
 * Bash for a Job's script: `sql` runs the mysql client as the framework user from the Job's
 * DB_HOST, DB_PORT, DB_USER and DB_PASS, and the script waits up to 5 minutes for MySQL to answer
 * (the IDC-groups and recovery Jobs; the database Job logs in as root).
 */
export const FRAMEWORK_SQL_CLIENT = `sql() {
  MYSQL_PWD="$DB_PASS" mysql --host="$DB_HOST" --port="$DB_PORT" --user="$DB_USER" \\
    --connect-timeout=10 --default-character-set=utf8 "$@"
}

for attempt in {1..60}; do
  if sql -e 'SELECT 1' >/dev/null 2>&1; then break; fi
  echo "waiting for MySQL at $DB_HOST:$DB_PORT ($attempt/60)"; sleep 5
done
sql -e 'SELECT 1' >/dev/null`;
