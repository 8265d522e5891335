/**
 * The shape of a tarsfed policy rule, shared by the offline plan and the CrossGuard pack.
 *
 * A rule is a plain object: a name, a description, an enforcement level and a check. Resource
 * rules look at one resource at a time; stack rules see every resource of a stack at once (a
 * PodDisruptionBudget for each Set Deployment, the fleet's capacity). Checks are pure: the same
 * resource gives the same findings whether it comes from `tarsfed plan` (the recorded inputs) or
 * from `pulumi preview --policy-pack policies` (the engine's `args.props`). This module imports
 * nothing from Pulumi, so loading the rules never starts a policy server.
 */
import { type FleetSpec } from "../fleet/model/model";

/** How strictly a rule is enforced; the two levels both the plan and CrossGuard know. */
export const EnforcementLevel = { Mandatory: "mandatory", Advisory: "advisory" } as const;

/** How strictly a rule is enforced. */
export type EnforcementLevel = (typeof EnforcementLevel)[keyof typeof EnforcementLevel];

/**
 * Whether a rule reads the fleet file, and whether it can run without it.
 *
 * Offline the fleet is always there. In CrossGuard it is read from the `fleetFile` policy config;
 * a rule that requires it is reported not applicable when that file cannot be read.
 */
export const FleetUse = { Optional: "optional", Required: "required" } as const;

/** Whether a rule reads the fleet file. */
export type FleetUse = (typeof FleetUse)[keyof typeof FleetUse];

/**
 * A value that is not known yet: during a real preview, inputs computed from other resources'
 * outputs (an id, an address) are unknown.
 *
 * The CrossGuard adapter puts this marker where the engine has an unknown value, so checks can
 * tell "unknown" (skip it, never flag) from "missing" (flag it).
 */
export const UNKNOWN: unique symbol = Symbol.for("tarsfed.policy.unknown");

/** Whether `value` is the {@link UNKNOWN} marker. */
export function isUnknown(value: unknown): value is typeof UNKNOWN {
  return value === UNKNOWN;
}

/**
 * How the offline plan shows a secret input or output (`cli/offline/values.ts`).
 *
 * A secret copied into a plain field shows as this text, which is how the offline plan catches
 * secrets leaking into ConfigMaps and environment values.
 */
export const SECRET_PLACEHOLDER = "[secret]";

/** One resource as a rule sees it. */
export interface ResourceView {
  /** Type token, e.g. `tencentcloud:index/vpc:Vpc` or `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  readonly urn: string;
  /**
   * Inputs, by their Pulumi property names (`clusterInternet`, `spec.template.spec…`).
   *
   * Offline, secrets show as {@link SECRET_PLACEHOLDER}; during a preview, unknown values are
   * {@link UNKNOWN}.
   */
  readonly props: Readonly<Record<string, unknown>>;
  /** Whether the resource is registered with `protect: true`. */
  readonly protect: boolean;
  /** URN of the resource's explicit provider (for Kubernetes objects: its cluster), or null. */
  readonly provider: string | null;
}

/** What a rule may know besides the resources. */
export interface RuleContext {
  /** The fleet the stack was planned from; absent when CrossGuard could not read it. */
  readonly fleet?: FleetSpec;
}

/** One stack as a stack rule sees it. */
export interface StackView extends RuleContext {
  readonly resources: readonly ResourceView[];
}

/** One finding of a stack rule. */
export interface StackFinding {
  /** URN of the resource concerned, or null for the stack as a whole. */
  readonly resource: string | null;
  /** Lowercase, no final period: what is wrong and what to do. */
  readonly message: string;
}

interface RuleInfo {
  /** Kebab-case, unique, e.g. `no-public-cluster-endpoint`; the name users see in findings. */
  readonly name: string;
  /** One sentence: what the rule demands and why. */
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  /**
   * Whether the rule reads the fleet file.
   *
   * @default - it does not
   */
  readonly usesFleet?: FleetUse;
}

/** A rule over one resource at a time. */
export interface ResourceRule extends RuleInfo {
  readonly kind: "resource";
  /** Type tokens the rule looks at; other resources are not applicable. */
  readonly resourceTypes: readonly string[];
  /** Messages, lowercase with no final period; empty when the resource passes. */
  check(resource: ResourceView, context: RuleContext): string[];
}

/** A rule over a whole stack. */
export interface StackRule extends RuleInfo {
  readonly kind: "stack";
  /** Type tokens the rule looks at, for documentation. @default - any */
  readonly resourceTypes?: readonly string[];
  /** Findings; empty when the stack passes. */
  check(stack: StackView): StackFinding[];
}

/** A tarsfed policy rule. */
export type TarsfedRule = ResourceRule | StackRule;
