/**
 * Renderings of an offline plan: a terminal table and a pull-request markdown document.
 */
import { type FleetPlan, type Json, type StackPlan } from "../../fleet/stacks/plan-document";
import { colors } from "../io";
import { markdownTable, table } from "../render";

function countsByType(stack: StackPlan): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of stack.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0].localeCompare(b[0]));
}

function formatValue(value: Json): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    if (Array.isArray(value)) return value.map(formatValue).join(", ");
    return Object.entries(value)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(", ");
  }
  return String(value);
}

function resourceName(urn: string | null): string {
  if (urn === null) return "(stack)";
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Counts of every stack's resources, mandatory and advisory findings. */
export function planTotals(plan: FleetPlan) {
  const violations = plan.stacks.flatMap((s) => s.violations);
  return {
    resources: plan.stacks.reduce((n, s) => n + s.resources.length, 0),
    mandatory: violations.filter((v) => v.severity === "mandatory").length,
    advisory: violations.filter((v) => v.severity === "advisory").length,
  };
}

/** The terminal rendering. */
export function renderPlanText(plan: FleetPlan): string {
  const parts: string[] = [];
  for (const stack of plan.stacks) {
    parts.push(colors.bold(`${stack.name} · ${stack.resources.length} resources`));
    parts.push(table(["type", "count"], countsByType(stack)));
    const outputs = Object.entries(stack.outputs);
    if (outputs.length > 0)
      parts.push(
        table(
          ["output", "value"],
          outputs.map(([k, v]) => [k, formatValue(v)]),
        ),
      );
    if (stack.violations.length > 0) {
      parts.push(
        table(
          ["policy", "severity", "resource", "message"],
          stack.violations.map((v) => [v.policy, v.severity, resourceName(v.resource), v.message]),
        ),
      );
    }
    parts.push("");
  }
  const totals = planTotals(plan);
  parts.push(
    `fleet ${plan.fleet}: ${plan.stacks.length} stacks, ${totals.resources} resources, ` +
      `${totals.mandatory} mandatory and ${totals.advisory} advisory policy findings`,
  );
  return `${parts.join("\n")}\n`;
}

const SEVERITY_MARK = { mandatory: "❌ mandatory", advisory: "⚠️ advisory" } as const;

/** Every finding of the plan, mandatory ones first, as one markdown table (or a line saying none). */
function markdownFindings(plan: FleetPlan): string[] {
  const rows = plan.stacks
    .flatMap((s) => s.violations.map((v) => ({ stack: s.name, ...v })))
    .sort((a, b) => Number(a.severity === "advisory") - Number(b.severity === "advisory"));
  if (rows.length === 0) return ["### Policy findings", "", "None."];
  return [
    "### Policy findings",
    "",
    markdownTable(
      ["severity", "policy", "stack", "resource", "message"],
      rows.map((v) => [
        SEVERITY_MARK[v.severity],
        v.policy,
        v.stack,
        resourceName(v.resource),
        v.message,
      ]),
    ),
  ];
}

/** The markdown rendering, for a pull-request comment: findings first, then each stack. */
export function renderPlanMarkdown(plan: FleetPlan): string {
  const totals = planTotals(plan);
  const lines = [
    `## Offline plan of fleet \`${plan.fleet}\``,
    "",
    `${plan.stacks.length} stacks, ${totals.resources} resources, ${totals.mandatory} mandatory and ${totals.advisory} advisory policy findings.`,
    "",
    markdownTable(
      ["stack", "resources", "mandatory", "advisory"],
      plan.stacks.map((s) => [
        s.name,
        s.resources.length,
        s.violations.filter((v) => v.severity === "mandatory").length,
        s.violations.filter((v) => v.severity === "advisory").length,
      ]),
    ),
    "",
    ...markdownFindings(plan),
  ];
  for (const stack of plan.stacks) {
    lines.push("", `### ${stack.name}`, "", markdownTable(["type", "count"], countsByType(stack)));
    const outputs = Object.entries(stack.outputs);
    if (outputs.length > 0)
      lines.push(
        "",
        markdownTable(
          ["output", "value"],
          outputs.map(([k, v]) => [k, formatValue(v)]),
        ),
      );
    lines.push(
      "",
      "<details><summary>Resources</summary>",
      "",
      markdownTable(
        ["type", "name"],
        stack.resources.map((r) => [r.type, r.name]),
      ),
      "",
      "</details>",
    );
  }
  return `${lines.join("\n")}\n`;
}
