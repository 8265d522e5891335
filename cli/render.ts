/**
 * Text rendering shared by the commands: tables and JSON.
 */
import Table from "cli-table3";
import pc from "picocolors";

/** A plain table; borders and headers are coloured only on a colour terminal. */
export function table(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const styled = pc.isColorSupported;
  const t = new Table({
    head: head.map((h) => (styled ? pc.bold(h) : h)),
    style: { head: [], border: styled ? ["grey"] : [], compact: true },
  });
  for (const row of rows) t.push(row.map(String));
  return t.toString();
}

/** One JSON document, as `--json` prints it. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Escapes a table cell for GitHub markdown. */
export function markdownCell(value: string | number): string {
  return String(value).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A GitHub markdown table. */
export function markdownTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map(markdownCell).join(" | ")} |`;
  return [line(head), `|${head.map(() => " --- ").join("|")}|`, ...rows.map(line)].join("\n");
}
