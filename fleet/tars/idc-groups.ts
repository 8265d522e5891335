/**
 * Each region of the fleet as a TARS IDC group: the IP rules that put the region's addresses in
 * its group, the priorities a region falls back through, and the registry's own matching rule.
 *
 * How the C++ registry (K8STARS `cppregistry`, built from TarsFramework v2.4.3's RegistryServer:
 * K8STARS `baseserver/makefile` target `registry`) uses groups, all in TarsFramework
 * `RegistryServer/DbHandle.cpp`, the same at v2.4.3 and at master:
 *
 * - `loadIPPhysicalGroupInfo` reads `group_id, ip_order, allow_ip_rule, denny_ip_rule, group_name`
 *   from `t_server_group_rule` ordered by `group_id`, and `load2GroupMap` keeps only
 *   `allow_ip_rule`: it splits it on `|` (nothing else: no `,`, `;` or spaces) and maps every
 *   piece, as written, to the row's `group_id`; a later row overwrites a piece an earlier one had.
 *   `ip_order` and `denny_ip_rule` are read but never used.
 * - `getGroupId(ip)` looks the caller's address up in that map as written, then as
 *   `Ip2StarStr(ip)` (`"%u.%u.%u.*"`: the first three octets and `*`), else answers -1. So a rule
 *   is an exact address or a whole /24 written `a.b.c.*`; there is no CIDR and no other wildcard.
 * - `loadObjectIdCache` gives each endpoint `grouprealid = getGroupId(host)` and
 *   `groupworkid = grouprealid` only when its server's `t_server_conf.enable_group` is `Y`
 *   (any case), else -1.
 * - `findObjectByIdInGroupPriority`, which QueryObj's `findObjectById4All` and
 *   `findObjectByIdInSameGroup` call with the caller's address (`RegistryServer/QueryImp.cpp`),
 *   answers the caller's own group's endpoints; when it has no active one, the endpoints of the
 *   groups of each `t_group_priority` row whose `group_list` holds the caller's group, row by row
 *   in `list_order` (`loadGroupPriority`: `ORDER BY list_order ASC`, `group_list` split on `|`, `,`
 *   or `;`), until one has an active endpoint; then the endpoints of no group (-1); then all.
 *   A caller of no group gets every endpoint (`findObjectById4All`).
 * - Rules and priorities are read only by a full load (`loadObjectIdCache` with `bLoadAll`), which
 *   `ReapThread::run` does every `loadObjectsInterval2` seconds: 3601 in K8STARS'
 *   `baseserver/cppregistry/tarsregistry.conf`. Changed rules reach a registry an hour later, or
 *   when it restarts (its `ReapThread::init` does a full load).
 *
 * tarsAdminRegistry matches the same rows with `TC_Common::matchPeriod` over pieces split on
 * `,|;` (TarsFramework `AdminRegistryServer/DbProxy.cpp` `getGroupId`): with `ip_order`
 * `allow_denny` and an empty `denny_ip_rule`, both read these rules the same way.
 */
import { carveSubnets, SubnetRole } from "../network/carve";
import { cidrContains, type Ipv4Cidr, parseCidr } from "../network/cidr";
import { clusterByName, type FleetSpec, type RegionSpec } from "../model/model";
import { NetworkSource } from "../model/schema";

/** The addresses of one /24: the block `a.b.c.*` names. */
const BLOCK = 256;

/**
 * Longest `allow_ip_rule` the framework schema stores: the column is a MySQL `TEXT`, at most
 * 65535 bytes (TarsFramework `deploy/framework/sql/db_tars.sql`, `t_server_group_rule`).
 */
export const ALLOW_IP_RULE_MAX_BYTES = 65535;

/** Marks the group and priority rows tarsfed owns (`t_server_group_rule.lastuser`). */
export const GROUP_OWNER = "tarsfed";

/** Prefix of the `t_group_priority.name` of every priority row tarsfed owns. */
export const PRIORITY_NAME_PREFIX = "tarsfed:";

/** One address range of a region that its group's rules cover. */
export interface GroupSourceSpec {
  /**
   * The carved subnet's key (`node-<zone>`, `pod-<cluster>-<zone>`), `pod-<cluster>` for a GR pod
   * CIDR, or `vpc` for the VPC of an existing network.
   */
  readonly key: string;
  /**
   * Node subnet, pod addresses (a VPC-CNI pod subnet or a GR cluster's pod CIDR), or a whole
   * existing VPC, whose subnets the fleet does not know.
   */
  readonly role: "node" | "pod" | "vpc";
  /** The range, e.g. `10.10.8.0/22`. */
  readonly cidrBlock: string;
  /** The rules the range contributes, in address order. */
  readonly rules: readonly string[];
}

