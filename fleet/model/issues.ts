/**
 * Problems found in a fleet file, with the place they were found.
 *
 * Every user-facing error of the model is an {@link Issue}: it names the file, line and column,
 * the dotted field path and what is wrong. The loader collects all of them before throwing one
 * {@link FleetError}, so a user fixes a file in one pass.
 */

/** A place in a source file; line and column start at 1. */
export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One problem in a fleet file. */
export interface Issue extends Pos {
  /** Field path as users write it, e.g. `sets["app.gz.1"].standby`; empty for the whole file. */
  readonly path: string;
  /** Lowercase, no final period: what is wrong, the value received and what would be valid. */
  readonly message: string;
}

/** A field path: map keys and list indexes from the document root. */
export type FieldPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a field path the way users read it.
 *
 * Keys that are plain identifiers are joined with dots; keys holding dots (Set ids, `App.Server`)
 * are quoted in brackets so the path stays unambiguous: `servers["Shop.Cart"].replicas["a.b.1"]`.
 */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Formats an issue as `file:line:col path: message` (DESIGN.md, `tarsfed validate`). */
export function formatIssue(issue: Issue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  return issue.path === ""
    ? `${where}: ${issue.message}`
    : `${where} ${issue.path}: ${issue.message}`;
}

/** Orders issues by file position, then path, so output is stable. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}

/**
 * Thrown when a fleet file is invalid; holds every issue found.
 *
 * Its message is the formatted issues, one per line, so printing it needs no stack trace.
 */
export class FleetError extends Error {
  readonly issues: readonly Issue[];

  constructor(issues: readonly Issue[]) {
    const sorted = sortIssues(issues);
    super(sorted.map(formatIssue).join("\n"));
    this.name = "FleetError";
    this.issues = sorted;
  }
}

/** Quotes a value received from the user for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) return "a list";
  // YAML tags the fleet format doesn't use: !!set, !!omap, !!binary.
  if (value instanceof Set) return "a set (!!set)";
  if (value instanceof Map) return "an ordered map (!!omap)";
  if (value instanceof Uint8Array) return "binary data (!!binary)";
  return "a map";
}

/** Lists allowed values for an error message: `a, b or c`. */
export function listAllowed(values: readonly string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}
