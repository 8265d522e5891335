/**
 * Renderings of a fleet diff: a terminal table per stack and a pull-request markdown comment.
 */
import { colors } from "../io";
import { markdownTable, table } from "../render";
import { type FleetDiff, type ResourceChange, type ResourceRef, type StackDiff } from "./compare";

/** What a row of the diff does to its resource. */
export const ChangeKind = {
  Replace: "replace",
  Add: "add",
  Remove: "remove",
  Update: "update",
} as const;

/** One of {@link ChangeKind}. */
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

const SYMBOL: Record<ChangeKind, string> = {
  replace: "±",
  add: "+",
  remove: "-",
  update: "~",
};

/** One row of a stack's table. */
export interface DiffRow {
  readonly kind: ChangeKind;
  readonly type: string;
  readonly name: string;
  readonly fields: readonly string[];
  /** The fields that force a replacement. */
  readonly replaceFields: readonly string[];
}

/** The files compared, for headings. */
export interface DiffFiles {
  readonly base: string;
  readonly head: string;
}

/** `tencentcloud:index/kubernetesNodePool:KubernetesNodePool` → `tencentcloud:KubernetesNodePool`. */
export function shortType(type: string): string {
  const match = /^([^:]+):index\/[^:]+:([^:]+)$/.exec(type);
  return match === null ? type : `${match[1]}:${match[2]}`;
}

const plainRow =
  (kind: ChangeKind) =>
  (r: ResourceRef): DiffRow => ({
    kind,
    type: r.type,
    name: r.name,
    fields: [],
    replaceFields: [],
  });

const changeRow = (c: ResourceChange): DiffRow => ({
  kind: c.replace ? ChangeKind.Replace : ChangeKind.Update,
  type: c.type,
  name: c.name,
  fields: c.fields,
  replaceFields: c.replaceFields,
});

/** A stack's rows: replacements first (they are what a reviewer must not miss), then the rest. */
export function stackRows(stack: StackDiff): DiffRow[] {
  const changes = stack.changed.map(changeRow);
  return [
    ...changes.filter((r) => r.kind === ChangeKind.Replace),
    ...stack.removed.map(plainRow(ChangeKind.Remove)),
    ...stack.added.map(plainRow(ChangeKind.Add)),
    ...changes.filter((r) => r.kind === ChangeKind.Update),
  ];
}

function hasChanges(stack: StackDiff): boolean {
  return (
    stack.added.length + stack.removed.length + stack.changed.length + stack.critical.length > 0
  );
}

/** The lines naming what `up` of `stack` needs consent for, or none. */
function consentLines(stack: StackDiff): string[] {
  if (stack.critical.length === 0) return [];
  return [
    `tarsfed up needs consent (--allow-replace <name>) for:`,
    ...stack.critical.map((c) => `  ${c.name} (${c.kind}): ${c.reason}`),
  ];
}

/** `N added, N removed, N changed (N replaced)`. */
export function summaryLine(diff: FleetDiff): string {
  const s = diff.summary;
  return `${s.added} added, ${s.removed} removed, ${s.changed} changed (${s.replaced} replaced)`;
}

function stackHeading(stack: StackDiff): string {
  const replaced = stack.changed.filter((c) => c.replace).length;
  const parts = [
    stack.added.length > 0 ? `${stack.added.length} added` : "",
    stack.removed.length > 0 ? `${stack.removed.length} removed` : "",
    stack.changed.length > 0 ? `${stack.changed.length} changed` : "",
    replaced > 0 ? `${replaced} replaced` : "",
  ].filter((p) => p !== "");
  return `${stack.name} · ${parts.join(", ")}`;
}

function paint(kind: ChangeKind, text: string): string {
  switch (kind) {
    case ChangeKind.Replace:
      return colors.bold(colors.red(text));
    case ChangeKind.Remove:
      return colors.red(text);
    case ChangeKind.Add:
      return colors.green(text);
    case ChangeKind.Update:
      return colors.yellow(text);
  }
}

function textFields(row: DiffRow): string {
  return row.fields
    .map((f) => (row.replaceFields.includes(f) ? colors.red(`${f} (replaces)`) : f))
    .join("\n");
}

/** The terminal rendering. */
export function renderDiffText(diff: FleetDiff): string {
  const parts: string[] = [];
  for (const stack of diff.stacks.filter(hasChanges)) {
    parts.push(colors.bold(stackHeading(stack)));
    parts.push(
      table(
        ["change", "type", "name", "fields"],
        stackRows(stack).map((row) => [
          paint(row.kind, `${SYMBOL[row.kind]} ${row.kind}`),
          shortType(row.type),
          row.name,
          textFields(row),
        ]),
      ),
    );
    parts.push(...consentLines(stack).map((line) => colors.red(line)), "");
  }
  const unchanged = diff.stacks.filter((s) => !hasChanges(s)).map((s) => s.name);
  if (unchanged.length > 0) parts.push(`unchanged: ${unchanged.join(", ")}`);
  const summary = summaryLine(diff);
  parts.push(diff.summary.replaced > 0 ? colors.bold(colors.red(summary)) : summary);
  return `${parts.join("\n")}\n`;
}

function markdownFields(row: DiffRow): string {
  return row.fields
    .map((f) => (row.replaceFields.includes(f) ? `**\`${f}\`** (replaces)` : `\`${f}\``))
    .join(", ");
}

/** The markdown rendering, for a pull-request comment. */
export function renderDiffMarkdown(diff: FleetDiff, files: DiffFiles): string {
  const lines = [
    `## Fleet diff: \`${files.head}\` against \`${files.base}\``,
    "",
    `${summaryLine(diff)}.`,
  ];
  if (diff.summary.replaced > 0) {
    const n = diff.summary.replaced;
    lines.push(
      "",
      `> [!WARNING]`,
      `> ${n} ${n === 1 ? "resource" : "resources"} will be replaced.`,
    );
  }
  for (const stack of diff.stacks.filter(hasChanges)) {
    lines.push(
      "",
      `### ${stackHeading(stack)}`,
      "",
      markdownTable(
        ["change", "type", "name", "fields"],
        stackRows(stack).map((row) => [
          row.kind === ChangeKind.Replace
            ? `**${SYMBOL[row.kind]} ${row.kind}**`
            : `${SYMBOL[row.kind]} ${row.kind}`,
          `\`${shortType(row.type)}\``,
          `\`${row.name}\``,
          markdownFields(row),
        ]),
      ),
    );
    const consent = consentLines(stack);
    if (consent.length > 0)
      lines.push(
        "",
        "> [!CAUTION]",
        `> ${consent[0]}`,
        ...stack.critical.map((c) => `> - \`${c.name}\` (${c.kind}): ${c.reason}`),
      );
  }
  const unchanged = diff.stacks.filter((s) => !hasChanges(s)).map((s) => s.name);
  if (unchanged.length > 0) lines.push("", `Unchanged: ${unchanged.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}
