/**
 * Re-protecting after a home-region failover: the promoted instance becomes the master of the new
 * home (the old standby region), and the old home, once it is back, gets a new disaster-recovery
 * replica. A pure plan: the fleet edits (`homeRegion`, `tars.db.standbyRegion`,
 * `tars.db.servingRegion` swapped) and the Pulumi state moves a person runs before any `up`, so
 * no update creates a second master or deletes the promoted one.
 *
 * State moves, in order (URNs as the infra program names the resources: `program/infra.ts`,
 * `components/tars-database-instance.ts`, `tars-database-replica.ts`, `database-dns-record.ts`):
 * the DNS record's component moves to the new standby's infra stack, which holds it, first: since
 * the failover its value is the DR resource's address, so it depends on it in state, and
 * `pulumi state delete` refuses a resource another depends on or is parented to; then the DR
 * resource leaves the new home's state (the instance stays: `pulumi state delete` never deletes a
 * cloud resource); the fenced old master leaves the old home's state and stays in the cloud,
 * retained, until a person deletes it; the database's component with its passwords moves to the
 * new home's infra stack (`pulumi state move` of a top-level resource "automatically includes
 * their children": https://www.pulumi.com/docs/iac/operations/stack-management/moving-resources-between-stacks/),
 * where the promoted instance is imported as its `MysqlInstance` (`pulumi import --parent
 * name=urn`); the fence is lifted: its stack destroyed (the provider's rule-set delete sets the
 * group's policy list empty: `resource_tc_security_group_rule_set.go`), the old home's own rule
 * set of that group refreshed, and, once the fleet edits and the new home are applied, updated
 * alone (`--target`), so the group holds its ACCEPT rules again before the new replica, which
 * uses it, is created.
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_state_delete/
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_state_move/
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_import/
 */
import { type FleetSpec } from "../model/model";
import { infraStackName, PULUMI_PROJECT } from "../model/naming";
import { DbMode } from "../model/schema";
import { oneOffStack } from "./home-failover";
import { OperationError } from "./operations";

/** One fleet edit: a scalar at a path. */
export interface ReprotectEdit {
  readonly path: readonly string[];
  readonly from: string;
  readonly to: string;
}

/** One state move, with the exact commands. */
export interface StateMove {
  readonly n: number;
  readonly description: string;
  readonly commands: readonly string[];
}

/** The plan `tarsfed reprotect` prints. */
export interface ReprotectPlan {
  readonly procedure: "reprotect";
  readonly newHome: string;
  readonly newStandby: string;
  readonly stateMoves: readonly StateMove[];
  readonly fleetEdits: readonly ReprotectEdit[];
  /** What to run once the edits and moves are done. */
  readonly after: readonly string[];
}

/**
 * The in-place updates `preview` shows on the imported master, and why; anything else on it is
 * to be read before `up`, and a replace or delete of it is to stop. The provider's `instance_name`
 * is not ForceNew (ModifyDBInstanceName on change) and its Read never sets `root_password`
 * (ModifyAccountPassword of root on change): tencentcloudstack/terraform-provider-tencentcloud
 * `tencentcloud/services/cdb/resource_tc_mysql_instance.go` (`TencentMsyqlBasicInfo`,
 * `resourceTencentCloudMysqlInstanceRead`, `...Update`).
 */
export const MASTER_IMPORT_UPDATES: readonly { readonly input: string; readonly why: string }[] = [
  {
    input: "instanceName",
    why: "the promoted instance keeps the replica's name, <fleet>-tars-dr, and is renamed <fleet>-tars",
  },
  {
    input: "rootPassword",
    why: "the provider reads no root password back, so the import has none; the update sets the moved component's, the one the replica copied from the old master",
  },
];

/**
 * The database security group's rule set in a region's infra stack, as a `--target` pattern
 * (`components/region-network.ts`: `<region>-database-rules` under the region's network).
 */
export function databaseRulesTarget(region: string): string {
  return `urn:pulumi:${infraStackName(region)}::${PULUMI_PROJECT}::**::${region}-database-rules`;
}

const urn = (stack: string, types: readonly string[], name: string) =>
  `urn:pulumi:${stack}::${PULUMI_PROJECT}::${types.join("$")}::${name}`;

const T = {
  instance: "tarsfed:tars:TarsDatabaseInstance",
  replica: "tarsfed:tars:TarsDatabaseReplica",
  record: "tarsfed:network:DatabaseDnsRecord",
  mysql: "tencentcloud:index/mysqlInstance:MysqlInstance",
  dr: "tencentcloud:index/mysqlDrInstance:MysqlDrInstance",
};

/**
 * The re-protection plan of a fleet whose database was failed over: `servingRegion` is its
 * `standbyRegion`. Throws {@link OperationError} otherwise.
 */
