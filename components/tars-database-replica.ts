/**
 * The framework database's cross-region disaster-recovery (DR) replica, in the standby region's
 * infra stack (`tars.db.standbyRegion`): a read-only copy TencentDB keeps in sync with the home
 * master, which `tarsfed failover --region <home>` promotes when the home region is lost.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type FleetSpec } from "../fleet/model/model";
import { CloudTag, physicalName } from "../fleet/model/naming";
import { DbMode } from "../fleet/model/schema";
import { MYSQL_PORT } from "../fleet/k8s/db-config";
import { type DatabaseHaLayout } from "../fleet/network/database-placement";
import { type DatabasePlacement } from "./tars-database-instance";
import { ComponentType } from "./registry";

/** Arguments of {@link TarsDatabaseReplica}. */
export interface TarsDatabaseReplicaArgs {
  readonly fleet: FleetSpec;
  /** The home master's instance id, from the home infra stack's outputs. */
  readonly masterInstanceId: pulumi.Input<string>;
  /** The home master's Tencent Cloud region, e.g. `ap-guangzhou`. */
  readonly masterTencentRegion: string;
  /** Where the replica goes: the standby region's VPC, primary zone and database security group. */
  readonly placement: DatabasePlacement;
  /** Two nodes, the replica node in the region's next zone, like the master. */
  readonly layout: DatabaseHaLayout;
}

/**
 * `${name}-mysql`: `tencentcloud_mysql_dr_instance` of the home master (`master_instance_id`,
 * `master_region`), with the master's memory and disk, in the standby region's network
 * (tencentcloudstack/terraform-provider-tencentcloud website/docs/r/mysql_dr_instance.html.markdown;
 * https://www.pulumi.com/registry/packages/tencentcloud/api-docs/mysqldrinstance/). It has no
 * `engine_version` input: a DR instance runs its master's engine. No root password either: the
 * provider says to ignore `root_password` "when you purchase read-only instances or disaster
 * recovery instances" (mysql_instance.html.markdown); the master's accounts replicate.
 *
 * Protected and kept when removed from the program, like the master: after a failover it is the
 * platform's memory.
 */
export class TarsDatabaseReplica extends pulumi.ComponentResource {
  public readonly mysql: tencentcloud.MysqlDrInstance;
  /** The DR instance's id. */
  public readonly instanceId: pulumi.Output<string>;
  /** The DR instance's intranet address. */
  public readonly host: pulumi.Output<string>;

  constructor(name: string, args: TarsDatabaseReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsDatabaseReplica, name, {}, opts);
    const db = args.fleet.tars.db;
    if (db.mode !== DbMode.TencentDb) throw new Error("a DR replica needs tars.db.mode tencentdb");
    const { placement, layout } = args;
    this.mysql = new tencentcloud.MysqlDrInstance(
      `${name}-mysql`,
      {
        instanceName: physicalName("mysql", [args.fleet.name, "tars", "dr"]),
        masterInstanceId: args.masterInstanceId,
        masterRegion: args.masterTencentRegion,
        memSize: db.memoryMb,
        volumeSize: db.storageGb,
        chargeType: "POSTPAID",
        vpcId: placement.vpcId,
        subnetId: placement.subnetId,
        availabilityZone: placement.availabilityZone,
        securityGroups: [placement.securityGroupId],
        intranetPort: MYSQL_PORT,
        deviceType: layout.deviceType,
        slaveDeployMode: layout.slaveDeployMode,
        ...(layout.firstSlaveZone === undefined ? {} : { firstSlaveZone: layout.firstSlaveZone }),
        tags: { [CloudTag.fleet]: args.fleet.name },
      },
      { parent: this, protect: true, retainOnDelete: true },
    );
    this.instanceId = this.mysql.id;
    this.host = this.mysql.intranetIp;
    this.registerOutputs({ instanceId: this.instanceId, host: this.host });
  }
}
