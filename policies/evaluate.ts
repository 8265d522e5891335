/**
 * The rules run offline: every stack of a plan checked, findings filled into `violations`.
 *
 * This is what `tarsfed plan` shows in its table, its markdown and `violations` in its JSON; a
 * mandatory finding makes it exit 1. The CrossGuard pack runs the same rule objects during a real
 * `pulumi preview`.
 */
import {
  type FleetPlan,
  type PlannedResource,
  type Violation,
} from "../fleet/stacks/plan-document";
import { type FleetSpec } from "../fleet/model/model";
import { type ResourceView, type TarsfedRule } from "./rule";
import { rules as allRules } from "./rules";

/** A planned resource as the rules see it. */
export function resourceViewOf(resource: PlannedResource): ResourceView {
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: resource.inputs,
    protect: resource.protect,
    provider: resource.provider,
  };
}

/**
 * Every finding of `rules` over one stack's resources.
 *
 * Findings come rule by rule, in the rules' order, and within a rule in the stack's resource
 * order, so the same plan always gives the same list.
 */
export function evaluateStack(
  resources: readonly ResourceView[],
  fleet: FleetSpec | undefined,
  rules: readonly TarsfedRule[] = allRules,
): Violation[] {
  const context = fleet === undefined ? {} : { fleet };
  return rules.flatMap((rule): Violation[] => {
    const base = { policy: rule.name, severity: rule.enforcementLevel };
    if (rule.kind === "stack") {
      return rule.check({ resources, ...context }).map((f) => ({ ...base, ...f }));
    }
    return resources
      .filter((r) => rule.resourceTypes.includes(r.type))
      .flatMap((r) =>
        rule.check(r, context).map((message) => ({ ...base, resource: r.urn, message })),
      );
  });
}

/** `plan` with every stack's `violations` filled in by `rules`; the plan itself is not changed. */
export function evaluatePolicies(
  plan: FleetPlan,
  fleet: FleetSpec,
  rules: readonly TarsfedRule[] = allRules,
): FleetPlan {
  return {
    ...plan,
    stacks: plan.stacks.map((stack) => ({
      ...stack,
      violations: evaluateStack(stack.resources.map(resourceViewOf), fleet, rules),
    })),
  };
}
