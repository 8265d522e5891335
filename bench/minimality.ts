/**
 * Change minimality: for each everyday operation on a fleet (fail a Set over and back, scale
 * replicas, add a zone, a cluster, a region, a CVM machine), the size of the plan diff beside the
 * smallest change the operation can make, and every stateful resource it would replace.
 *
 * Each operation is a real edit of the fleet file (`minimality-edits.ts`), planned offline and
 * compared with the unedited plan by `diffPlans`, exactly as `tarsfed diff` does. The minimal
 * change is worked out from the fleet alone (`minimality-model.ts`). A diff is equal to its
 * minimal change when, in every stack, it adds, removes and updates the same number of resources
 * of each type, and replaces none.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffPlans, type FleetDiff } from "../cli/diff/compare";
import { planFleet } from "../cli/plan/plan-fleet";
import { type FleetPlan } from "../fleet/stacks/plan-document";
import { json, table } from "../cli/render";
import { loadFleet, parseFleet, type LoadedFleet } from "../fleet/model/load";
import { operationEdits, type Operation, type OperationEdit } from "./minimality-edits";
import {
  DiffAction,
  type ExpectedChange,
  type MinimalChange,
  minimalChange,
  ResourceType,
} from "./minimality-model";

/** What a diff (or a minimal change) does in one stack; `changed` includes the `replaced`. */
export interface StackCounts {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly replaced: number;
}

/** Resources of one type where the diff and the minimal change disagree. */
export interface Mismatch {
  readonly stack: string;
  readonly action: DiffAction;
  readonly type: string;
  readonly expected: number;
  readonly actual: number;
  /** The diff's resources of that stack, action and type: `name` or `name [changed fields]`. */
  readonly resources: readonly string[];
}

/** One operation's result. */
export interface MinimalityRow {
  /** Fleet name. */
  readonly fleet: string;
  readonly operation: Operation;
  /** What the operation acted on. */
  readonly target: string;
  /** The diff, per stack that changes. */
  readonly stacks: Readonly<Record<string, StackCounts>>;
  /** The minimal change, in the same shape. */
  readonly minimal: Readonly<Record<string, StackCounts>>;
  /** Resources the diff adds, removes or changes. */
  readonly size: number;
  /** Resources the minimal change adds, removes or changes. */
  readonly minimalSize: number;
  /**
   * Whether the diff equals the minimal change, type by type, and replaces nothing but what the
   * minimal change names (a Job named after its content, which runs again).
   */
  readonly equal: boolean;
  /** Clusters, VPCs, subnets, databases the diff replaces (`stack name (fields)`); none wanted. */
  readonly replacedStateful: readonly string[];
  /** The minimal change itemised, with reasons. */
  readonly minimalChanges: readonly ExpectedChange[];
  /** What the minimal change leaves alone, and why. */
  readonly notes: readonly string[];
  /** Where the diff differs from the minimal change; empty when `equal`. */
  readonly mismatches: readonly Mismatch[];
}

/** Options of {@link changeMinimality}. */
export interface MinimalityOptions {
  /** The offline planner. @default planFleet */
  readonly plan?: (fleet: LoadedFleet) => Promise<FleetPlan>;
  /** Only these operations. @default - every operation the fleet can take */
  readonly operations?: readonly Operation[];
  /** Where the edited fleet files go. @default - a new temporary directory, removed afterwards */
  readonly dir?: string;
  /** Progress lines, for stderr. */
  readonly progress?: (line: string) => void;
}

/** Types whose replacement loses state or takes workloads down: never acceptable. */
const STATEFUL_TYPES: readonly string[] = [
  ResourceType.Cluster,
  ResourceType.Vpc,
  ResourceType.Subnet,
  ResourceType.Mysql,
  ResourceType.StatefulSet,
];

const ACTIONS = Object.values(DiffAction);
const keyOf = (stack: string, action: DiffAction, type: string) =>
  `${stack}\u0000${action}\u0000${type}`;

/** The diff's resources by stack, action and type. */
function diffResources(diff: FleetDiff): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  const add = (stack: string, action: DiffAction, type: string, label: string) => {
    const key = keyOf(stack, action, type);
    byKey.set(key, [...(byKey.get(key) ?? []), label]);
  };
  for (const s of diff.stacks) {
    for (const r of s.added) add(s.name, DiffAction.Added, r.type, r.name);
    for (const r of s.removed) add(s.name, DiffAction.Removed, r.type, r.name);
    for (const r of s.changed) {
      const replace = r.replace ? ` REPLACE by ${r.replaceFields.join(", ")}` : "";
      add(s.name, DiffAction.Changed, r.type, `${r.name} [${r.fields.join(", ")}]${replace}`);
    }
  }
  return byKey;
}