export function planReprotect(fleet: FleetSpec): ReprotectPlan {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb || db.standbyRegion === undefined)
    throw new OperationError(
      "refused: re-protection is for a fleet whose database failed over to tars.db.standbyRegion, and this fleet has none (README: Losing the home region)",
    );
  if (db.servingRegion !== db.standbyRegion)
    throw new OperationError(
      `refused: the database still serves from the home region ${fleet.homeRegion} (tars.db.servingRegion); nothing to re-protect until tarsfed failover --region ${fleet.homeRegion} promoted the replica`,
    );
  const oldHome = fleet.homeRegion;
  const newHome = db.standbyRegion;
  const oldInfra = infraStackName(oldHome);
  const newInfra = infraStackName(newHome);
  const dr = urn(newInfra, [T.replica, T.dr], "tars-db-replica-mysql");
  const oldMaster = urn(oldInfra, [T.instance, T.mysql], "tars-db-mysql");
  const component = (stack: string) => urn(stack, [T.instance], "tars-db");
  const record = urn(newInfra, [T.record], "tars-db");
  const id = `$(pulumi stack output --stack ${newInfra} dbDrInstanceId)`;
  const fence = oneOffStack.fence(oldHome);
  const rules = databaseRulesTarget(oldHome);
  return {
    procedure: "reprotect",
    newHome,
    newStandby: oldHome,
    stateMoves: [
      {
        n: 1,
        description: `move the database's DNS record to ${oldInfra}, the new standby's infra stack, which holds it; first, because since the failover the record's value is the DR resource's address, and pulumi state delete refuses a resource another depends on (moving the record breaks that dependency; its value stays)`,
        commands: [`pulumi state move --source ${newInfra} --dest ${oldInfra} '${record}' --yes`],
      },
      {
        n: 2,
        description: `take the promoted instance's DR resource out of ${newInfra}'s state (the instance stays)`,
        commands: [
          `export TARSFED_PROMOTED=${id}`,
          `pulumi state unprotect --stack ${newInfra} '${dr}' --yes`,
          `pulumi state delete --stack ${newInfra} '${dr}' --yes`,
        ],
      },
      {
        n: 3,
        description: `drop the fenced old master from ${oldInfra}'s state; it stays in ${oldHome}, fenced, until a person deletes it (console)`,
        commands: [
          `pulumi state unprotect --stack ${oldInfra} '${oldMaster}' --yes`,
          `pulumi state delete --stack ${oldInfra} '${oldMaster}' --yes`,
        ],
      },
      {
        n: 4,
        description: `move the database's component and passwords to ${newInfra} (the same passwords the promoted instance has)`,
        commands: [
          `pulumi state move --source ${oldInfra} --dest ${newInfra} '${component(oldInfra)}' --yes`,
        ],
      },
      {
        n: 5,
        description: `import the promoted instance as ${newInfra}'s master MysqlInstance tars-db-mysql, protected`,
        commands: [
          `pulumi import --stack ${newInfra} ${T.mysql} tars-db-mysql "$TARSFED_PROMOTED" --parent 'tarsdb=${component(newInfra)}' --protect --generate-code=false --yes`,
        ],
      },
      {
        n: 6,
        description:
          `lift the fence: destroying ${fence} empties the database security group's policy list (the provider's delete sets an empty list), ` +
          `and the refresh tells ${oldInfra} so: its own rule set of that group still records the ACCEPT rules the fence replaced, ` +
          `and tarsfed up never refreshes. The rules come back with the targeted update below, before the new replica, which uses that group, is created`,
        commands: [
          `pulumi destroy --stack ${fence} --yes && pulumi stack rm ${fence} --yes`,
          `pulumi refresh --stack ${oldInfra} --target '${rules}' --yes`,
        ],
      },
      {
        n: 7,
        description:
          "remove the other one-off stacks of the failover (their resources did their work)",
        commands: [
          `pulumi stack rm ${oneOffStack.promote(newHome)} --force --yes`,
          `pulumi destroy --stack ${oneOffStack.recovery(newHome)} --yes && pulumi stack rm ${oneOffStack.recovery(newHome)} --yes`,
        ],
      },
    ],
    fleetEdits: [
      { path: ["homeRegion"], from: oldHome, to: newHome },
      // servingRegion stays the new home's: the promoted instance serves.
      { path: ["tars", "db", "standbyRegion"], from: newHome, to: oldHome },
    ],
    after: [
      `tarsfed preview --all: ${newInfra} must show tars-db-mysql updated in place and never replaced or deleted: ` +
        `${MASTER_IMPORT_UPDATES.map((u) => u.input).join(" and ")} (${MASTER_IMPORT_UPDATES.map((u) => u.why).join("; ")}); ` +
        `${oldInfra} restores the database group's rules and creates the new replica tars-db-replica-mysql of it`,
      `tarsfed up --stack global --allow-replace homeRegion --yes && tarsfed up --stack ${newInfra} --allow-replace homeRegion --yes`,
      `pulumi up --stack ${oldInfra} --target '${rules}' --yes: the database group's ACCEPT rules back, before the replica that uses the group exists`,
      `tarsfed up --all --allow-replace homeRegion --yes`,
    ],
  };
}
