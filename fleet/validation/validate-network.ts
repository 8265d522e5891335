/**
 * The fleet's address plan: every VPC, service and GR pod CIDR is valid, private, sized for its
 * use, and disjoint from every other one in the fleet.
 *
 * CCN silently disables a route that overlaps another, so an overlap anywhere in the fleet means
 * some pods or nodes are unreachable from other regions.
 * @see https://www.tencentcloud.com/document/product/1003/30048 (CCN route conflicts)
 */
import { formatPath, type FieldPath } from "../model/issues";
import { asString, entriesOf, field, itemsOf } from "../model/raw";
import { findOverlaps, formatCidr, isPrivateCidr, parseCidr, type Ipv4Cidr } from "../network/cidr";
import { VPC_PREFIX_RANGE } from "../network/carve";
import { type Report } from "./validate-common";

/** Prefix lengths TKE accepts for a service CIDR: 32 to 32768 services. */
export const SERVICE_PREFIX_RANGE = { min: 17, max: 27 } as const;

/** Prefix lengths accepted for a GR container CIDR. */
export const POD_PREFIX_RANGE = { min: 12, max: 24 } as const;

interface AddressSpace {
  readonly path: FieldPath;
  readonly cidr: Ipv4Cidr;
}

type Range = { readonly min: number; readonly max: number };

function checkCidr(
  path: FieldPath,
  value: unknown,
  what: string,
  range: Range | undefined,
  report: Report,
): Ipv4Cidr | undefined {
  const text = asString(value);
  if (text === undefined) return undefined;
  const parsed = parseCidr(text);
  if (!parsed.ok) {
    // "host bits set, did you mean …" reads best after the value; other reasons before it.
    const message = parsed.reason.startsWith("host bits")
      ? `${JSON.stringify(text)} has ${parsed.reason}`
      : `${parsed.reason}, got ${JSON.stringify(text)}`;
    report(path, message);
    return undefined;
  }
  if (range === undefined) return parsed.cidr;
  if (!isPrivateCidr(parsed.cidr)) {
    report(
      path,
      `${what} ${text} is not private, expected a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`,
    );
    return undefined;
  }
  if (parsed.cidr.prefix < range.min || parsed.cidr.prefix > range.max) {
    report(path, `${what} must be a /${range.min} to /${range.max}, got /${parsed.cidr.prefix}`);
    return undefined;
  }
  return parsed.cidr;
}

/** Checks every CIDR of the fleet and that the address spaces are pairwise disjoint. */
export function checkAddressPlan(data: unknown, report: Report): void {
  const spaces: AddressSpace[] = [];
  const add = (path: FieldPath, cidr: Ipv4Cidr | undefined) => {
    if (cidr !== undefined) spaces.push({ path, cidr });
  };
  for (const [name, region] of entriesOf(field(data, "regions"))) {
    const at = ["regions", name];
    add(
      [...at, "vpcCidr"],
      checkCidr([...at, "vpcCidr"], field(region, "vpcCidr"), "vpcCidr", VPC_PREFIX_RANGE, report),
    );
    for (const [clusterName, cluster] of entriesOf(field(region, "clusters"))) {
      const c = [...at, "clusters", clusterName];
      add(
        [...c, "serviceCidr"],
        checkCidr(
          [...c, "serviceCidr"],
          field(cluster, "serviceCidr"),
          "serviceCidr",
          SERVICE_PREFIX_RANGE,
          report,
        ),
      );
      add(
        [...c, "podCidr"],
        checkCidr(
          [...c, "podCidr"],
          field(cluster, "podCidr"),
          "podCidr",
          POD_PREFIX_RANGE,
          report,
        ),
      );
    }
  }
  itemsOf(field(field(field(data, "tars"), "web"), "allowedCidrs")).forEach((value, i) =>
    checkCidr(["tars", "web", "allowedCidrs", i], value, "allowedCidrs", undefined, report),
  );
  const overlaps = findOverlaps(spaces.map((s, i) => ({ key: String(i), cidr: s.cidr })));
  for (const [a, b] of overlaps) {
    const first = spaces[Number(a.key)];
    const second = spaces[Number(b.key)];
    report(
      second.path,
      `${formatCidr(second.cidr)} overlaps ${formatPath(first.path)} (${formatCidr(first.cidr)}); every VPC, service and pod CIDR in the fleet must be disjoint, or CCN drops the route`,
    );
  }
}
