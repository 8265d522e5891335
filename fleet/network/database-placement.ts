/**
 * How TencentDB for MySQL is laid out in a region when the fleet keeps a standby: what a
 * cross-region disaster-recovery (DR) instance needs of its master, and the same layout for the
 * DR instance, which becomes the master after a failover.
 *
 * - **Two nodes.** "Single-node architecture does not support mounting read-only instances and
 *   disaster recovery instances. Cluster Edition instances do not support mounting disaster
 *   recovery instances" (https://tencentcloud.com/document/product/236/7268, Database Instance
 *   Types). `device_type` `UNIVERSAL` is the provider's default, "universal instance" (the
 *   two-node, one-source-one-replica architecture:
 *   https://www.tencentcloud.com/document/product/236/38329); `BASIC_V2` is single-node and
 *   `CLOUD_NATIVE_CLUSTER*` the Cluster Edition (tencentcloud_mysql_instance, tencentcloudstack/
 *   terraform-provider-tencentcloud website/docs/r/mysql_instance.html.markdown). With a standby
 *   it is pinned, so no default can turn the master into an instance a DR replica cannot follow.
 * - **Replica in another zone.** `slave_deploy_mode` "0 - Single availability zone; 1 - Multiple
 *   availability zones" with `first_slave_zone` "Zone information about first slave instance"
 *   (same doc): the region's second zone holds the master's own replica, so losing one zone is a
 *   switch inside the region, not a cross-region failover with its replication lag.
 * - **GTID** on the source is the requirement for a DR replica; no Tencent Cloud page
 *   reachable here states it, so it is unconfirmed. It is not an input of provider v1.83.25 (`gtid` is an output: "Indicates whether GTID
 *   is enable. `0` - Not enabled; `1` - Enabled", tencentcloud_mysql_instance, tencentcloudstack/
 *   terraform-provider-tencentcloud website/docs/r/mysql_instance.html.markdown); MySQL 5.7
 *   instances support it (OpenDBInstanceGTID: "Only instances on or above version 5.6 are
 *   supported", https://www.tencentcloud.com/document/api/236/17489). So it cannot be enforced
 *   and no policy can see it (a plan has no outputs); the home infra stack exports the master's
 *   `gtid`, and `tarsfed preview`/`up` of the standby infra stack refuse while that recorded
 *   value is 0 ({@link masterGtidRefusal}).
 */
import { primaryZone, sortZones } from "./carve";
import { type FleetSpec, type RegionSpec } from "../model/model";
import { DbMode } from "../model/schema";
import { infraStackName } from "../model/naming";

/** `device_type` of a two-node ("universal") TencentDB for MySQL instance. */
export const TWO_NODE_DEVICE_TYPE = "UNIVERSAL";

/** `slave_deploy_mode`: the replica node in the same zone, or in another. */
export const SlaveDeployMode = { SingleZone: 0, MultiZone: 1 } as const;

/** An instance's high-availability layout: the inputs of the master and of its DR instance. */
export interface DatabaseHaLayout {
  readonly deviceType: typeof TWO_NODE_DEVICE_TYPE;
  readonly slaveDeployMode: (typeof SlaveDeployMode)[keyof typeof SlaveDeployMode];
  /**
   * Zone of the instance's replica node: the zone numbered next above the primary one.
   *
   * @default - the primary zone: the region has one zone
   */
  readonly firstSlaveZone?: string;
}

/**
 * The two-node layout in `region`: the replica node in the zone numbered next above the primary
 * one (else the lowest-numbered other zone), so adding a zone numbered below both, with
 * `primaryZone` kept, moves nothing. A zone added between the two moves the replica node there,
 * an update in place.
 */
export function databaseHaLayout(region: RegionSpec): DatabaseHaLayout {
  const primary = primaryZone(region.zones, region.primaryZone);
  const sorted = sortZones(region.zones);
  const others = sorted.filter((zone) => zone !== primary);
  const other = sorted.slice(sorted.indexOf(primary) + 1)[0] ?? others[0];
  return other === undefined
    ? { deviceType: TWO_NODE_DEVICE_TYPE, slaveDeployMode: SlaveDeployMode.SingleZone }
    : {
        deviceType: TWO_NODE_DEVICE_TYPE,
        slaveDeployMode: SlaveDeployMode.MultiZone,
        firstSlaveZone: other,
      };
}

/** The home infra stack's output recording the master's `gtid` (program/outputs.ts). */
export const MASTER_GTID_OUTPUT = "dbGtid";

/** `gtid` of a master without GTID: "`0` - Not enabled" (tencentcloud_mysql_instance). */
export const GTID_NOT_ENABLED = 0;

/**
 * The stack whose recorded master `gtid` a run of `stacks` must check: the home infra stack, when
 * `stacks` hold the standby infra stack, which creates (or keeps) the DR replica of the home
 * master while the home region serves. Undefined otherwise (no standby, another selection, or the
 * standby serving, whose DR resource follows no live master).
 */
export function masterGtidStack(fleet: FleetSpec, stacks: readonly string[]): string | undefined {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb || db.standbyRegion === undefined) return undefined;
  if (db.servingRegion !== fleet.homeRegion) return undefined;
  return stacks.includes(infraStackName(db.standbyRegion))
    ? infraStackName(fleet.homeRegion)
    : undefined;
}

/**
 * Why `preview`/`up` refuse the standby infra stack, when the home infra stack records the
 * master's GTID as not enabled (`recorded`, its {@link MASTER_GTID_OUTPUT} output): the DR
 * replica needs it. Undefined when it is enabled, or not recorded (a home infra stack not yet
 * deployed, or deployed before the output existed).
 */
export function masterGtidRefusal(fleet: FleetSpec, recorded: unknown): string | undefined {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb || db.standbyRegion === undefined) return undefined;
  if (recorded !== GTID_NOT_ENABLED) return undefined;
  const home = infraStackName(fleet.homeRegion);
  return (
    `refused: ${infraStackName(db.standbyRegion)} holds the database's disaster-recovery ` +
    `replica of the home master, which needs GTID, and ${home} records the master's GTID as ` +
    `not enabled (output ${MASTER_GTID_OUTPUT}: 0). Enable it on the master (TencentDB console, ` +
    "or the OpenDBInstanceGTID API: https://www.tencentcloud.com/document/api/236/17489), then " +
    `record it: pulumi refresh --stack ${home}, and tarsfed up --stack ${home} --yes ` +
    "(tarsfed up never refreshes). README: Losing the home region"
  );
}