function expectedCounts(changes: readonly ExpectedChange[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of changes) {
    const key = keyOf(c.stack, c.action, c.type);
    counts.set(key, (counts.get(key) ?? 0) + c.count);
  }
  return counts;
}

function diffCounts(diff: FleetDiff): Record<string, StackCounts> {
  const stacks: Record<string, StackCounts> = {};
  for (const s of diff.stacks) {
    const counts = {
      added: s.added.length,
      removed: s.removed.length,
      changed: s.changed.length,
      replaced: s.changed.filter((c) => c.replace).length,
    };
    if (counts.added + counts.removed + counts.changed > 0) stacks[s.name] = counts;
  }
  return stacks;
}

function minimalCounts(changes: readonly ExpectedChange[]): Record<string, StackCounts> {
  const stacks: Record<string, StackCounts> = {};
  for (const c of changes) {
    const now = stacks[c.stack] ?? { added: 0, removed: 0, changed: 0, replaced: 0 };
    const replaced = now.replaced + (c.replaced === true ? c.count : 0);
    stacks[c.stack] = { ...now, [c.action]: now[c.action] + c.count, replaced };
  }
  return stacks;
}

/** The diff's replacements, one `stack type` each, sorted. */
function diffReplacements(diff: FleetDiff): string[] {
  return diff.stacks
    .flatMap((s) => s.changed.filter((c) => c.replace).map((c) => `${s.name} ${c.type}`))
    .sort();
}

/** The replacements the minimal change names, the same way. */
function minimalReplacements(minimal: MinimalChange): string[] {
  return minimal.changes
    .flatMap((c) =>
      c.replaced === true ? Array.from({ length: c.count }, () => `${c.stack} ${c.type}`) : [],
    )
    .sort();
}

const sizeOf = (stacks: Readonly<Record<string, StackCounts>>) =>
  Object.values(stacks).reduce((n, s) => n + s.added + s.removed + s.changed, 0);

/** Every stack, action and type where the diff's count differs from the minimal change's. */
function mismatches(diff: FleetDiff, minimal: MinimalChange): Mismatch[] {
  const actual = diffResources(diff);
  const expected = expectedCounts(minimal.changes);
  const found: Mismatch[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const resources = actual.get(key) ?? [];
    const want = expected.get(key) ?? 0;
    if (resources.length === want) continue;
    const [stack, action, type] = key.split("\u0000") as [string, DiffAction, string];
    found.push({ stack, action, type, expected: want, actual: resources.length, resources });
  }
  const rank = (m: Mismatch) => ACTIONS.indexOf(m.action);
  return found.sort((a, b) => a.stack.localeCompare(b.stack) || rank(a) - rank(b));
}

/** Compares one operation's diff with its minimal change. */
export function compareToMinimal(
  fleet: string,
  edit: OperationEdit,
  diff: FleetDiff,
  minimal: MinimalChange,
): MinimalityRow {
  const stacks = diffCounts(diff);
  const replacedStateful = diff.stacks.flatMap((s) =>
    s.changed
      .filter((c) => c.replace && STATEFUL_TYPES.includes(c.type))
      .map((c) => `${s.name} ${c.name} (${c.replaceFields.join(", ")})`),
  );
  const found = mismatches(diff, minimal);
  const minimalStacks = minimalCounts(minimal.changes);
  return {
    fleet,
    operation: edit.operation,
    target: edit.target,
    stacks,
    minimal: minimalStacks,
    size: sizeOf(stacks),
    minimalSize: sizeOf(minimalStacks),
    equal:
      found.length === 0 &&
      diffReplacements(diff).join("\n") === minimalReplacements(minimal).join("\n"),
    replacedStateful,
    minimalChanges: minimal.changes,
    notes: minimal.notes,
    mismatches: found,
  };
}

/** Plans fleet texts through temporary files (the program reads the fleet from disk). */
class TextPlanner {
  private readonly plans = new Map<string, FleetPlan>();
  private files = 0;

  constructor(
    private readonly dir: string,
    private readonly plan: (fleet: LoadedFleet) => Promise<FleetPlan>,
  ) {}

