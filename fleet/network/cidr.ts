/**
 * IPv4 CIDR arithmetic for planning VPCs and subnets.
 *
 * Addresses are unsigned 32-bit integers carried in ordinary numbers and handled with plain
 * arithmetic rather than bitwise operators: JavaScript's bitwise operators work on signed 32-bit
 * values, so `10.0.0.0 | x` is fine but `200.0.0.0 | x` turns negative. With arithmetic,
 * `base + size` never wraps either.
 *
 * Everything here is pure. Only {@link subdivideCidr} throws, and only on programmer misuse; user
 * input goes through {@link parseCidr}, which returns a reason instead of throwing.
 */

/**
 * An IPv4 network: a network address and a prefix length.
 *
 * Invariant: `base` has no host bits set (it is a multiple of the block size). {@link parseCidr}
 * and {@link subdivideCidr} only ever produce such values.
 */
export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer, e.g. `167772160` for `10.0.0.0`. */
  readonly base: number;
  /** Prefix length, 0 to 32. */
  readonly prefix: number;
}

/**
 * Outcome of {@link parseCidr}: the CIDR, or a lowercase reason for an error message.
 *
 * The reason never repeats the input; the caller adds it (`not an IPv4 CIDR, got "10.0.0.0/33"`).
 */
export type ParseCidrResult =
  { readonly ok: true; readonly cidr: Ipv4Cidr } | { readonly ok: false; readonly reason: string };

/**
 * An entry for {@link findOverlaps}: a CIDR and the key that names it in reports.
 *
 * Callers usually pass richer objects (a subnet spec); only these two fields are read.
 */
export interface KeyedCidr {
  /** Name of the entry in reports, e.g. `regions.gz.subnets.node-ap-guangzhou-3`. */
  readonly key: string;
  /** The block the entry occupies. */
  readonly cidr: Ipv4Cidr;
}

/**
 * The RFC 1918 private ranges, the only ranges a Tencent Cloud VPC accepts.
 *
 * Tencent Cloud takes a VPC CIDR from 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 only.
 * @see https://www.tencentcloud.com/document/product/215/36515
 * @see https://www.tencentcloud.com/document/product/215/31795 (Network Planning, "Planning VPC IP ranges")
 */
export const PRIVATE_CIDRS: readonly Ipv4Cidr[] = [
  { base: 10 * 2 ** 24, prefix: 8 },
  { base: 172 * 2 ** 24 + 16 * 2 ** 16, prefix: 12 },
  { base: 192 * 2 ** 24 + 168 * 2 ** 16, prefix: 16 },
];

const NOT_A_CIDR = "not an IPv4 CIDR";

// No leading zeros: `010` is octal in some tools (inet_aton) and decimal in others, so the same
// text would name two different networks.
const OCTET = "(0|[1-9]\\d{0,2})";
const CIDR_PATTERN = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}/(0|[1-9]\\d?)$`);

/** Number of addresses in a block of the given prefix length. */
function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Last address of the block, inclusive. */
function lastAddress(cidr: Ipv4Cidr): number {
  return cidr.base + blockSize(cidr.prefix) - 1;
}

/** Dotted-quad text of an unsigned 32-bit address. */
function formatAddress(address: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  return octets.join(".");
}

/**
 * Parses `a.b.c.d/p` text into a CIDR without throwing.
 *
 * Fails with `not an IPv4 CIDR` on bad syntax, an octet above 255, a leading zero in an octet or
 * in the prefix, surrounding whitespace, or a prefix that is missing or above 32. Fails with
 * `host bits set, did you mean <network>/<p>` when the address is not the network address
 * (`10.10.1.0/16`), because a cloud API would either reject it or silently round it down.
 *
 * @example parseCidr("10.10.0.0/16") // { ok: true, cidr: { base: 168427520, prefix: 16 } }
 */
export function parseCidr(text: string): ParseCidrResult {
  const match = CIDR_PATTERN.exec(text);
  if (match === null) return { ok: false, reason: NOT_A_CIDR };
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return { ok: false, reason: NOT_A_CIDR };
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const base = address - (address % blockSize(prefix));
  if (base !== address) {
    return { ok: false, reason: `host bits set, did you mean ${formatCidr({ base, prefix })}` };
  }
  return { ok: true, cidr: { base, prefix } };
}

/**
 * Formats a CIDR as `a.b.c.d/p`.
 *
 * The inverse of {@link parseCidr} for every valid CIDR.
 */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatAddress(cidr.base)}/${cidr.prefix}`;
}

