/**
 * The framework database's DNS name: one A record in a Private DNS zone attached to every fleet
 * VPC, so every registry, base service and Job reaches the database by name, never by IP, and a
 * failover repoints one record instead of every cluster (README: Losing the home region).
 *
 * Used in `tencentdb` mode with or without a standby: one code path. The in-cluster database is a
 * Kubernetes Service in the home cluster and has its own name there.
 */
import { DbMode } from "../model/schema";
import { type FleetSpec } from "../model/model";

/** The database's host label inside the zone (the record's `sub_domain`). */
export const DATABASE_RECORD = "db";

/**
 * The zone a fleet gets when `tars.db.dnsZone` is absent: `tarsfed-<fleet>.com`.
 *
 * A second-level domain under a standard top-level domain, like the API's own example `a.com`:
 * CreatePrivateZone's `Domain` "must be in the format of standard TLD"
 * (https://cloud.tencent.com/document/api/1338/55946), and a top-level domain outside IANA's
 * (e.g. `.internal`, `.local`) needs Private DNS's paid non-standard TLD service
 * (https://intl.cloud.tencent.com/document/product/1097/50829). The zone answers only inside the
 * fleet's VPCs, so shadowing a public domain of that name affects nothing the fleet uses.
 */
export function defaultDatabaseDnsZone(fleetName: string): string {
  return `tarsfed-${fleetName}.com`;
}

/** Where the database's name lives: the zone, the record in it, and the full host name. */
export interface DatabaseDns {
  /** The Private DNS zone's domain, e.g. `tarsfed-demo.com`. */
  readonly zone: string;
  /** The record's host label (`sub_domain`), `db`. */
  readonly record: string;
  /** The name clients connect to, `<record>.<zone>`. */
  readonly host: string;
}

/** The database's DNS name in `tencentdb` mode; undefined for the in-cluster database. */
export function databaseDns(fleet: FleetSpec): DatabaseDns | undefined {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb) return undefined;
  return { zone: db.dnsZone, record: DATABASE_RECORD, host: `${DATABASE_RECORD}.${db.dnsZone}` };
}

/** The host every framework client uses for the TencentDB database; undefined in-cluster. */
export function databaseHost(fleet: FleetSpec): string | undefined {
  return databaseDns(fleet)?.host;
}

/**
 * The record's TTL, seconds: short, so a failover's repoint reaches every resolver within half a
 * minute. `ttl`: "Record cache time. The smaller the value, the faster the record will take
 * effect. Value range: 1~86400s" (tencentcloud_private_dns_record; tencentcloudstack/
 * terraform-provider-tencentcloud website/docs/r/private_dns_record.html.markdown).
 */
export const DATABASE_RECORD_TTL_SECONDS = 30;

/** What the database's record points at. */
export const DatabaseRecordTarget = {
  /** The master in the same stack: the home infra stack's instance, when there is no standby. */
  LocalMaster: "local-master",
  /** The home master, by the home infra stack's output: a standby is set, home serves. */
  HomeMaster: "home-master",
  /** The standby region's DR instance, promoted by `tarsfed failover --region <home>`. */
  Replica: "replica",
} as const;

/** One of {@link DatabaseRecordTarget}. */
export type DatabaseRecordTarget = (typeof DatabaseRecordTarget)[keyof typeof DatabaseRecordTarget];

/** Where the database's record lives and what it points at. */
export interface DatabaseRecordPlan {
  /** The region whose infra stack holds the record. */
  readonly region: string;
  readonly target: DatabaseRecordTarget;
}

/**
 * The region of the cross-region disaster-recovery replica: `tars.db.standbyRegion` in
 * `tencentdb` mode; undefined without one.
 */
export function databaseReplicaRegion(fleet: FleetSpec): string | undefined {
  const db = fleet.tars.db;
  return db.mode === DbMode.TencentDb ? db.standbyRegion : undefined;
}

/**
 * Where the record is, and what it points at. Without a standby, in the home infra stack, at its
 * master. With one, in the standby region's infra stack, so that a failover repoints it without
 * touching the (lost) home region's stack: at the home master while home serves
 * (`tars.db.servingRegion`), at the DR instance once the standby does.
 */
export function databaseRecordPlan(fleet: FleetSpec): DatabaseRecordPlan | undefined {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb) return undefined;
  if (db.standbyRegion === undefined) {
    return { region: fleet.homeRegion, target: DatabaseRecordTarget.LocalMaster };
  }
  return {
    region: db.standbyRegion,
    target:
      db.servingRegion === db.standbyRegion
        ? DatabaseRecordTarget.Replica
        : DatabaseRecordTarget.HomeMaster,
  };
}
