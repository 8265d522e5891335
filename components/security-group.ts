/**
 * Shared wiring for a security group and its ordered rule set.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type SecurityRule } from "../fleet/network/security";

/** A security group with its whole, ordered policy list. */
export interface SecurityGroupWithRules {
  readonly group: tencentcloud.SecurityGroup;
  readonly rules: tencentcloud.SecurityGroupRuleSet;
}

/**
 * Creates `${name}` and `${name}-rules` under `parent`.
 *
 * One `SecurityGroupRuleSet` per group: it owns the entire policy list (the provider replaces all
 * rules at once), so rules are never split across resources.
 */
export function createSecurityGroup(
  name: string,
  args: {
    readonly physicalName: string;
    readonly description: string;
    readonly ingress: readonly SecurityRule[];
    readonly egress: readonly SecurityRule[];
    readonly tags: Record<string, string>;
  },
  parent: pulumi.Resource,
): SecurityGroupWithRules {
  const group = new tencentcloud.SecurityGroup(
    name,
    { name: args.physicalName, description: args.description, tags: args.tags },
    { parent },
  );
  const toRule = (r: SecurityRule) => ({ ...r });
  const rules = new tencentcloud.SecurityGroupRuleSet(
    `${name}-rules`,
    {
      securityGroupId: group.id,
      ingresses: args.ingress.map(toRule),
      egresses: args.egress.map(toRule),
    },
    { parent },
  );
  return { group, rules };
}
