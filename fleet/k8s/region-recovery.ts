/**
 * The Job that runs the recovery SQL of a lost region (`fleet/operations/region-recovery.ts`) on
 * the promoted master: step 3 of `tarsfed failover --region <home>`, run in a living region's
 * cluster (the standby region's), on the promoted instance's own address (`options.dbHost`), since
 * the database's DNS name still points at the old master until step 4.
 *
 * It runs in the database Job's MySQL client image as the framework user. Where the database is
 * and who connects are plain env values a review reads in the plan: the database's DNS name
 * (`fleet/network/database-dns.ts`; the procedure gives the promoted instance's address
 * instead), MySQL's port and the framework user, as the database component gives them
 * (`components/tars-database.ts`). The password alone comes from the Secret {@link DB_SECRET}, key `DB_PASS`, which every cluster
 * running a registry holds (`components/tars-framework.ts`), so the Job needs no Secret of its own,
 * and not the home cluster's init Secret, lost with the region. The SQL is in the Job itself (an
 * env value), so the Job is one object a person can read whole.
 *
 * The script refuses a read-only server: until the DR replica is promoted (step 2) it is
 * read-only, and an UPDATE would fail half-way through the steps instead of at the start.
 */
import { createHash } from "node:crypto";
import { type IJob } from "kubernetes-models/batch/v1/Job";
import { type IEnvVar } from "kubernetes-models/v1/EnvVar";
import { type FleetSpec } from "../model/model";
import { FRAMEWORK_NAMESPACE } from "../model/naming";
import { databaseHost } from "../network/database-dns";
import { DB_INIT_SIZE } from "../tars/framework";
import { regionRecoverySql } from "../operations/region-recovery";
import { dbClientImage } from "./database";
import {
  DB_ADMIN_USER,
  DB_SECRET,
  FRAMEWORK_SQL_CLIENT,
  IN_CLUSTER_DB,
  MYSQL_PORT,
} from "./db-config";
import { frameworkLabels } from "./servers";
import { containerResources } from "./tarscli";
import { hardenTemplate, ImageProfile } from "./pod-security";
import { type Spec } from "./types";

/** The start of the Job's name, and its component label. */
export const REGION_RECOVERY = "tars-region-recovery";

/**
 * The variables the script reads: where the database is and the framework user, which owns
 * db_tars (plain values), and its password (from {@link DB_SECRET}).
 */
export const REGION_RECOVERY_ENV = ["DB_HOST", "DB_PORT", "DB_USER", "DB_PASS"] as const;

/** The key of the framework user's password in {@link DB_SECRET}. */
export const DB_PASSWORD_KEY = "DB_PASS";

/** The env variable holding the SQL the script applies. */
export const RECOVERY_SQL_ENV = "RECOVERY_SQL";

/** The Job's annotation naming the lost region. */
export const LOST_REGION_ANNOTATION = "tarsfed.io/lost-region";

/** The tables the SQL changes; the script checks they exist first. */
export const RECOVERY_TABLES = ["t_node_info", "t_server_conf", "t_registry_info"] as const;

/** The first 12 hex digits of the SHA-256 of the recovery SQL for losing `lostRegion`. */
export function regionRecoveryHash(fleet: FleetSpec, lostRegion: string): string {
  return createHash("sha256")
    .update(regionRecoverySql(fleet, lostRegion))
    .digest("hex")
    .slice(0, 12);
}

/**
 * The Job's script: checks its environment, waits for MySQL, refuses a read-only server or a
 * database without the framework's tables, then applies `$RECOVERY_SQL` to db_tars and prints
 * what it changed. Bash and the `mysql` client only; the password goes through `MYSQL_PWD`.
 */
