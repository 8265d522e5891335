/**
 * No security-group rule opening TARS or admin ports to the whole internet.
 *
 * TARS ports (registry, admin registry, framework services, tarsnode, servants), tarsweb and the
 * database are reachable from the fleet's own address spaces only (`fleet/network/security.ts`). An
 * ingress rule that accepts `0.0.0.0/0` or `::/0` on any of them publishes the platform's control
 * plane. ICMP rules carry no ports; rules over service templates name no ports the rule can read.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/security_group_rule_set
 */
import { ANYWHERE } from "../../fleet/network/security";
import { at, items, text } from "../props";
import { parsePortSpec, protectedPorts, rangesOverlap, type ProtectedPorts } from "../ports";
import { EnforcementLevel, FleetUse, type ResourceRule, type ResourceView } from "../rule";
import { TencentType } from "../tokens";

/** The whole IPv6 internet. */
export const ANYWHERE_V6 = "::/0";

/** One ingress rule, as both rule-set objects and lite-rule strings spell it. */
export interface IngressRule {
  readonly action?: string;
  /** The CIDR the rule admits (IPv4 or IPv6); undefined for SG or template sources. */
  readonly source?: string;
  readonly protocol?: string;
  readonly port?: string;
}

const PORTLESS_PROTOCOLS = ["ICMP", "ICMPV6", "GRE"];

/**
 * Why one ingress rule opens protected ports to the internet, if it does.
 *
 * @example openIngressProblem({ action: "ACCEPT", source: "0.0.0.0/0", protocol: "TCP", port: "3000" }, protectedPorts())
 * // 'accepts 0.0.0.0/0 on TCP 3000, which includes tarsweb (3000)'
 */
export function openIngressProblem(
  rule: IngressRule,
  ports: readonly ProtectedPorts[],
): string | undefined {
  if (rule.action?.toUpperCase() !== "ACCEPT") return undefined;
  if (rule.source !== ANYWHERE && rule.source !== ANYWHERE_V6) return undefined;
  const protocol = (rule.protocol ?? "ALL").toUpperCase();
  if (PORTLESS_PROTOCOLS.includes(protocol) || /^PPMG?-/.test(protocol)) return undefined;
  // A TCP/UDP rule without a port covers every port, as `ALL` does.
  const ranges = parsePortSpec(rule.port ?? "ALL");
  if (ranges === undefined) return undefined;
  const hit = ports.filter((p) => rangesOverlap(ranges, p.ranges));
  if (hit.length === 0) return undefined;
  const what = hit.map((p) => `${p.description} (${p.port})`).join(", ");
  return `accepts ${rule.source} on ${protocol} ${rule.port ?? "ALL"}, which includes ${what}`;
}

/** The ingress rules of a SecurityGroupRuleSet or SecurityGroupLiteRule, in order. */
export function ingressRules(resource: Pick<ResourceView, "type" | "props">): IngressRule[] {
  const ingresses = items(at(resource.props, "ingresses"));
  if (resource.type === TencentType.SecurityGroupLiteRule) {
    // `ACTION#SOURCE#PORT#PROTOCOL`
    return ingresses.map((entry) => {
      const [action, source, port, protocol] = (text(entry) ?? "").split("#");
      return { action, source, port, protocol };
    });
  }
  return ingresses.map((entry) => ({
    action: text(at(entry, "action")),
    source: text(at(entry, "cidrBlock")) ?? text(at(entry, "ipv6CidrBlock")),
    protocol: text(at(entry, "protocol")),
    port: text(at(entry, "port")),
  }));
}

/** The rule. */
export const noOpenTarsPorts: ResourceRule = {
  kind: "resource",
  name: "no-open-tars-ports",
  description:
    "No security-group rule accepts 0.0.0.0/0 or ::/0 on TARS, tarsweb or database ports.",
  enforcementLevel: EnforcementLevel.Mandatory,
  usesFleet: FleetUse.Optional,
  resourceTypes: [TencentType.SecurityGroupRuleSet, TencentType.SecurityGroupLiteRule],
  check: (resource, context) => {
    const ports = protectedPorts(context.fleet);
    return ingressRules(resource).flatMap((rule, i) => {
      const problem = openIngressProblem(rule, ports);
      return problem === undefined ? [] : [`ingress rule ${i + 1} ${problem}`];
    });
  },
};
