/**
 * The framework database's cloud side, in the home region's infra stack: its passwords and, in
 * `tencentdb` mode, the TencentDB for MySQL instance. The home TARS stack prepares the schemas
 * (and runs an in-cluster database) with what this outputs (`TarsDatabase`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tencentcloud from "@pulumi/tencentcloud";
import { DbMode } from "../fleet/model/schema";
import { type FleetSpec } from "../fleet/model/model";
import { CloudTag, physicalName } from "../fleet/model/naming";
import { MYSQL_PORT } from "../fleet/k8s/db-config";
import { type DatabaseHaLayout } from "../fleet/network/database-placement";
import { ComponentType } from "./registry";

/** Where TencentDB goes: the home region's network. */
export interface DatabasePlacement {
  readonly vpcId: pulumi.Input<string>;
  /** The primary zone's node subnet. */
  readonly subnetId: pulumi.Input<string>;
  /** Zone of `subnetId`. */
  readonly availabilityZone: string;
  /** The database's own security group: MySQL from the fleet only. */
  readonly securityGroupId: pulumi.Input<string>;
}

/** Arguments of {@link TarsDatabaseInstance}. */
export interface TarsDatabaseInstanceArgs {
  readonly fleet: FleetSpec;
  /**
   * Where TencentDB goes.
   *
   * @default - no TencentDB: the fleet's database is in-cluster (and this component holds only
   *   its passwords, in the home TARS stack when the home region has no infra stack)
   */
  readonly placement?: DatabasePlacement;
  /**
   * The two-node layout a DR replica needs of its master (fleet/network/database-placement.ts),
   * given when `tars.db.standbyRegion` is set.
   *
   * @default - the provider's defaults (`device_type` UNIVERSAL, the replica node in the same
   *   zone): what fleets without a standby have always had, so turning none on changes nothing
   */
  readonly layout?: DatabaseHaLayout;
}

// TencentDB passwords need 8-64 characters of at least two kinds; these avoid shell and SQL quoting.
const PASSWORD = {
  length: 24,
  special: true,
  overrideSpecial: "_-",
  minUpper: 2,
  minLower: 2,
  minNumeric: 2,
  minSpecial: 1,
};

/**
 * `${name}-root-password`, `${name}-admin-password` and, for TencentDB, `${name}-mysql`.
 *
 * TencentDB for MySQL 5.7 has no public access, and is protected and kept when removed from the
 * program: the database is the platform's memory.
 */
export class TarsDatabaseInstance extends pulumi.ComponentResource {
  public readonly rootPassword: random.RandomPassword;
  public readonly adminPassword: random.RandomPassword;
  public readonly mysql?: tencentcloud.MysqlInstance;
  /**
   * TencentDB's intranet address.
   *
   * @default - none for an in-cluster database
   */
  public readonly host?: pulumi.Output<string>;
  /**
   * TencentDB's instance id, which a DR replica names as its master.
   *
   * @default - none for an in-cluster database
   */
  public readonly instanceId?: pulumi.Output<string>;
  /**
   * TencentDB's `gtid` output: "`0` - Not enabled; `1` - Enabled" (tencentcloud_mysql_instance,
   * tencentcloudstack/terraform-provider-tencentcloud website/docs/r/mysql_instance.html.markdown).
   *
   * @default - none for an in-cluster database
   */
  public readonly gtid?: pulumi.Output<number>;

  constructor(
    name: string,
    args: TarsDatabaseInstanceArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(ComponentType.TarsDatabaseInstance, name, {}, opts);
    this.rootPassword = new random.RandomPassword(`${name}-root-password`, PASSWORD, {
      parent: this,
    });
    const db = args.fleet.tars.db;
    // A changed keeper replaces the password (`keepers`: "Arbitrary map of values that, when
    // changed, will trigger recreation of resource", @pulumi/random 4.21.2 RandomPasswordArgs).
    // Only the framework user's: the init Job logs in as root with the Secret's root password, so
    // a new root password would lock it out (README: Rotating the database credentials).
    const generation = db.passwordGeneration;
    this.adminPassword = new random.RandomPassword(
      `${name}-admin-password`,
      {
        ...PASSWORD,
        ...(generation === undefined ? {} : { keepers: { generation: String(generation) } }),
      },
      { parent: this },
    );
    if (db.mode === DbMode.TencentDb && args.placement !== undefined) {
      const { placement } = args;
      this.mysql = new tencentcloud.MysqlInstance(
        `${name}-mysql`,
        {
          instanceName: physicalName("mysql", [args.fleet.name, "tars"]),
          engineVersion: db.engineVersion,
          memSize: db.memoryMb,
          volumeSize: db.storageGb,
          chargeType: "POSTPAID",
          vpcId: placement.vpcId,
          subnetId: placement.subnetId,
          availabilityZone: placement.availabilityZone,
          securityGroups: [placement.securityGroupId],
          internetService: 0,
          intranetPort: MYSQL_PORT,
          rootPassword: this.rootPassword.result,
          // None of these is ForceNew (only charge_type and disk_type are:
          // mysqlInstanceReplaceOnChanges), so turning a standby on updates a running master in
          // place: TencentDB moves its replica node to the other zone.
          ...(args.layout === undefined
            ? {}
            : {
                deviceType: args.layout.deviceType,
                slaveDeployMode: args.layout.slaveDeployMode,
                ...(args.layout.firstSlaveZone === undefined
                  ? {}
                  : { firstSlaveZone: args.layout.firstSlaveZone }),
              }),
          tags: { [CloudTag.fleet]: args.fleet.name },
        },
        { parent: this, protect: true, retainOnDelete: true },
      );
      this.host = this.mysql.intranetIp;
      this.instanceId = this.mysql.id;
      this.gtid = this.mysql.gtid;
    }
    this.registerOutputs({});
  }
}
