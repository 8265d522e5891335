/**
 * Reading a fleet file: YAML with positions → structure (zod) and rules (validate) → the model.
 *
 * Every problem is collected, each with its file, line, column and field path, before one
 * {@link FleetError} is thrown. Nothing is half-built: either the whole model or the error.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  describeValue,
  FleetError,
  formatPath,
  listAllowed,
  type FieldPath,
  type Issue,
} from "./issues";
import { FleetFileSchema, type FleetFile } from "./schema";
import { indexSource, type SourceIndex } from "./source";
import { readYaml } from "./yaml-text";
import { validateFleet } from "./validate";
import { toFleetSpec } from "./to-spec";
import { type FleetSpec } from "./model";

/** A loaded fleet: the model and where it came from. */
export interface LoadedFleet {
  readonly file: string;
  readonly text: string;
  readonly spec: FleetSpec;
  readonly source: SourceIndex;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a map",
  record: "a map",
  array: "a list",
};

function closest(word: string, options: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length];
  };
  const best = options
    .map((o) => ({ o, d: distance(word.toLowerCase(), o.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best !== undefined && best.d <= Math.max(2, Math.floor(word.length / 3))
    ? best.o
    : undefined;
}

function zodIssues(error: z.ZodError, source: SourceIndex): Issue[] {
  const issues: Issue[] = [];
  const add = (path: FieldPath, message: string, target: "key" | "value" = "value") =>
    issues.push({ ...source.pos(path, target), path: formatPath(path), message });
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
    switch (issue.code) {
      case "invalid_type":
        if (issue.input === undefined)
          add(path, `missing, expected ${EXPECTED[issue.expected] ?? issue.expected}`);
        else
          add(
            path,
            `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`,
          );
        break;
      case "unrecognized_keys": {
        const known = (issue as { known?: string[] }).known ?? [];
        for (const key of issue.keys) {
          const hint = closest(key, known);
          const expected = known.length > 0 ? `, expected ${listAllowed(known)}` : "";
          add(
            [...path, key],
            hint ? `unknown field, did you mean ${hint}?` : `unknown field${expected}`,
            "key",
          );
        }
        break;
      }
      case "invalid_value":
        add(
          path,
          `must be ${listAllowed(issue.values.map((v) => String(v)))}, got ${describeValue(issue.input)}`,
        );
        break;
      case "invalid_union":
        if (issue.discriminator !== undefined) {
          const options = ("options" in issue ? (issue.options ?? []) : []).map(String);
          const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
          add(
            [...path.slice(0, -1), issue.discriminator],
            `must be ${listAllowed(options)}, got ${describeValue(value)}`,
          );
        } else {
          // A union of scalar types (e.g. cpu: "500m" or 2): name them instead of "Invalid input".
          const kinds = [
            ...new Set(
              issue.errors
                .flat()
                .filter((e) => e.code === "invalid_type")
                .map((e) => EXPECTED[e.expected] ?? e.expected),
            ),
          ];
          add(
            path,
            kinds.length > 0
              ? `expected ${listAllowed(kinds)}, got ${describeValue(issue.input)}`
              : `not a valid value, got ${describeValue(issue.input)}`,
          );
        }
        break;
      default:
        add(path, issue.message);
    }
  }
  return issues;
}

/** Lists the known keys of an unknown-key issue, read from the object schema that raised it. */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "unrecognized_keys" && issue.inst instanceof z.ZodObject) {
    (issue as { known?: string[] }).known = Object.keys(issue.inst.shape);
  }
  return undefined;
};

/** Parses and validates fleet text; throws {@link FleetError} with every problem. */
export function parseFleet(text: string, file: string): LoadedFleet {
  const yaml = readYaml(text, file);
  if (!yaml.ok) throw new FleetError([yaml.issue]);
  const source = indexSource(file, yaml.doc, yaml.lines);
  const data = yaml.data;
  if (data === null || data === undefined) {
    throw new FleetError([
      {
        file,
        line: 1,
        col: 1,
        path: "",
        message: "the file is empty, expected a fleet map with name, homeRegion and regions",
      },
    ]);
  }
  const parsed = FleetFileSchema.safeParse(data, { error: errorMap, reportInput: true });
  const ruleIssues = validateFleet(data, source);
  // Where a rule explains a field, its message is the more useful one: drop the schema's.
  const explained = new Set(ruleIssues.map((i) => i.path));
  const shapeIssues = parsed.success
    ? []
    : zodIssues(parsed.error, source).filter((i) => !explained.has(i.path));
  const issues = [...shapeIssues, ...ruleIssues];
  if (issues.length > 0 || !parsed.success) throw new FleetError(dedupe(issues));
  return { file, text, source, spec: toFleetSpec(parsed.data satisfies FleetFile) };
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// Stacks planned in one process read the same file: parse and validate it once per content.
const loaded = new Map<string, LoadedFleet>();

/** Reads and validates a fleet file; a missing or unreadable file is one issue too. */
export function loadFleet(file: string): LoadedFleet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "no such file"
        : (error as Error).message;
    throw new FleetError([
      { file, line: 1, col: 1, path: "", message: `cannot read the fleet file: ${reason}` },
    ]);
  }
  const key = `${file}\u0000${text}`;
  const cached = loaded.get(key);
  if (cached !== undefined) return cached;
  const fleet = parseFleet(text, file);
  loaded.clear();
  loaded.set(key, fleet);
  return fleet;
}
