/**
 * Step 3 of `tarsfed failover --region <home>`: the SQL run on the promoted master, right after
 * the promotion and before the DNS record lets any registry reach it, that marks the lost region's rows inactive and keeps the living regions'
 * rows from timing out while their nodes reconnect.
 *
 * Why it is needed. The promoted DR replica holds the framework database as it was when the home
 * region went dark, so every heartbeat in it is as old as the outage. The C++ registry (K8STARS
 * `cppregistry`, built from TarsFramework v2.4.3's RegistryServer) marks silent rows inactive:
 *
 * - nodes: `CheckNodeThread::run` calls `CDbHandle::checkNodeTimeout(nodeTimeout)` every
 *   `nodeTimeoutInterval` seconds (default 60: TarsFramework v2.4.3
 *   `RegistryServer/CheckNodeThread.cpp`), which runs `update t_node_info as node left join
 *   t_server_conf as server using (node_name) set node.present_state='inactive',
 *   server.present_state='inactive', server.process_id=0 where last_heartbeat < date_sub(now(),
 *   INTERVAL <nodeTimeout> SECOND)` (`RegistryServer/DbHandle.cpp`). `nodeTimeout` is 250 in K8STARS
 *   `baseserver/cppregistry/tarsregistry.conf` (`<reap>`), and 250 is also the code's default;
 * - registries: none of these writes a `t_registry_info` row. `ReapThread::run` calls
 *   `updateRegistryInfo2Db(_heartBeatOff)`, which returns at once when the conf's
 *   `<reap> heartbeatoff` is `Y` (TarsFramework v2.4.3 `RegistryServer/ReapThread.cpp`,
 *   `DbHandle.cpp`), and K8STARS' `baseserver/cppregistry/tarsregistry.conf` sets
 *   `heartbeatoff=Y`. So the SQL leaves `t_registry_info` alone: there is no registry heartbeat
 *   in it to refresh, nor a row of these registries to mark.
 *
 * So as soon as the registries reach the new master, every node of every region (the living too)
 * and every server on them would be marked inactive, until each pod's tarscli (K8STARS
 * `app/supervisor/report.go` `keepAlive` → the Go registry's `KeepAliveNode` and `SetServerState`,
 * `tarsregistry/store/mysql.go`) or each CVM's tarsnode (`CDbHandle::keepAlive`) heartbeats again.
 *
 * What the SQL changes, in one transaction, and nothing else:
 * - the lost region's `t_node_info` rows: `present_state = 'inactive'`; its `t_server_conf` rows:
 *   `present_state = 'inactive'`, `process_id = 0` (exactly what `checkNodeTimeout` would write
 *   250 s later). The registry hands an endpoint out as active only when its
 *   `t_server_conf` row has `setting_state` and `present_state` both `active` (`DbHandle.cpp`
 *   `loadObjectIdCache`), so its callers stop being sent to the lost region.
 *   `setting_state` is the wanted state (K8STARS' `RegisterServer` writes `active`), which the
 *   registry's own timeout never touches either: it is kept. `t_adapter_conf` has no state
 *   (an adapter's state is its server row's, `loadObjectIdCache`) and is not touched;
 * - the living regions' `t_node_info` rows that are active, or that hold an active server
 *   (tarscli's `SetServerState` writes a server's state to both tables, so a node row can lag
 *   its server): `last_heartbeat = NOW()` where it is older than {@link HEARTBEAT_FRESH_SECONDS}.
 *   Their senders then have {@link NODE_TIMEOUT_SECONDS} to heartbeat again before the registry's
 *   check can mark them.
 *
 * It sets no row active, not even a living one the node check already marked inactive (a run
 * started late): only a server's own report knows it is alive. tarscli reports its server's
 * state, `active` when its check passes, at least every `TARS_REPORT_INTERVAL`, and the registry
 * writes it to both the node's and the server's row (K8STARS `app/supervisor/report.go`
 * `keepAlive`, `tarsregistry/store/mysql.go` `SetServerState`); tarsnode's heartbeat sets its
 * node active (`DbHandle.cpp` `keepAlive`). So a living row comes back by itself within that
 * interval, while a row set active here whose server is in fact down would have callers sent to
 * it until the next timeout.
 *
 * Changing `t_server_conf` moves its `registry_timestamp` (`ON UPDATE CURRENT_TIMESTAMP` in the
 * schema), which is how a registry's incremental load (every `loadObjectsInterval1` = 13 s, rows
 * changed within `LeastChangedTime1` = 600 s: the K8STARS conf; `loadObjectIdCache`) sees the
 * change, as it sees `checkNodeTimeout`'s; rolling the registries (step 5) reloads everything.
 *
 * A row's region is the region whose address ranges hold its IP. `node_name` is an IP: K8STARS'
 * Go registry registers a pod under `cfg.LocalIP` (tarscli's `consts.LocalIP`, `tarsregistry/
 * main.go`, `app/supervisor/report.go`), tarsnode under its `--nodeid` or the address the registry
 * sees it from (TarsFramework v2.4.3 `NodeServer/NodeServer.cpp` `onUpdateConfig`). The ranges are those of the region's IDC group (`groupSources`,
 * `fleet/tars/idc-groups.ts`): its node subnets and pod addresses, or its whole VPC when the
 * network is not the fleet's; validation keeps regions' address spaces disjoint. A row whose name
 * is no IPv4 address, or whose IP is in no region, is left as it is.
 *
 * Rerunning the script changes no row: an UPDATE that sets the values a row has changes nothing
 * (not even its `ON UPDATE` timestamp), and a heartbeat refreshed less than
 * {@link HEARTBEAT_FRESH_SECONDS} ago is kept. A rerun later refreshes the living heartbeats
 * again, which is what it would be run for.
 *
 * The SQL is plain MySQL 5.7 that MariaDB runs too (`INET_ATON`, `REGEXP`, multi-table UPDATE),
 * and creates no temporary table, which a GTID-consistent master refuses inside a transaction.
 * `INET_ATON` is only given strings that are dotted quads: on anything else MySQL pushes warning
 * 1411 (ER_WRONG_VALUE_FOR_TYPE; mysql/mysql-server `sql/item_inetfunc.cc`
 * `Item_func_inet_aton::val_int`, seen in the 8.0 source), and a strict `sql_mode` turns such a
 * warning inside an UPDATE into an error; MariaDB 10.11 answers NULL without a warning. With the
 * guard the text is safe whichever the server does. A `node_name` with leading zeros
 * (`10.010.0.1`) is not matched; K8STARS and tarsnode write addresses without them.
 */
