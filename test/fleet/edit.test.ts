import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, parse, parseDocument } from "yaml";
import { EditError, setScalar, setScalars, type ScalarValue } from "../../fleet/operations/edit";
import { type FieldPath } from "../../fleet/model/issues";

const demo = readFileSync("stacks/fleet.yaml", "utf8");

/** Every comment of a text: whole-line comments and the ` # …` ends of lines (outside quotes). */
function comments(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, "''"))
    .map((line) => /(?:^|\s)(#.*)$/.exec(line)?.[1])
    .filter((c): c is string => c !== undefined);
}

/** Paths of every scalar leaf of a YAML text, in document order. */
function leafPaths(text: string): FieldPath[] {
  const paths: FieldPath[] = [];
  const walk = (node: unknown, path: FieldPath) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "";
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node)) {
      paths.push(path);
    }
  };
  walk(parseDocument(text).contents, []);
  return paths;
}

/** Sets a value in plain data (a copy), creating maps on the way. */
function assoc(data: unknown, path: FieldPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const copy: Record<string | number, unknown> = Array.isArray(data)
    ? ([...(data as unknown[])] as unknown as Record<number, unknown>)
    : { ...(data as Record<string, unknown>) };
  copy[key] = assoc(copy[key], rest, value);
  return copy;
}