/** One region's group. */
export interface IdcGroupSpec {
  /** `t_server_group_rule.group_name`: the fleet's region name. */
  readonly name: string;
  /** `group_name_cn`, shown beside the name in tarsweb: the Tencent Cloud region. */
  readonly tencentRegion: string;
  /** Where the rules come from: node subnets by zone number, then pod addresses cluster by cluster. */
  readonly sources: readonly GroupSourceSpec[];
  /** `allow_ip_rule`'s pieces, in address order, each once. */
  readonly rules: readonly string[];
}

/** One `t_group_priority` row: regions whose callers fall back to each other. */
export interface GroupPrioritySpec {
  /** `name` (and `station`): `tarsfed:<region>+<region>`, or `tarsfed:all`. */
  readonly name: string;
  /** The groups of `group_list`, by name, sorted. */
  readonly groups: readonly string[];
  /** `list_order`: 1, 2, …; the row of every group last. */
  readonly listOrder: number;
  /** The Sets whose standby links the pair, e.g. `app.gz.1 (gz1, standby sh1)`; empty for the last row. */
  readonly sets: readonly string[];
}

/** Everything the group Job writes. */
export interface IdcGroupsSpec {
  readonly groups: readonly IdcGroupSpec[];
  readonly priorities: readonly GroupPrioritySpec[];
}

function cidrOf(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new RangeError(`"${text}": ${parsed.reason}`);
  return parsed.cidr;
}