import { listAllowed } from "../model/issues";
import { type FleetSpec } from "../model/model";
import { formatCidr, parseCidr } from "../network/cidr";
import { formatIp, groupSources } from "../tars/idc-groups";
import { OperationError } from "./operations";

/**
 * Seconds without a heartbeat after which the registry marks a node and its servers inactive:
 * `nodeTimeout = 250` in K8STARS `baseserver/cppregistry/tarsregistry.conf`, read by TarsFramework
 * v2.4.3 `RegistryServer/CheckNodeThread.cpp` (`/tars/reap<nodeTimeout>`, default `"250"`).
 */
export const NODE_TIMEOUT_SECONDS = 250;

/**
 * A heartbeat younger than this is kept as it is. It is the longest gap between two heartbeats
 * of a living pod: tarscli checks every `TARS_CHECK_INTERVAL` (10 s) and reports an unchanged
 * state once `TARS_REPORT_INTERVAL` (30 s) has passed since the last (K8STARS
 * `app/supervisor/launch.go` defaults, `report.go` `keepAlive`; this project sets neither);
 * tarsnode heartbeats every `heartTimeout` (10 s, TarsFramework v2.4.3
 * `NodeServer/KeepAliveThread.cpp`), tarsAdminRegistry every `updateHeartInterval` (15 s, the
 * `tars.tarsAdminRegistry` template). So a heartbeat this young may be a real one; either way it
 * leaves at least 210 s before the node's timeout.
 */