function catchError(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("setScalar", () => {
  it("replaces only the value in a flow map, keeping the comment after it", () => {
    const text = "sets: # ids\n  a.b.1: { cluster: gz1, failedOver: false } # keep\n";
    expect(setScalar(text, ["sets", "a.b.1", "failedOver"], true)).toBe(
      "sets: # ids\n  a.b.1: { cluster: gz1, failedOver: true } # keep\n",
    );
  });

  it("adds a missing key at the end of a flow map, before its closing brace", () => {
    expect(setScalar("s: { cluster: gz2, standby: bj1 } # x\n", ["s", "failedOver"], true)).toBe(
      "s: { cluster: gz2, standby: bj1, failedOver: true } # x\n",
    );
  });

  it("adds a missing key to an empty flow map", () => {
    expect(setScalar("s: {}\n", ["s", "a"], 1)).toBe("s: { a: 1 }\n");
  });

  it("adds a missing key on a new line at the block map's indentation, after its last entry", () => {
    const text = "a:\n  b: 1 # one\n  c:\n    d: 2\n\n# end\ne: 3\n";
    expect(setScalar(text, ["a", "z"], 9)).toBe(
      "a:\n  b: 1 # one\n  c:\n    d: 2\n  z: 9\n\n# end\ne: 3\n",
    );
  });

  it("adds a missing key to a block map at the end of a file without a final newline", () => {
    expect(setScalar("a:\n  b: 1", ["a", "c"], 2)).toBe("a:\n  b: 1\n  c: 2");
  });

  it("keeps Windows line endings when it adds a line", () => {
    expect(setScalar("a:\r\n  b: 1\r\nc: 2\r\n", ["a", "d"], 3)).toBe(
      "a:\r\n  b: 1\r\n  d: 3\r\nc: 2\r\n",
    );
  });

  it("creates missing maps as one flow map", () => {
    expect(setScalar("a:\n  b: 1\n", ["a", "x", "y"], true)).toBe("a:\n  b: 1\n  x: { y: true }\n");
    expect(setScalar("a: { b: 1 }\n", ["a", "x", "y"], 2)).toBe("a: { b: 1, x: { y: 2 } }\n");
  });

  it("fills an empty value", () => {
    expect(setScalar("a:\nb: 1\n", ["a", "c"], 1)).toBe("a: { c: 1 }\nb: 1\n");
    expect(setScalar("a:\nb: 1\n", ["a"], 1)).toBe("a: 1\nb: 1\n");
  });

  it("keeps the quoting of a string it replaces and quotes strings YAML would misread", () => {
    expect(setScalar('v: "1.29.0" # k8s\n', ["v"], "1.30.0")).toBe('v: "1.30.0" # k8s\n');
    expect(setScalar("v: 'a'\n", ["v"], "it's")).toBe("v: 'it''s'\n");
    expect(setScalar("v: a\n", ["v"], "b c")).toBe("v: b c\n");
    expect(setScalar("v: a\n", ["v"], "10")).toBe('v: "10"\n');
    expect(setScalar("v: a\n", ["v"], "true")).toBe('v: "true"\n');
    expect(setScalar("v: a\n", ["v"], "x # y")).toBe('v: "x # y"\n');
  });

  it("quotes new keys that YAML would not read back as the same string", () => {
    expect(setScalar("m: { a: 1 }\n", ["m", "1"], 2)).toBe('m: { a: 1, "1": 2 }\n');
  });

  it("edits list items by index", () => {
    expect(setScalar("z: [a, b] # zones\n", ["z", 1], "c")).toBe("z: [a, c] # zones\n");
  });

  it("makes several edits in order", () => {
    expect(
      setScalars("a: { b: 1 }\n", [
        { path: ["a", "b"], value: 2 },
        { path: ["a", "c"], value: 3 },
      ]),
    ).toBe("a: { b: 2, c: 3 }\n");
  });

  it.each<[string, string, FieldPath, ScalarValue, string]>([
    ["a collection", "a: { b: 1 }\n", ["a"], 1, "cannot edit a: it is not a single value"],
    ["a missing list item", "a: [1]\n", ["a", 3], 1, "cannot edit a[3]: a has no item 3"],
    ["a path through a scalar", "a: 1\n", ["a", "b"], 1, "cannot edit a.b: a is not a map"],
    [
      "a path through an alias",
      "x: &x { b: 1 }\na: *x\n",
      ["a", "b"],
      2,
      "cannot edit a.b: a is an alias",
    ],
    ["an empty path", "a: 1\n", [], 1, "cannot edit : an empty path names the whole document"],
    ["a block scalar", "a: |\n  text\n", ["a"], "x", "cannot edit a: it is a block scalar"],
    [
      "invalid YAML",
      "a: [\n",
      ["a"],
      1,
      "cannot edit a: the file is not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ])",
    ],
  ])("fails on %s", (_name, text, path, value, message) => {
    const error = catchError(() => setScalar(text, path, value));
    expect(error).toBeInstanceOf(EditError);
    expect(error.message).toBe(message);
  });

  it("fails rather than change a value an anchor shares", () => {
    // The anchored scalar is read in two places: editing it would change both.
    expect(() => setScalar("x: &v 1\ny: *v\n", ["x"], 2)).toThrow(
      "cannot edit x: the edited file would not read back with 2 there",
    );
  });
});

describe("setScalar on the demo fleet (property)", () => {
  const leaves = leafPaths(demo);
  const before: unknown = parse(demo);
  const originalComments = comments(demo);

  const missing: FieldPath[] = [
    ["sets", "app.gz.2", "failedOver"],
    ["sets", "app.bj.1", "warmStandby"],
    ["servers", "TestApp.OrderServer", "replicas", "app.bj.1"],
    ["regions", "beijing", "clusters", "bj1", "nodePools", "general", "systemDiskSizeGiB"],
    ["regions", "shanghai", "clusters", "sh1", "networkType"],
    ["tars", "prestopWaitSeconds"],
    ["tars", "extra", "deep", "leaf"],
    ["network", "bandwidth", 0, "note"],
  ];

  const value: fc.Arbitrary<ScalarValue> = fc.oneof(
    fc.integer({ min: -5, max: 5000 }),
    fc.boolean(),
    fc.string({ maxLength: 12 }),
    fc.constantFrom("app.gz.1", "1.30.0", "10.0.0.0/8", "a: b", "x # y", "'q'", '"d"', ""),
  );

  it("changes exactly the target and keeps every comment", () => {
    fc.assert(
      fc.property(fc.constantFrom(...leaves, ...missing), value, (path, v) => {
        const after = setScalar(demo, path, v);
        expect(parse(after)).toEqual(assoc(before, path, v));
        for (const c of originalComments) expect(comments(after)).toContain(c);
        // One splice inside one line: what was removed is the old value's text, no comment.
        let start = 0;
        while (start < demo.length && demo[start] === after[start]) start++;
        let end = 0;
        while (
          end < demo.length - start &&
          demo[demo.length - 1 - end] === after[after.length - 1 - end]
        ) {
          end++;
        }
        const removed = demo.slice(start, demo.length - end);
        expect(removed).not.toMatch(/[\n#]/);
      }),
      { numRuns: 200 },
    );
  });
});
