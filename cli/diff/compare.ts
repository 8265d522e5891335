/**
 * What changes between two offline plans, per stack: resources added, removed and changed, which
 * changes replace a resource (DESIGN.md, `diff --json`), and which need consent at `up`
 * (`critical.ts`).
 */
import {
  type FleetPlan,
  type PlannedResource,
  type StackPlan,
} from "../../fleet/stacks/plan-document";
import { StackOutput } from "../../fleet/operations/revision";
import { type CriticalChange, criticalChanges, type ResourceStep } from "./critical";
import { diffFields, diffLeaves, formatPath } from "./fields";
import { replaceRuleFor, replacesAt } from "./replacements";

/** A resource added or removed. */
export interface ResourceRef {
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  readonly urn: string;
}

/** A resource present in both plans whose inputs or options differ. */
export interface ResourceChange extends ResourceRef {
  /** Whether Pulumi would replace it (delete and create) rather than update it in place. */
  readonly replace: boolean;
  /**
   * Changed input paths (`spec.replicas`, `spec.template.spec.containers[0].env`, `maxSize`),
   * plus `(provider)`, `(parent)`, `(protect)` or `(retainOnDelete)` for changed options.
   */
  readonly fields: readonly string[];
  /** The entries of `fields` that force the replacement; empty when `replace` is false. */
  readonly replaceFields: readonly string[];
}

/** One stack's changes. */
export interface StackDiff {
  readonly name: string;
  readonly added: readonly ResourceRef[];
  readonly removed: readonly ResourceRef[];
  readonly changed: readonly ResourceChange[];
  /**
   * The changes `tarsfed up` applies only with consent (`--allow-replace <name>`): replaced node
   * pools, load balancers, clusters and networks, a moved or fresh database, a new `homeRegion`.
   */
  readonly critical: readonly CriticalChange[];
}

/** Counts over every stack; `changed` includes the `replaced` ones. */
export interface DiffSummary {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly replaced: number;
}

/** The changes between two fleets' plans. */
export interface FleetDiff {
  /** Every stack of either plan: the head's in order, then stacks only the base has. */
  readonly stacks: readonly StackDiff[];
  readonly summary: DiffSummary;
}

/** Pseudo-fields for resource options, as they appear in {@link ResourceChange.fields}. */
export const OptionField = {
  Provider: "(provider)",
  Parent: "(parent)",
  Protect: "(protect)",
  RetainOnDelete: "(retainOnDelete)",
} as const;

/** One of {@link OptionField}. */
export type OptionField = (typeof OptionField)[keyof typeof OptionField];

function refOf(resource: PlannedResource): ResourceRef {
  return { type: resource.type, name: resource.name, urn: resource.urn };
}

/**
 * Option changes, and whether each replaces.
 *
 * A different provider resource replaces: Pulumi asks the new provider whether the old one's
 * configuration differs in a way that forces replacement (`DiffConfig`), and for this program's
 * providers (a region's Tencent Cloud account, a cluster's kubeconfig) it does. A new parent
 * that keeps the URN, `protect` and `retainOnDelete` change nothing in the cloud.
 */
function optionChanges(base: PlannedResource, head: PlannedResource): [OptionField, boolean][] {
  const changes: [OptionField, boolean][] = [];
  if (base.provider !== head.provider) changes.push([OptionField.Provider, true]);
  if (base.parent !== head.parent) changes.push([OptionField.Parent, false]);
  if (base.protect !== head.protect) changes.push([OptionField.Protect, false]);
  if (base.retainOnDelete !== head.retainOnDelete)
    changes.push([OptionField.RetainOnDelete, false]);
  return changes;
}

/** Whether `path` is at or under one of the `ignoreChanges` paths (dotted, indexes ignored). */
function ignored(
  path: readonly (string | number)[],
  ignoreChanges: readonly string[] | undefined,
): boolean {
  const keys = path.filter((s): s is string => typeof s === "string");
  return (ignoreChanges ?? []).some((listed) => {
    const parts = listed.split(".");
    return parts.length <= keys.length && parts.every((part, i) => keys[i] === part);
  });
}