export function regionRecoveryScript(): string {
  const names = [...REGION_RECOVERY_ENV, RECOVERY_SQL_ENV];
  return `#!/bin/bash
# Created by tarsfed (fleet/k8s/region-recovery.ts): the recovery SQL of a lost region, applied to
# db_tars on the promoted master. Rerunning it changes no row.
set -euo pipefail

fail() { echo "${REGION_RECOVERY}: $*" >&2; exit 1; }

for name in ${names.join(" ")}; do
  [ -n "\${!name:-}" ] || fail "$name is not set; the Job sets ${names.filter((n) => n !== "DB_PASS").join(", ")} and reads DB_PASS from key ${DB_PASSWORD_KEY} of Secret ${DB_SECRET}"
done

${FRAMEWORK_SQL_CLIENT}

# A DR replica is read-only until it is promoted; the SQL must run on the new master.
read_only=$(sql -N -B -e 'SELECT @@global.read_only')
[ "$read_only" = 0 ] || fail "MySQL at $DB_HOST:$DB_PORT is read-only (read_only=$read_only): promote the DR replica and point $DB_HOST at it first"

for table in ${RECOVERY_TABLES.join(" ")}; do
  found=$(sql -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='db_tars' AND table_name='$table'")
  [ "$found" = 1 ] || fail "db_tars has no table $table: this is not the framework database"
done

printf '%s\\n' "$${RECOVERY_SQL_ENV}" | sql -N -B db_tars
echo "region recovery applied"
`;
}

/** Options of {@link regionRecoveryJob}. */
export interface RegionRecoveryJobOptions {
  /**
   * The database host to use instead of the database's DNS name, e.g. the promoted instance's
   * address while the record still points at the old master. @default - {@link recoveryDbHost}
   */
  readonly dbHost?: string;
}

/**
 * The host the Job connects to: the TencentDB database's DNS name; the in-cluster database's
 * Service (home cluster only; that mode has no standby to fail over to).
 */
export function recoveryDbHost(fleet: FleetSpec): string {
  return databaseHost(fleet) ?? `${IN_CLUSTER_DB}.${FRAMEWORK_NAMESPACE}.svc.cluster.local`;
}

/** The Job's name: {@link REGION_RECOVERY} and the SQL's hash, so another SQL is another Job. */
export function regionRecoveryJobName(fleet: FleetSpec, lostRegion: string): string {
  return `${REGION_RECOVERY}-${regionRecoveryHash(fleet, lostRegion)}`;
}

/**
 * The Job, in {@link FRAMEWORK_NAMESPACE} of the cluster it is created in, named after the SQL's
 * hash: the same fleet and lost region give the same Job. Retried on failure (the SQL is safe to
 * run again); hardened as the MySQL client image allows. Refuses an unknown region or the
 * fleet's only region (`OperationError`, from {@link regionRecoverySql}).
 */
export function regionRecoveryJob(
  fleet: FleetSpec,
  lostRegion: string,
  options: RegionRecoveryJobOptions = {},
): Spec<IJob> {
  const sql = regionRecoverySql(fleet, lostRegion);
  const { labels } = frameworkLabels(REGION_RECOVERY);
  const env: IEnvVar[] = [
    { name: "DB_HOST", value: options.dbHost ?? recoveryDbHost(fleet) },
    { name: "DB_PORT", value: String(MYSQL_PORT) },
    { name: "DB_USER", value: DB_ADMIN_USER },
    { name: "DB_PASS", valueFrom: { secretKeyRef: { name: DB_SECRET, key: DB_PASSWORD_KEY } } },
    { name: RECOVERY_SQL_ENV, value: sql },
  ];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: regionRecoveryJobName(fleet, lostRegion),
      namespace: FRAMEWORK_NAMESPACE,
      labels,
      annotations: { [LOST_REGION_ANNOTATION]: lostRegion },
    },
    spec: {
      backoffLimit: 6,
      template: hardenTemplate(
        { recover: ImageProfile.MysqlClient },
        {
          metadata: { labels },
          spec: {
            restartPolicy: "OnFailure",
            containers: [
              {
                name: "recover",
                image: dbClientImage(fleet.tars.db),
                command: ["/bin/bash", "-c", regionRecoveryScript()],
                env,
                resources: containerResources(DB_INIT_SIZE),
              },
            ],
          },
        },
      ),
    },
  };
}
