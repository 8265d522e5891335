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
 * - **GTID** is not an input of provider v1.83.25 (`gtid` is an output: "Indicates whether GTID
 *   is enable"); MySQL 5.7 instances support it (OpenDBInstanceGTID: "Only instances on or above
 *   version 5.6 are supported", https://www.tencentcloud.com/document/api/236/17489). README
 *   (Losing the home region) says how to check it before turning the standby on.
 */
import { primaryZone, sortZones } from "./carve";
import { type RegionSpec } from "../model/model";

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
