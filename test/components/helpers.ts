/**
 * Reading offline plans in tests.
 */
import {
  type FleetPlan,
  type Json,
  type PlannedResource,
  type StackPlan,
} from "../../fleet/stacks/plan-document";

/** The stack named `name`; throws when the plan lacks it. */
export function stackOf(plan: FleetPlan, name: string): StackPlan {
  const found = plan.stacks.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no stack ${name}`);
  return found;
}

/** Resources of one type. */
export function ofType(stack: StackPlan, token: string): PlannedResource[] {
  return stack.resources.filter((r) => r.type === token);
}

/** The resource with logical name `name`; throws when missing. */
export function byName(stack: StackPlan, name: string): PlannedResource {
  const found = stack.resources.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no resource ${name} in stack ${stack.name}`);
  return found;
}

/** A value inside JSON by path; null when absent. */
export function at(value: Json | undefined, ...path: (string | number)[]): Json {
  return path.reduce<Json>(
    (v, k) =>
      v !== null && typeof v === "object"
        ? ((v as Record<string, Json>)[k as string] ?? null)
        : null,
    value ?? null,
  );
}

/** The cluster a Kubernetes object goes to: its provider is `<cluster>-k8s`. */
export function clusterOf(resource: PlannedResource): string {
  const provider = resource.provider ?? "";
  return provider.slice(provider.lastIndexOf("::") + 2).replace(/-k8s$/, "");
}

/** Kubernetes objects of a kind in a stack, keyed `<cluster>/<namespace>/<name>`. */
export function objects(stack: StackPlan, kind: string): Map<string, PlannedResource> {
  return new Map(
    stack.resources
      .filter((r) => r.type.startsWith("kubernetes:") && r.type.endsWith(`:${kind}`))
      .map((r) => [
        `${clusterOf(r)}/${str(at(r.inputs, "metadata", "namespace"))}/${str(at(r.inputs, "metadata", "name"))}`,
        r,
      ]),
  );
}

/** A JSON value that must be a string (or number); throws otherwise, so a test never compares "[object Object]". */
export function str(value: Json | undefined): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  throw new Error(`expected a string, got ${JSON.stringify(value)}`);
}

/**
 * A region's two stacks as one: its infra stack's resources and outputs (`<region>-infra`, when
 * it has one), then its TARS stack's. For tests about what a region holds, whichever stack.
 */
export function regionOf(plan: FleetPlan, region: string): StackPlan {
  const tars = stackOf(plan, region);
  const infra = plan.stacks.find((s) => s.name === `${region}-infra`);
  return {
    ...tars,
    resources: [...(infra?.resources ?? []), ...tars.resources],
    outputs: { ...(infra?.outputs ?? {}), ...tars.outputs },
    violations: [...(infra?.violations ?? []), ...tars.violations],
  };
}