  async planOf(text: string): Promise<FleetPlan> {
    const known = this.plans.get(text);
    if (known !== undefined) return known;
    const file = path.join(this.dir, `fleet-${++this.files}.yaml`);
    fs.writeFileSync(file, text);
    const planned = await this.plan(loadFleet(file));
    this.plans.set(text, planned);
    return planned;
  }

  /** Forgets every plan but those of `keep`: a large fleet's plans are hundreds of MiB. */
  keepOnly(keep: readonly string[]): void {
    for (const text of [...this.plans.keys()]) if (!keep.includes(text)) this.plans.delete(text);
  }
}

/**
 * Runs every operation on the fleet in `fleetFile` and compares each diff with its minimal change.
 *
 * Plans run one after the other (Pulumi's runtime state is global to the process): the fleet as
 * it is once, then each edited fleet (failing back reuses the failed-over plan). Throws the
 * `FleetError` of a fleet that does not load, and of an edit that would not validate.
 */
export async function changeMinimality(
  fleetFile: string,
  options: MinimalityOptions = {},
): Promise<MinimalityRow[]> {
  const original = loadFleet(fleetFile);
  const edits = operationEdits(original.text, original.spec).filter(
    (e) => options.operations === undefined || options.operations.includes(e.operation),
  );
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-minimality-"));
  const planner = new TextPlanner(dir, options.plan ?? ((fleet) => planFleet(fleet)));
  const rows: MinimalityRow[] = [];
  try {
    for (const [i, edit] of edits.entries()) {
      options.progress?.(`${original.spec.name}: ${edit.operation} ${edit.target}…`);
      const before = parseFleet(edit.baseText, `${fleetFile} before ${edit.operation}`).spec;
      const after = parseFleet(edit.headText, `${fleetFile} after ${edit.operation}`).spec;
      const diff = diffPlans(
        await planner.planOf(edit.baseText),
        await planner.planOf(edit.headText),
      );
      rows.push(
        compareToMinimal(original.spec.name, edit, diff, minimalChange(edit, before, after)),
      );
      planner.keepOnly([
        original.text,
        ...edits.slice(i + 1).flatMap((e) => [e.baseText, e.headText]),
      ]);
    }
  } finally {
    if (options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** `+2 −0 ~1`: a diff's counts over every stack. */
function countsText(stacks: Readonly<Record<string, StackCounts>>): string {
  const all = Object.values(stacks);
  const sum = (k: keyof StackCounts) => all.reduce((n, s) => n + s[k], 0);
  const replaced = sum("replaced");
  const counts = `+${sum("added")} −${sum("removed")} ~${sum("changed")}`;
  return replaced > 0 ? `${counts} (${replaced} replaced)` : counts;
}

/** A mismatch for people: `demo failover: guangzhou changed Deployment: 2, minimal 1 — …`. */
function mismatchLine(row: MinimalityRow, m: Mismatch): string {
  const type = m.type.slice(m.type.lastIndexOf(":") + 1);
  const listed = m.resources.length > 0 ? ` — ${m.resources.join("; ")}` : "";
  const what = `${m.stack} ${m.action} ${type}: ${m.actual}, minimal ${m.expected}`;
  return `  ${row.fleet} ${row.operation}: ${what}${listed}`;
}

/**
 * The rows as a table (fleet, operation, target, diff, size, minimal size, equal, stateful
 * replacements), a total line, and every mismatch below it.
 */
export function renderMinimality(rows: readonly MinimalityRow[]): string {
  const body = rows.map((r) => [
    r.fleet,
    r.operation,
    r.target,
    countsText(r.stacks),
    r.size,
    r.minimalSize,
    r.equal ? "✓" : "✗",
    r.replacedStateful.length === 0 ? "none" : r.replacedStateful.join("; "),
  ]);
  const equal = rows.filter((r) => r.equal).length;
  const total = (f: (r: MinimalityRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const lines = [
    table(
      ["fleet", "operation", "target", "diff", "size", "minimal", "equal", "stateful replaced"],
      body,
    ),
    `${equal} of ${rows.length} operations equal their minimal change; ` +
      `diff size ${total((r) => r.size)}, minimal ${total((r) => r.minimalSize)}`,
  ];
  const wrong = rows.flatMap((r) => r.mismatches.map((m) => mismatchLine(r, m)));
  if (wrong.length > 0) lines.push("differences from the minimal change:", ...wrong);
  return lines.join("\n");
}

/** The rows as one JSON document, for `--json`. */
export function renderMinimalityJson(rows: readonly MinimalityRow[]): string {
  return json(rows);
}
