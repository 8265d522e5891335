/**
 * The framework database's standby: a cross-region disaster-recovery replica of TencentDB in
 * `tars.db.standbyRegion`, and which region's instance serves (`tars.db.servingRegion`).
 */
import { asString, entriesOf, field } from "../model/raw";
import { allowed, type Report } from "./validate-common";
import { hasExistingNetwork } from "./validate-existing";

/** `tars.db.standbyRegion` and `tars.db.servingRegion` name regions that can hold those roles. */
export function checkDatabaseStandby(
  data: Record<string, unknown>,
  regionNames: ReadonlySet<string>,
  report: Report,
): void {
  const db = field(field(data, "tars"), "db");
  if ((asString(field(db, "mode")) ?? "tencentdb") !== "tencentdb") return;
  const home = asString(data.homeRegion);
  const standby = asString(field(db, "standbyRegion"));
  if (standby !== undefined) checkStandbyRegion(data, standby, home, regionNames, report);
  const serving = asString(field(db, "servingRegion"));
  if (serving === undefined || home === undefined) return;
  const other = standby === home ? undefined : standby;
  if (serving !== home && serving !== other) {
    report(
      ["tars", "db", "servingRegion"],
      other === undefined
        ? `must be the home region ${JSON.stringify(home)}, got ${JSON.stringify(serving)}: only a tars.db.standbyRegion can take the master over (README: Losing the home region)`
        : `must be the home region ${JSON.stringify(home)} or the standby region ${JSON.stringify(other)}, got ${JSON.stringify(serving)}`,
    );
  }
}

function checkStandbyRegion(
  data: Record<string, unknown>,
  standby: string,
  home: string | undefined,
  regionNames: ReadonlySet<string>,
  report: Report,
): void {
  const at = ["tars", "db", "standbyRegion"];
  if (!regionNames.has(standby)) {
    report(at, `unknown region ${JSON.stringify(standby)}, expected ${allowed(regionNames)}`);
    return;
  }
  if (standby === home) {
    const others = new Set([...regionNames].filter((name) => name !== home));
    report(
      at,
      others.size === 0
        ? `must be a region other than the home region ${JSON.stringify(home)}, and the fleet has no other region`
        : `must be a region other than the home region ${JSON.stringify(home)}: a replica in the same region is lost with it; expected ${allowed(others)}`,
    );
    return;
  }
  const region = field(field(data, "regions"), standby);
  if (hasExistingNetwork(region)) {
    report(
      at,
      `the disaster-recovery replica is created in the standby region's VPC, but regions.${standby}.network is existing: choose a region whose network this fleet creates`,
    );
  }
  if (entriesOf(field(region, "clusters")).length === 0) {
    report(
      at,
      `the standby region runs tarsweb and the query services at 0 replicas in its first cluster, and regions.${standby} has no cluster`,
    );
  }
}