/** How `base` changes into `head` (same URN), or undefined when nothing differs. */
export function diffResource(
  base: PlannedResource,
  head: PlannedResource,
  providerOf: (urn: string) => PlannedResource | undefined,
): ResourceChange | undefined {
  // Like the engine, leave alone what the program asks Pulumi to ignore.
  const leaves = diffLeaves(base.inputs, head.inputs).filter(
    (leaf) => !ignored(leaf.path, head.ignoreChanges),
  );
  const options = optionChanges(base, head);
  if (leaves.length === 0 && options.length === 0) return undefined;
  const rule = replaceRuleFor(base, head, providerOf);
  const replacing = leaves.filter((leaf) => replacesAt(leaf.path, rule));
  const replaceFields = [
    ...options.filter(([, replaces]) => replaces).map(([field]) => field),
    ...new Set(replacing.map((leaf) => formatPath(leaf.shown))),
  ];
  return {
    ...refOf(head),
    replace: replaceFields.length > 0,
    fields: [...options.map(([field]) => field), ...diffFields(leaves)],
    replaceFields,
  };
}

/** One stack's changes; either side may be missing (a region added or removed). */
export function diffStack(
  name: string,
  base: StackPlan | undefined,
  head: StackPlan | undefined,
): StackDiff {
  const baseResources = base?.resources ?? [];
  const headResources = head?.resources ?? [];
  const baseByUrn = new Map(baseResources.map((r) => [r.urn, r]));
  const headByUrn = new Map(headResources.map((r) => [r.urn, r]));
  const providerOf = (urn: string) => headByUrn.get(urn);
  const changed: ResourceChange[] = [];
  for (const resource of headResources) {
    const old = baseByUrn.get(resource.urn);
    const change = old === undefined ? undefined : diffResource(old, resource, providerOf);
    if (change !== undefined) changed.push(change);
  }
  const diff = {
    name,
    added: headResources.filter((r) => !baseByUrn.has(r.urn)).map(refOf),
    removed: baseResources.filter((r) => !headByUrn.has(r.urn)).map(refOf),
    changed,
  };
  const homeRegion = (plan: StackPlan | undefined) => {
    const value = plan?.outputs[StackOutput.HomeRegion];
    return typeof value === "string" ? value : undefined;
  };
  const [deployedHomeRegion, newHomeRegion] = [homeRegion(base), homeRegion(head)];
  const critical = criticalChanges(stepsOfDiff(diff), {
    resources: baseResources.length,
    homeRegion: newHomeRegion ?? "",
    ...(deployedHomeRegion === undefined || newHomeRegion === undefined
      ? {}
      : { deployedHomeRegion }),
  });
  return { ...diff, critical };
}

/** Totals of a diff's stacks. */
export function summarize(stacks: readonly StackDiff[]): DiffSummary {
  const sum = (count: (s: StackDiff) => number) => stacks.reduce((n, s) => n + count(s), 0);
  return {
    added: sum((s) => s.added.length),
    removed: sum((s) => s.removed.length),
    changed: sum((s) => s.changed.length),
    replaced: sum((s) => s.changed.filter((c) => c.replace).length),
  };
}

/**
 * Compares two plans stack by stack, matching resources by URN.
 *
 * A resource whose URN changes (a new logical name, type or parent type) is removed and added,
 * as Pulumi sees it without aliases.
 */
export function diffPlans(base: FleetPlan, head: FleetPlan): FleetDiff {
  const names = [
    ...head.stacks.map((s) => s.name),
    ...base.stacks.map((s) => s.name).filter((n) => !head.stacks.some((s) => s.name === n)),
  ];
  const stacks = names.map((name) =>
    diffStack(
      name,
      base.stacks.find((s) => s.name === name),
      head.stacks.find((s) => s.name === name),
    ),
  );
  return { stacks, summary: summarize(stacks) };
}

/** Whether a diff has no change at all. */
export function isEmptyDiff(diff: FleetDiff): boolean {
  const { added, removed, changed } = diff.summary;
  return added + removed + changed === 0;
}

/**
 * The steps the engine would report for an offline diff of one stack: a create per resource
 * added, a delete per resource removed, an update or a replace per resource changed (its
 * replacing fields as `keys`, its changed fields as `diffs`).
 */
export function stepsOfDiff(
  diff: Pick<StackDiff, "added" | "removed" | "changed">,
): ResourceStep[] {
  return [
    ...diff.added.map((r) => ({ op: "create", urn: r.urn, type: r.type })),
    ...diff.changed.map((c) => ({
      op: c.replace ? "replace" : "update",
      urn: c.urn,
      type: c.type,
      keys: c.replaceFields,
      diffs: c.fields,
    })),
    ...diff.removed.map((r) => ({ op: "delete", urn: r.urn, type: r.type })),
  ];
}