export const HEARTBEAT_FRESH_SECONDS = 40;

/** One address range of a region: a range of its IDC group. */
export interface RegionRange {
  readonly region: string;
  /** The group source's key, e.g. `node-ap-guangzhou-3`, `pod-gz2`, `vpc`. */
  readonly key: string;
  readonly role: "node" | "pod" | "vpc";
  /** The range, e.g. `10.10.8.0/22`. */
  readonly cidrBlock: string;
  /** Its first and last address, dotted. */
  readonly first: string;
  readonly last: string;
}

/** The address ranges of `region`, as its IDC group covers them (`groupSources`). */
export function regionRanges(fleet: FleetSpec, region: string): RegionRange[] {
  const spec = fleet.regions.find((r) => r.name === region);
  if (spec === undefined) throw new OperationError(unknownRegion(fleet, region));
  return groupSources(spec).map((source) => {
    const parsed = parseCidr(source.cidrBlock);
    if (!parsed.ok) throw new RangeError(`"${source.cidrBlock}": ${parsed.reason}`);
    const { base, prefix } = parsed.cidr;
    return {
      region,
      key: source.key,
      role: source.role,
      cidrBlock: formatCidr(parsed.cidr),
      first: formatIp(base),
      last: formatIp(base + 2 ** (32 - prefix) - 1),
    };
  });
}

function unknownRegion(fleet: FleetSpec, region: string): string {
  return `unknown region ${JSON.stringify(region)}, expected ${listAllowed(fleet.regions.map((r) => r.name))}`;
}

/** The regions left when `lostRegion` is lost; refuses an unknown region or the fleet's only one. */
export function livingRegions(fleet: FleetSpec, lostRegion: string): string[] {
  if (!fleet.regions.some((r) => r.name === lostRegion))
    throw new OperationError(unknownRegion(fleet, lostRegion));
  const living = fleet.regions.map((r) => r.name).filter((name) => name !== lostRegion);
  if (living.length === 0)
    throw new OperationError(
      `region ${JSON.stringify(lostRegion)} is the fleet's only region: losing it loses the whole fleet, and no living region is left to recover TARS in`,
    );
  return living.sort();
}

/** `a`, `a and b`, `a, b and c`. */
function listAnd(values: readonly string[]): string {
  return values.length <= 1
    ? values.join("")
    : `${values.slice(0, -1).join(", ")} and ${values[values.length - 1]}`;
}

/** One line for the procedure's step: what the SQL changes. */
export function regionRecoverySummary(fleet: FleetSpec, lostRegion: string): string {
  const living = livingRegions(fleet, lostRegion);
  return `mark ${lostRegion}'s nodes and servers inactive, and refresh the heartbeats of the active nodes of ${listAnd(living)} (kept when under ${HEARTBEAT_FRESH_SECONDS} s old), so the registries' ${NODE_TIMEOUT_SECONDS} s timeout does not mark them inactive`;
}

/** A dotted quad with each number 0-255 written without leading zeros, as `INET_ATON` reads it. */
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4_REGEXP = `^${OCTET}([.]${OCTET}){3}$`;

/** `text`'s address as a number, or NULL when it is no dotted quad (INET_ATON never sees it). */
function addressOf(text: string): string {
  return `CASE WHEN ${text} REGEXP '${IPV4_REGEXP}' THEN INET_ATON(${text}) END`;
}

/** The ranges as a derived table of `first_ip`, `last_ip` numbers. */
function rangesTable(ranges: readonly RegionRange[]): string {
  const rows = ranges.map((r, i) =>
    i === 0
      ? `SELECT INET_ATON('${r.first}') AS first_ip, INET_ATON('${r.last}') AS last_ip`
      : `    UNION ALL SELECT INET_ATON('${r.first}'), INET_ATON('${r.last}')`,
  );
  return `(${rows.join("\n")})`;
}

