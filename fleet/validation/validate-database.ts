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
  const zone = asString(field(db, "dnsZone"));
  if (zone !== undefined) checkDnsZone(zone, report);
  const home = asString(data.homeRegion);
  checkNameResolves(data, home, report);
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

/**
 * Top-level domains that are reserved and never delegated in IANA's root zone, so not "standard"
 * for Private DNS (below): RFC 2606 (`test`, `example`, `invalid`, `localhost`), RFC 6762
 * (`local`, mDNS) and ICANN's 2024 resolution reserving `internal`; `intranet`, `private`, `corp`,
 * `home` and `lan` are the private-use names RFC 6762 appendix G lists as seen in use, also undelegated.
 */
const NON_STANDARD_TLDS = new Set([
  "test",
  "example",
  "invalid",
  "localhost",
  "local",
  "internal",
  "lan",
  "home",
  "corp",
  "intranet",
  "private",
]);

/** A DNS label: 1-63 of a-z, 0-9 and `-`, not starting or ending with `-` (RFC 1035 2.3.1). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * `tars.db.dnsZone` is a domain Private DNS creates: CreatePrivateZone's `Domain` "must be in the
 * format of standard TLD" (https://cloud.tencent.com/document/api/1338/55946, example `a.com`),
 * and a top-level domain outside IANA's needs the paid non-standard TLD service
 * (https://intl.cloud.tencent.com/document/product/1097/50829). The record `db.<zone>` must stay
 * within DNS's 253 characters (RFC 1035 2.3.4).
 */
function checkDnsZone(zone: string, report: Report): void {
  const at = ["tars", "db", "dnsZone"];
  const labels = zone.split(".");
  const bad = labels.find((label) => !DNS_LABEL.test(label));
  if (bad !== undefined || labels.length < 2) {
    report(
      at,
      `must be a lowercase domain of at least two labels of a-z, 0-9 and - (e.g. "tarsfed-demo.com"), got ${JSON.stringify(zone)}`,
    );
    return;
  }
  const tld = labels[labels.length - 1] ?? "";
  if (NON_STANDARD_TLDS.has(tld) || !/^([a-z]{2,63}|xn--[a-z0-9-]+)$/.test(tld)) {
    report(
      at,
      `.${tld} is not a top-level domain of IANA's root zone, and Private DNS creates a zone only under a standard one (without its paid non-standard TLD service): choose a domain under e.g. .com, got ${JSON.stringify(zone)}`,
    );
    return;
  }
  if (`db.${zone}`.length > 253) {
    report(
      at,
      `must be at most 250 characters, so that db.<zone> is a valid host name, got ${zone.length}`,
    );
  }
}

/**
 * Every cluster reaches TencentDB by its name, which resolves only in the VPCs attached to the
 * fleet's Private DNS zone: the ones the fleet creates. An existing network declares no VPC (and
 * an existing cluster need not be in a Tencent Cloud VPC at all), so nothing could attach it.
 * The home region's existing network is validate-existing.ts's (TencentDB needs it created).
 */
function checkNameResolves(
  data: Record<string, unknown>,
  home: string | undefined,
  report: Report,
): void {
  const regions = field(data, "regions");
  if (home === undefined || hasExistingNetwork(field(regions, home))) return;
  for (const [name, region] of entriesOf(regions)) {
    if (name === home || !hasExistingNetwork(region)) continue;
    report(
      ["regions", name, "network"],
      "is existing while tars.db.mode is tencentdb (the default): every cluster reaches TencentDB by its name in a Private DNS zone that resolves only in the VPCs this fleet creates and attaches to it; remove network: existing, or set tars.db.mode to in-cluster",
    );
  }
}
