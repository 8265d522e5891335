/**
 * A region's IDC group rules fit the column the registry reads them from.
 *
 * Each /24 of a region's node subnets, VPC-CNI pod subnets and GR pod CIDRs is one `a.b.c.*` rule
 * (`fleet/tars/idc-groups.ts`), and all of a region's rules share one `t_server_group_rule.allow_ip_rule`
 * (a MySQL `TEXT`). A /12 VPC with every zone and cluster slot in use, plus a large GR pod CIDR,
 * needs more than the column holds, and a MySQL that is not strict would cut it short silently.
 */
import { carveSubnets, type CarveCluster, NetworkType } from "../network/carve";
import { parseCidr, type Ipv4Cidr } from "../network/cidr";
import { ALLOW_IP_RULE_MAX_BYTES, ipRules } from "../tars/idc-groups";
import { asString, entriesOf, field, itemsOf } from "../model/raw";
import { NetworkSource } from "../model/schema";
import { type Report } from "./validate-common";

/** The rule text's length for a region, or undefined while its fields have other problems. */
function ruleBytes(region: unknown): number | undefined {
  const parse = (value: unknown): Ipv4Cidr | undefined => {
    const text = asString(value);
    const parsed = text === undefined ? undefined : parseCidr(text);
    return parsed?.ok === true ? parsed.cidr : undefined;
  };
  const vpcCidr = asString(field(region, "vpcCidr"));
  const vpc = parse(vpcCidr);
  const zones = itemsOf(field(region, "zones")).map(asString);
  if (vpcCidr === undefined || vpc === undefined || zones.some((z) => z === undefined))
    return undefined;
  const clusters: CarveCluster[] = [];
  const podCidrs: Ipv4Cidr[] = [];
  for (const [name, cluster] of entriesOf(field(region, "clusters"))) {
    const networkType = asString(field(cluster, "networkType")) ?? NetworkType.VpcCni;
    if (networkType !== NetworkType.VpcCni && networkType !== NetworkType.GlobalRouter)
      return undefined;
    clusters.push({ name, networkType });
    const podCidr = parse(field(cluster, "podCidr"));
    if (networkType === NetworkType.GlobalRouter && podCidr !== undefined) podCidrs.push(podCidr);
  }
  try {
    // An existing network's whole VPC is covered (fleet/tars/idc-groups.ts groupSources).
    const existing = asString(field(region, "network")) === NetworkSource.Existing;
    const carved = existing ? [] : carveSubnets({ vpcCidr, zones: zones as string[], clusters });
    const subnets = carved.map((s) => parse(s.cidrBlock)).flatMap((c) => c ?? []);
    const ranges = [...(existing ? [vpc] : subnets), ...podCidrs];
    return ipRules(ranges, [vpc, ...podCidrs]).join("|").length;
  } catch {
    // A VPC, zone or cluster the carve refuses: the region checks report it.
    return undefined;
  }
}

/** Reports every region whose rules would not fit `allow_ip_rule`. */
export function checkIdcGroupRules(regions: unknown, report: Report): void {
  for (const [name, region] of entriesOf(regions)) {
    const bytes = ruleBytes(region);
    if (bytes === undefined || bytes <= ALLOW_IP_RULE_MAX_BYTES) continue;
    report(
      ["regions", name],
      `the IDC group rules of region ${name} take ${bytes} bytes, at most ${ALLOW_IP_RULE_MAX_BYTES} fit t_server_group_rule.allow_ip_rule: each /24 of its node subnets, VPC-CNI pod subnets and GR podCidr is one a.b.c.* rule; use a smaller vpcCidr, fewer zones or clusters, or a smaller podCidr`,
      "key",
    );
  }
}
