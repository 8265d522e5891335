/**
 * No allow-list that opens more than a /8 of public address space, however it is split.
 *
 * `no-open-tars-ports` catches `0.0.0.0/0`, but `[0.0.0.0/1, 128.0.0.0/1]` opens the same
 * internet in two pieces, and so does any list of wide ranges. This rule adds up what an
 * allow-list really opens: the union of its IPv4 sources, minus the RFC 1918 private ranges
 * (`PRIVATE_CIDRS`: reachable only from inside Tencent Cloud VPCs and CCN, where the fleet's own
 * address spaces live). More than {@link MAX_PUBLIC_ADDRESSES} public addresses, a /8, is a
 * mandatory finding: no single organisation's egress needs more, and a list that wide is the
 * internet in pieces.
 *
 * Allow-lists are the ACCEPT ingress rules of a security group (`SecurityGroupRuleSet`,
 * `SecurityGroupLiteRule`), every port counted, and a LoadBalancer Service's
 * `loadBalancerSourceRanges`, which is where `tars.web.allowedCidrs` ends up (besides tarsweb's
 * security group). IPv6 sources are not added up here (`no-open-tars-ports` flags `::/0`).
 * @see https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/ (`loadBalancerSourceRanges`)
 */
import { cidrSize, type Ipv4Cidr, parseCidr, PRIVATE_CIDRS } from "../../fleet/network/cidr";
import { at, items, text } from "../props";
import { EnforcementLevel, type ResourceRule, type ResourceView } from "../rule";
import { K8sType, TencentType } from "../tokens";
import { ingressRules } from "./no-open-tars-ports";

/** The most public IPv4 addresses an allow-list may open: a /8. */
export const MAX_PUBLIC_ADDRESSES = 2 ** 24;

/** Inclusive address intervals `[first, last]`, sorted and merged. */
function mergedIntervals(cidrs: readonly Ipv4Cidr[]): [number, number][] {
  const sorted = cidrs
    .map((c): [number, number] => [c.base, c.base + cidrSize(c) - 1])
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [first, last] of sorted) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && first <= previous[1] + 1) {
      previous[1] = Math.max(previous[1], last);
    } else merged.push([first, last]);
  }
  return merged;
}

/**
 * How many public IPv4 addresses the union of `sources` holds: every address of any of them,
 * counted once, except the RFC 1918 private ranges. Sources that are not IPv4 CIDRs are skipped.
 *
 * @example publicAddresses(["0.0.0.0/1", "128.0.0.0/1"]) // 4277075968 (2^32 minus the private ranges)
 */
export function publicAddresses(sources: readonly string[]): number {
  const cidrs = sources.flatMap((s) => {
    const parsed = parseCidr(s);
    return parsed.ok ? [parsed.cidr] : [];
  });
  const privateIntervals = mergedIntervals(PRIVATE_CIDRS);
  let count = 0;
  for (const [first, last] of mergedIntervals(cidrs)) {
    count += last - first + 1;
    for (const [pFirst, pLast] of privateIntervals) {
      const overlap = Math.min(last, pLast) - Math.max(first, pFirst) + 1;
      if (overlap > 0) count -= overlap;
    }
  }
  return count;
}

/** Why an allow-list is too wide, if it is: `opens 4277862400 public IPv4 addresses (…)`. */
export function wideAllowListProblem(what: string, sources: readonly string[]): string | undefined {
  const count = publicAddresses(sources);
  if (count <= MAX_PUBLIC_ADDRESSES) return undefined;
  return (
    `${what} opens ${count} public IPv4 addresses (${sources.join(", ")}), more than a /8 ` +
    `(${MAX_PUBLIC_ADDRESSES}); list only the networks that need access (tars.web.allowedCidrs)`
  );
}

/** The IPv4 sources an allow-list resource admits. */
function allowedSources(resource: ResourceView): string[] {
  if (resource.type === K8sType.Service) {
    return items(at(resource.props, "spec", "loadBalancerSourceRanges")).flatMap(
      (s) => text(s) ?? [],
    );
  }
  return ingressRules(resource)
    .filter((r) => r.action?.toUpperCase() === "ACCEPT")
    .flatMap((r) => r.source ?? []);
}

/** The rule. */
export const allowListsBounded: ResourceRule = {
  kind: "resource",
  name: "allow-lists-bounded",
  description:
    "No security group or load balancer allow-list opens more than a /8 of public IPv4 space, " +
    "however the ranges are split.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [
    TencentType.SecurityGroupRuleSet,
    TencentType.SecurityGroupLiteRule,
    K8sType.Service,
  ],
  check: (resource) => {
    const what =
      resource.type === K8sType.Service ? "loadBalancerSourceRanges" : "the ACCEPT ingress rules";
    const problem = wideAllowListProblem(what, allowedSources(resource));
    return problem === undefined ? [] : [problem];
  },
};
