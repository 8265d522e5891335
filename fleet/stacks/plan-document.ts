/**
 * The offline plan: every stack's resources, outputs and policy findings (DESIGN.md, `plan --json`).
 */

/** Plain JSON data. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One resource a stack would register. */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent resource (the stack for top-level resources), or null. */
  readonly parent: string | null;
  /** URN of the explicit provider resource, or null for providers and components. */
  readonly provider: string | null;
  /** Inputs as registered; secrets show as `[secret]`. */
  readonly inputs: { [key: string]: Json };
  readonly custom: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** URNs this resource depends on explicitly. */
  readonly dependencies: readonly string[];
  /** Input paths Pulumi leaves as they are in the cloud (`ignoreChanges`). */
  readonly ignoreChanges: readonly string[];
}

/** How strictly a policy is enforced. */
export type Severity = "mandatory" | "advisory";

/** One policy finding. */
export interface Violation {
  readonly policy: string;
  readonly severity: Severity;
  /** URN of the resource concerned, or null for a stack-wide finding. */
  readonly resource: string | null;
  readonly message: string;
}

/** One stack's plan. */
export interface StackPlan {
  readonly name: string;
  readonly resources: readonly PlannedResource[];
  /** Stack outputs; secrets show as `[secret]`. */
  readonly outputs: { [key: string]: Json };
  readonly violations: readonly Violation[];
}

/** The plan of every stack a fleet implies, in deployment order. */
export interface FleetPlan {
  /** The fleet's name. */
  readonly fleet: string;
  readonly stacks: readonly StackPlan[];
}
