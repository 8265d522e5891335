/**
 * The schema's problems in this project's words: what is wrong, the value received, what would
 * be valid, at the field's place in the file.
 */
import { z } from "zod";
import { describeValue, formatPath, listAllowed, type FieldPath, type Issue } from "./issues";
import { type SourceIndex } from "./source";

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a map",
  record: "a map",
  array: "a list",
};

const expected = (kind: string) => EXPECTED[kind] ?? kind;

/** Levenshtein distance, for "did you mean" on unknown fields. */
function distance(a: string, b: string): number {
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
}

/** The known field closest to a misspelt one, when it is close enough to be the intent. */
export function closest(word: string, options: readonly string[]): string | undefined {
  const best = options
    .map((o) => ({ o, d: distance(word.toLowerCase(), o.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best !== undefined && best.d <= Math.max(2, Math.floor(word.length / 3))
    ? best.o
    : undefined;
}

/** Lists the known keys of an unknown-key issue, read from the object schema that raised it. */
export const fleetErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "unrecognized_keys" && issue.inst instanceof z.ZodObject) {
    (issue as { known?: string[] }).known = Object.keys(issue.inst.shape);
  }
  return undefined;
};

/** One problem before it has a position. */
interface Problem {
  readonly path: FieldPath;
  readonly message: string;
  readonly target?: "key" | "value";
}

function unionProblems(issue: z.core.$ZodIssueInvalidUnion, path: FieldPath): Problem[] {
  if (issue.discriminator !== undefined) {
    const options = ("options" in issue ? (issue.options ?? []) : []).map(String);
    const value = (issue.input as Record<string, unknown> | undefined)?.[issue.discriminator];
    return [
      {
        path: [...path.slice(0, -1), issue.discriminator],
        message: `must be ${listAllowed(options)}, got ${describeValue(value)}`,
      },
    ];
  }
  // A union of scalar types (e.g. cpu: "500m" or 2): name them instead of "Invalid input".
  const kinds = [
    ...new Set(
      issue.errors
        .flat()
        .filter((e) => e.code === "invalid_type")
        .map((e) => expected(e.expected)),
    ),
  ];
  const message =
    kinds.length > 0
      ? `expected ${listAllowed(kinds)}, got ${describeValue(issue.input)}`
      : `not a valid value, got ${describeValue(issue.input)}`;
  return [{ path, message }];
}

function problemsOf(issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  switch (issue.code) {
    case "invalid_type":
      return [
        {
          path,
          message:
            issue.input === undefined
              ? `missing, expected ${expected(issue.expected)}`
              : `expected ${expected(issue.expected)}, got ${describeValue(issue.input)}`,
        },
      ];
    case "unrecognized_keys": {
      const known = (issue as { known?: string[] }).known ?? [];
      return issue.keys.map((key) => {
        const hint = closest(key, known);
        const listed = known.length > 0 ? `, expected ${listAllowed(known)}` : "";
        return {
          path: [...path, key],
          message: hint ? `unknown field, did you mean ${hint}?` : `unknown field${listed}`,
          target: "key" as const,
        };
      });
    }
    case "invalid_value":
      return [
        {
          path,
          message: `must be ${listAllowed(issue.values.map((v) => String(v)))}, got ${describeValue(issue.input)}`,
        },
      ];
    case "invalid_union":
      return unionProblems(issue, path);
    default:
      return [{ path, message: issue.message }];
  }
}

/** Every problem of a failed schema parse, placed in the file. */
export function zodIssues(error: z.ZodError, source: SourceIndex): Issue[] {
  return error.issues.flatMap(problemsOf).map((p) => ({
    ...source.pos(p.path, p.target),
    path: formatPath(p.path),
    message: p.message,
  }));
}