/** Dotted-quad text of an unsigned 32-bit address, as the registry's `Ip2Str` writes it. */
export function formatIp(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** The `a.b.c.*` rule of the /24 holding `address`, as the registry's `Ip2StarStr` writes it. */
export function starRule(address: number): string {
  return `${[24, 16, 8].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".")}.*`;
}

/** A region's own address spaces: its VPC CIDR and its GR clusters' pod CIDRs. */
function ownSpaces(region: RegionSpec): Ipv4Cidr[] {
  return [region.vpcCidr, ...region.clusters.flatMap((c) => c.podCidr ?? [])].map(cidrOf);
}

/**
 * The rules that match exactly the addresses of `ranges`, plus, where a range is smaller than a
 * /24, the rest of that /24 when it lies inside one of `own` (the region's own address spaces).
 *
 * A /24-aligned range (prefix /24 or shorter) becomes one `a.b.c.*` per /24. A smaller range
 * (a /25 pod subnet of a /18 VPC) cannot be written as a wildcard of its own: its /24 becomes
 * `a.b.c.*` when the /24 lies inside `own`, which the fleet's validation keeps disjoint from every
 * other region's address spaces, so the wildcard only adds this region's unused addresses;
 * otherwise each of its addresses is listed exactly. Sorted by address, each rule once.
 */
export function ipRules(ranges: readonly Ipv4Cidr[], own: readonly Ipv4Cidr[]): string[] {
  const stars = new Set<number>();
  const exact = new Set<number>();
  for (const range of ranges) {
    const size = 2 ** (32 - range.prefix);
    if (size >= BLOCK) {
      for (let block = range.base; block < range.base + size; block += BLOCK) stars.add(block);
      continue;
    }
    const block = range.base - (range.base % BLOCK);
    if (own.some((space) => cidrContains(space, { base: block, prefix: 24 }))) {
      stars.add(block);
    } else {
      for (let a = range.base; a < range.base + size; a++) exact.add(a);
    }
  }
  const keyed: [number, string][] = [
    ...[...stars].map((b): [number, string] => [b, starRule(b)]),
    ...[...exact]
      .filter((a) => !stars.has(a - (a % BLOCK)))
      .map((a): [number, string] => [a, formatIp(a)]),
  ];
  return keyed.sort((x, y) => x[0] - y[0]).map(([, rule]) => rule);
}

/**
 * The address ranges a region's group covers: its node subnets and its pod addresses, the
 * VPC-CNI pod subnets and the GR clusters' pod CIDRs. An existing network's subnets are not the
 * fleet's to know: its whole VPC is covered instead.
 */
export function groupSources(region: RegionSpec): GroupSourceSpec[] {
  const own = ownSpaces(region);
  const carved =
    region.network === NetworkSource.Existing
      ? []
      : carveSubnets({ vpcCidr: region.vpcCidr, zones: region.zones, clusters: region.clusters });
  const ranges = [
    ...(region.network === NetworkSource.Existing
      ? [{ key: "vpc", role: "vpc" as const, cidrBlock: region.vpcCidr }]
      : []),
    ...carved.map((s) => ({
      key: s.key,
      role: s.role === SubnetRole.Node ? ("node" as const) : ("pod" as const),
      cidrBlock: s.cidrBlock,
    })),
    ...region.clusters.flatMap((c) =>
      c.podCidr === undefined
        ? []
        : [{ key: `pod-${c.name}`, role: "pod" as const, cidrBlock: c.podCidr }],
    ),
  ];
  return ranges.map((r) => ({ ...r, rules: ipRules([cidrOf(r.cidrBlock)], own) }));
}

/** One region's group. */
export function idcGroup(region: RegionSpec): IdcGroupSpec {
  const sources = groupSources(region);
  const own = ownSpaces(region);
  return {
    name: region.name,
    tencentRegion: region.tencentRegion,
    sources,
    rules: ipRules(
      sources.map((s) => cidrOf(s.cidrBlock)),
      own,
    ),
  };
}

/** `allow_ip_rule` as stored: the rules joined by `|`, the only separator the registry splits on. */
export function allowIpRule(group: IdcGroupSpec): string {
  return group.rules.join("|");
}

/**
 * The priority rows: one per pair of regions that a Set's standby links (the Set's cluster in
 * one, its standby in the other), then one of every group.
 *
 * A row is an unordered set of groups, and the registry walks every row holding the caller's
 * group in `list_order`. One row per region (the region and all its standbys' regions) would let
 * a caller in a standby region fall back through that row into a third region; a row per pair
 * cannot, so each caller falls back only to regions it shares a Set with, one at a time, then to
 * any region. Pairs are ordered by how many Sets link them (most first), then by name.
 */
export function groupPriorities(fleet: FleetSpec): GroupPrioritySpec[] {
  const pairs = new Map<string, { groups: string[]; sets: string[] }>();
  for (const set of fleet.sets) {
    if (set.standby === undefined) continue;
    const from = clusterByName(fleet, set.cluster).region;
    const to = clusterByName(fleet, set.standby).region;
    if (from === to) continue;
    const groups = [from, to].sort();
    const name = `${PRIORITY_NAME_PREFIX}${groups.join("+")}`;
    const pair = pairs.get(name) ?? { groups, sets: [] };
    pair.sets.push(`${set.id} (${set.cluster}, standby ${set.standby})`);
    pairs.set(name, pair);
  }
  const ordered = [...pairs].sort(
    ([a, x], [b, y]) => y.sets.length - x.sets.length || a.localeCompare(b),
  );
  const rows = ordered.map(([name, pair], i): GroupPrioritySpec => ({
    name,
    groups: pair.groups,
    listOrder: i + 1,
    sets: pair.sets,
  }));
  const all = fleet.regions.map((r) => r.name).sort();
  return [
    ...rows,
    { name: `${PRIORITY_NAME_PREFIX}all`, groups: all, listOrder: rows.length + 1, sets: [] },
  ];
}

const planned = new WeakMap<FleetSpec, IdcGroupsSpec>();

/** The fleet's groups, by region name, and its priority rows. */
export function idcGroups(fleet: FleetSpec): IdcGroupsSpec {
  const cached = planned.get(fleet);
  if (cached !== undefined) return cached;
  const spec = {
    groups: [...fleet.regions].sort((a, b) => a.name.localeCompare(b.name)).map(idcGroup),
    priorities: groupPriorities(fleet),
  };
  planned.set(fleet, spec);
  return spec;
}

/** One `t_server_group_rule` row as the registry reads it. */
export interface GroupRuleRow {
  readonly groupId: number;
  readonly allowIpRule: string;
}

/**
 * The registry's address → group map, built as TarsFramework `RegistryServer/DbHandle.cpp`
 * `load2GroupMap` builds it: rows by `group_id`, `allow_ip_rule` split on `|` with empty pieces
 * dropped, each piece mapped as written, a later row overwriting an earlier one's piece.
 */
export function registryGroupMap(rows: readonly GroupRuleRow[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const row of [...rows].sort((a, b) => a.groupId - b.groupId)) {
    for (const piece of row.allowIpRule.split("|")) if (piece !== "") map.set(piece, row.groupId);
  }
  return map;
}

/**
 * The group of a caller or endpoint address, as TarsFramework `RegistryServer/DbHandle.cpp`
 * `getGroupId` finds it: the address as written, else its `a.b.c.*` (`Ip2StarStr`), else -1.
 */
export function registryGroupOf(map: ReadonlyMap<string, number>, ip: string): number {
  const exact = map.get(ip);
  if (exact !== undefined) return exact;
  // Ip2StarStr prints the octets stringIpToInt parsed as numbers: "010" is written "10".
  const octets = ip
    .split(".")
    .slice(0, 3)
    .map((o) => String(Number.parseInt(o, 10)));
  return map.get(`${octets.join(".")}.*`) ?? -1;
}