/**
 * Number of addresses in the block, including network and broadcast addresses.
 *
 * `/16` has 65536; `/0` has 4294967296, which still fits a number exactly.
 */
export function cidrSize(cidr: Ipv4Cidr): number {
  return blockSize(cidr.prefix);
}

/**
 * Whether every address of `inner` is also in `outer`.
 *
 * A block contains itself.
 */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return outer.base <= inner.base && lastAddress(inner) <= lastAddress(outer);
}

/**
 * Whether the two blocks share at least one address.
 *
 * Symmetric. Two CIDR blocks either nest or are disjoint, so an overlap always means one contains
 * the other.
 */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

/**
 * The `index`-th block of prefix `newPrefix` inside `cidr`, counting from 0.
 *
 * `subdivideCidr(10.10.0.0/16, 22, 2)` is `10.10.8.0/22`. Throws a RangeError when `newPrefix` is
 * not an integer from `cidr.prefix` to 32 or `index` is not an integer from 0 to
 * `2 ** (newPrefix - cidr.prefix) - 1`: both are bugs in the caller, not user errors.
 */
export function subdivideCidr(cidr: Ipv4Cidr, newPrefix: number, index: number): Ipv4Cidr {
  if (!Number.isInteger(newPrefix) || newPrefix < cidr.prefix || newPrefix > 32) {
    throw new RangeError(
      `cannot split ${formatCidr(cidr)} into /${newPrefix} blocks, the prefix must be ${cidr.prefix} to 32`,
    );
  }
  const blockCount = 2 ** (newPrefix - cidr.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= blockCount) {
    throw new RangeError(
      `${formatCidr(cidr)} has ${blockCount} /${newPrefix} blocks, index ${index} is outside 0 to ${blockCount - 1}`,
    );
  }
  return { base: cidr.base + index * blockSize(newPrefix), prefix: newPrefix };
}

/**
 * Whether the block lies wholly inside one of the {@link PRIVATE_CIDRS}.
 *
 * This is the range check Tencent Cloud applies to a VPC CIDR (the mask-length limits, 12 to 28
 * and 16 to 28 for 192.168/16, are checked separately).
 * @see https://www.tencentcloud.com/document/product/215/36515
 */
export function isPrivateCidr(cidr: Ipv4Cidr): boolean {
  return PRIVATE_CIDRS.some((range) => cidrContains(range, cidr));
}

/**
 * Every pair of entries whose blocks overlap, as `[earlier, later]` in input order.
 *
 * Pairs are ordered by the input position of their first entry, then of their second, so the
 * output is deterministic. Sorts by base address, then sweeps once keeping the blocks that are
 * still "open"; each block left open after pruning overlaps the current one, so the work is
 * O(n log n + pairs) and thousands of entries are cheap.
 */
export function findOverlaps<T extends KeyedCidr>(items: readonly T[]): [T, T][] {
  const order = items.map((_, i) => i);
  order.sort((i, j) => items[i].cidr.base - items[j].cidr.base || i - j);

  // partnersOfLater[b] lists every a < b that overlaps b, in no particular order.
  const partnersOfLater: number[][] = items.map(() => []);
  let open: number[] = [];
  for (const current of order) {
    const start = items[current].cidr.base;
    open = open.filter((i) => lastAddress(items[i].cidr) >= start);
    for (const other of open) {
      if (other < current) partnersOfLater[current].push(other);
      else partnersOfLater[other].push(current);
    }
    open.push(current);
  }

  // Bucket by the later index, then re-bucket by the earlier one: a two-pass radix sort that
  // yields pairs in (earlier, later) order in O(n + pairs), without a comparison sort.
  const partnersOfEarlier: number[][] = items.map(() => []);
  partnersOfLater.forEach((earlier, later) => {
    for (const a of earlier) partnersOfEarlier[a].push(later);
  });
  const pairs: [T, T][] = [];
  partnersOfEarlier.forEach((later, earlier) => {
    for (const b of later) pairs.push([items[earlier], items[b]]);
  });
  return pairs;
}
