/**
 * The home region is not a single point of failure: the framework database has a standby in
 * another region (advisory).
 *
 * Every registry of every region reads and writes the one framework database, and tarscli cannot
 * start a server whose registration fails (K8STARS `app/supervisor/launch.go` retries it for
 * ever), so losing the home region, where the database lives, stops every new or rescheduled pod
 * of the fleet, whatever the Sets' standbys. `tars.db.standbyRegion` keeps a cross-region
 * disaster-recovery replica, a standby tarsweb and a failover procedure (README: Losing the home
 * region); the in-cluster database can have none. The finding goes on the database itself: the
 * TencentDB instance in the home infra stack, or the in-cluster database's StatefulSet in the home
 * TARS stack. A fleet of one region has nowhere to put a standby and gets none.
 */
import { DbMode } from "../../fleet/model/schema";
import { FRAMEWORK_NAMESPACE } from "../../fleet/model/naming";
import { IN_CLUSTER_DB } from "../../fleet/k8s/db-config";
import { objectName } from "../k8s";
import { EnforcementLevel, FleetUse, type StackFinding, type StackRule } from "../rule";
import { K8sType, TencentType } from "../tokens";

/** The rule. */
export const homeRegionStandby: StackRule = {
  kind: "stack",
  name: "home-region-standby",
  description:
    "The framework database has a standby in another region (tars.db.standbyRegion), so losing the home region is survivable.",
  enforcementLevel: EnforcementLevel.Advisory,
  usesFleet: FleetUse.Required,
  resourceTypes: [TencentType.MysqlInstance, K8sType.StatefulSet],
  check: ({ resources, fleet }) => {
    if (fleet === undefined || fleet.regions.length < 2) return [];
    const db = fleet.tars.db;
    const home = fleet.homeRegion;
    if (db.mode === DbMode.TencentDb) {
      if (db.standbyRegion !== undefined) return [];
      const others = fleet.regions.filter((r) => r.name !== home).map((r) => r.name);
      return resources
        .filter((r) => r.type === TencentType.MysqlInstance)
        .map((r): StackFinding => ({
          resource: r.urn,
          message: `the home region ${home} is a single point of failure: the framework database has no standby, and losing it stops every registration in every region; set tars.db.standbyRegion to one of ${others.join(", ")} for a disaster-recovery replica, a standby tarsweb and tarsfed failover --region ${home} (README: Losing the home region)`,
        }));
    }
    const database = `${FRAMEWORK_NAMESPACE}/${IN_CLUSTER_DB}`;
    return resources
      .filter((r) => r.type === K8sType.StatefulSet && objectName(r.props) === database)
      .map((r): StackFinding => ({
        resource: r.urn,
        message: `the home region ${home} is a single point of failure: the in-cluster framework database can have no standby, and losing it stops every registration in every region; a home region that can be lost needs tars.db.mode tencentdb with tars.db.standbyRegion (README: Losing the home region)`,
      }));
  },
};