/** `UPDATE table AS alias` joined to the rows whose address (`address`) lies in `ranges`. */
function updateIn(
  table: string,
  alias: string,
  address: string,
  ranges: readonly RegionRange[],
  rangesAlias: string,
): string {
  return `UPDATE ${table} AS ${alias}
  JOIN ${rangesTable(ranges)} AS ${rangesAlias}
    ON ${addressOf(address)} BETWEEN ${rangesAlias}.first_ip AND ${rangesAlias}.last_ip`;
}

/** A line the mysql client prints: `<rows changed> <what>`. */
function report(what: string): string {
  return `SELECT CONCAT(ROW_COUNT(), ' ${what}') AS recovery;`;
}

function rangeLines(ranges: readonly RegionRange[]): string[] {
  return ranges.map((r) => `--   ${r.role.padEnd(4)} ${r.cidrBlock.padEnd(18)} ${r.key}`);
}

/**
 * The recovery SQL for losing `lostRegion`: one script, run in db_tars on the new master as the
 * framework user; rerunning it changes no row. Refuses an unknown region, and the fleet's only
 * region, with an {@link OperationError}.
 */
export function regionRecoverySql(fleet: FleetSpec, lostRegion: string): string {
  const living = livingRegions(fleet, lostRegion);
  const lost = regionRanges(fleet, lostRegion);
  const alive = living.flatMap((region) => regionRanges(fleet, region));
  const stale = (column: string) =>
    `${column} < NOW() - INTERVAL ${HEARTBEAT_FRESH_SECONDS} SECOND`;
  const regionHeader = (region: string, state: string, ranges: readonly RegionRange[]) => [
    `-- ${region} (${state}):`,
    ...rangeLines(ranges),
  ];
  return `-- Created by tarsfed (fleet/operations/region-recovery.ts): recovery after losing region ${lostRegion}.
-- Run in db_tars on the promoted master, as the framework user, before any registry reaches it.
-- Marks ${lostRegion}'s nodes and servers inactive, as the registry would after ${NODE_TIMEOUT_SECONDS} s of
-- silence, and refreshes the heartbeats of the living regions' active nodes, so the registry does
-- not mark them inactive before they heartbeat again. A row's region is the one whose ranges hold
-- its IP (node_name); other rows are left as they are. t_registry_info is not touched: the
-- registries run with heartbeatoff=Y and write no row there.
-- Rerunning it changes no row: heartbeats under ${HEARTBEAT_FRESH_SECONDS} s old are kept.
${[lostRegion, ...living]
  .flatMap((region) =>
    regionHeader(
      region,
      region === lostRegion ? "lost" : "living",
      region === lostRegion ? lost : alive.filter((r) => r.region === region),
    ),
  )
  .join("\n")}
START TRANSACTION;

-- The lost region's nodes and their servers: what checkNodeTimeout writes (RegistryServer/DbHandle.cpp).
${updateIn("t_node_info", "node", "node.node_name", lost, "lost")}
  SET node.present_state = 'inactive';
${report(`t_node_info rows of ${lostRegion} marked inactive`)}
${updateIn("t_server_conf", "server", "server.node_name", lost, "lost")}
  SET server.present_state = 'inactive', server.process_id = 0;
${report(`t_server_conf rows of ${lostRegion} marked inactive`)}

-- The living regions' nodes that are active or hold an active server: a fresh heartbeat.
${updateIn("t_node_info", "node", "node.node_name", alive, "living")}
  SET node.last_heartbeat = NOW()
  WHERE ${stale("node.last_heartbeat")}
    AND (node.present_state = 'active'
      OR node.node_name IN (SELECT server.node_name FROM t_server_conf AS server WHERE server.present_state = 'active'));
${report(`t_node_info heartbeats of ${listAnd(living)} refreshed`)}

COMMIT;
`;
}
