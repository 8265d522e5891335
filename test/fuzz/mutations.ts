/**
 * Mutated valid fleets: the demo fleet and the small fixture, edited at random.
 *
 * Three families: structural mutations of the parsed document (delete, retype, rename, duplicate,
 * swap, odd numbers and strings), text edits of the file (lines deleted, duplicated, re-indented,
 * tabs, truncation, stray punctuation), and edits that keep a fleet valid (replicas, Sets,
 * failover, pool sizes, zones) for the properties that need a loadable fleet.
 * Every mutation is plain data, so a failing case prints what was done and shrinks.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import {
  deleteAt,
  duplicateAt,
  isMap,
  pick,
  renameAt,
  setAt,
  treeNodes,
  type TreeNode,
} from "./tree";
import { validEdit, applyValidEdit } from "./valid-edits";

const ROOT = path.join(__dirname, "..", "..");

/** A valid fleet to mutate: its file text and the document it parses to. */
export interface BaseFleet {
  readonly name: string;
  readonly text: string;
  readonly data: unknown;
}

function base(name: string, file: string): BaseFleet {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return { name, text, data: parse(text) as unknown };
}

/** The demo fleet and the small fixture. */
export const BASE_FLEETS: readonly BaseFleet[] = [
  base("demo", "stacks/fleet.yaml"),
  base("small", "test/fixtures/small-fleet.yaml"),
];

/** Odd numbers: negative, zero, huge, fractional, not finite, and the reserved port. */
export const ODD_NUMBERS = [
  -1,
  0,
  0.5,
  1.5,
  -0,
  65535,
  65536,
  19385,
  1000,
  1001,
  2 ** 31,
  2 ** 53 + 2,
  1e308,
  NaN,
  Infinity,
  -Infinity,
] as const;

/** Odd strings: empty, wildcard, unicode, long, look-alikes of other types and of fleet values. */
export const ODD_STRINGS = [
  "",
  "*",
  " ",
  "é",
  "日本語",
  "😀",
  "x".repeat(300),
  "latest",
  "1.30",
  "true",
  "null",
  "10.0.0.0/8",
  "0.0.0.0/0",
  "10.10.0.0/16",
  "172.20.0.0/20",
  "ap-guangzhou-0",
  "ap-guangzhou-99",
  "app.gz.1",
  "App.Gz.1",
  "app.gz",
  "a.b.*",
  "gz1",
  "Shop.CartServer",
  "__proto__",
  "constructor",
  "line\nbreak",
  "\t",
  "\u0000",
  "-",
  "#",
] as const;

const jsonOfAnyType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(...ODD_NUMBERS),
  fc.constantFrom(...ODD_STRINGS),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom(...ODD_STRINGS, "port", "cluster"), fc.jsonValue({ maxDepth: 1 }), {
    maxKeys: 3,
  }),
);

const seed = fc.nat();
const oddName = fc.oneof(fc.constantFrom(...ODD_STRINGS), fc.string({ maxLength: 10 }));

/** One structural mutation; `at` picks the node among those it applies to. */
export type Mutation =
  | { readonly kind: "delete"; readonly at: number }
  | { readonly kind: "setValue"; readonly at: number; readonly value: unknown }
  | { readonly kind: "renameKey"; readonly at: number; readonly name: string }
  | { readonly kind: "duplicateEntry"; readonly at: number; readonly name: string }
  | { readonly kind: "swapStrings"; readonly at: number; readonly other: number }
  | { readonly kind: "setNumber"; readonly at: number; readonly value: number }
  | { readonly kind: "setString"; readonly at: number; readonly value: string }
  | { readonly kind: "standbySelf"; readonly at: number }
  | {
      readonly kind: "addField";
      readonly at: number;
      readonly name: string;
      readonly value: unknown;
    };

/** Any one {@link Mutation}. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: seed }),
  fc.record({ kind: fc.constant("setValue" as const), at: seed, value: jsonOfAnyType }),
  fc.record({ kind: fc.constant("renameKey" as const), at: seed, name: oddName }),
  fc.record({ kind: fc.constant("duplicateEntry" as const), at: seed, name: oddName }),
  fc.record({ kind: fc.constant("swapStrings" as const), at: seed, other: seed }),
  fc.record({
    kind: fc.constant("setNumber" as const),
    at: seed,
    value: fc.oneof(fc.constantFrom(...ODD_NUMBERS), fc.integer(), fc.double()),
  }),
  fc.record({ kind: fc.constant("setString" as const), at: seed, value: oddName }),
  fc.record({ kind: fc.constant("standbySelf" as const), at: seed }),
  fc.record({
    kind: fc.constant("addField" as const),
    at: seed,
    name: fc.oneof(fc.constantFrom("replica", "zone", "standbye", "podCIDR", "labels"), oddName),
    value: jsonOfAnyType,
  }),
);

const CIDR_LIKE = /^\d+\.\d+\.\d+\.\d+\/\d+$/;

function leaves(nodes: readonly TreeNode[], test: (v: unknown) => boolean): TreeNode[] {
  const matching = nodes.filter((n) => test(n.value));
  return matching.length > 0 ? matching : nodes.filter((n) => !isMap(n.value));
}

/** Applies one mutation in place; a mutation with nothing to apply to does nothing. */
export function applyMutation(root: unknown, m: Mutation): void {
  const nodes = treeNodes(root);
  switch (m.kind) {
    case "delete":
    case "setValue": {
      const node = pick(nodes, m.at);
      if (node === undefined) return;
      if (m.kind === "delete") deleteAt(root, node.path);
      else setAt(root, node.path, structuredClone(m.value));
      return;
    }
    case "renameKey":
    case "duplicateEntry": {
      const candidates =
        m.kind === "renameKey"
          ? nodes.filter((n) => n.inMap)
          : nodes.filter((n) => !n.inMap || isMap(n.value));
      const node = pick(candidates, m.at);
      if (node === undefined) return;
      if (m.kind === "renameKey") renameAt(root, node.path, m.name);
      else duplicateAt(root, node.path, m.name);
      return;
    }
    case "swapStrings": {
      const strings = leaves(nodes, (v) => typeof v === "string" && CIDR_LIKE.test(v));
      const a = pick(strings, m.at);
      const b = pick(strings, m.other);
      if (a === undefined || b === undefined) return;
      setAt(root, a.path, b.value);
      setAt(root, b.path, a.value);
      return;
    }
    case "setNumber":
    case "setString": {
      const test = (v: unknown) => typeof v === (m.kind === "setNumber" ? "number" : "string");
      const node = pick(leaves(nodes, test), m.at);
      if (node !== undefined) setAt(root, node.path, m.value);
      return;
    }
    case "standbySelf": {
      const sets = nodes.filter((n) => n.path.length === 2 && n.path[0] === "sets");
      const node = pick(sets, m.at);
      if (node !== undefined && isMap(node.value))
        setAt(root, [...node.path, "standby"], node.value.cluster);
      return;
    }
    case "addField": {
      const maps = [{ path: [], value: root, inMap: false }, ...nodes].filter((n) =>
        isMap(n.value),
      );
      const node = pick(maps, m.at);
      if (node !== undefined) setAt(root, [...node.path, m.name], structuredClone(m.value));
    }
  }
}

/** How a mutated document is written back: YAML in a few styles, or JSON (YAML too). */
export const RENDERINGS = ["yaml", "yaml-indent4", "yaml-flow", "json"] as const;
/** One of {@link RENDERINGS}. */
export type Rendering = (typeof RENDERINGS)[number];

/** Writes `data` as fleet text. */
export function render(data: unknown, rendering: Rendering): string {
  switch (rendering) {
    case "yaml":
      return stringify(data);
    case "yaml-indent4":
      return stringify(data, { indent: 4 });
    case "yaml-flow":
      return stringify(data, { collectionStyle: "flow" });
    case "json":
      return `${JSON.stringify(data, null, 2)}\n`;
  }
}

const baseIndex = fc.nat({ max: BASE_FLEETS.length - 1 });

/** A base fleet with 1–4 structural mutations, rendered. */
export const mutatedFleetText: fc.Arbitrary<string> = fc
  .tuple(
    baseIndex,
    fc.array(mutation, { minLength: 1, maxLength: 4 }),
    fc.constantFrom(...RENDERINGS),
  )
  .map(([i, mutations, rendering]) => {
    const data = structuredClone(BASE_FLEETS[i].data);
    for (const m of mutations) applyMutation(data, m);
    return render(data, rendering);
  });

/** A base fleet with 1–4 edits that keep it valid, rendered. */
export const validMutatedFleetText: fc.Arbitrary<string> = fc
  .tuple(
    baseIndex,
    fc.array(validEdit, { minLength: 1, maxLength: 4 }),
    fc.constantFrom(...RENDERINGS),
  )
  .map(([i, edits, rendering]) => {
    const data = structuredClone(BASE_FLEETS[i].data);
    for (const e of edits) applyValidEdit(data, e);
    return render(data, rendering);
  });

/** One edit of a fleet file's text; `at` picks the line or character. */
export type TextEdit =
  | { readonly kind: "deleteLine" | "duplicateLine" | "tab"; readonly at: number }
  | { readonly kind: "swapLines"; readonly at: number; readonly other: number }
  | { readonly kind: "indent"; readonly at: number; readonly by: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string };

const STRAY = [":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!", "|", ">", "#", '"', "'"];

/** Any one {@link TextEdit}. */
export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constantFrom("deleteLine", "duplicateLine", "tab" as const), at: seed }),
  fc.record({ kind: fc.constant("swapLines" as const), at: seed, other: seed }),
  fc.record({
    kind: fc.constant("indent" as const),
    at: seed,
    by: fc.constantFrom(-4, -2, -1, 1, 2, 3),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: seed }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: seed,
    text: fc.oneof(fc.constantFrom(...STRAY), fc.string({ maxLength: 3 })),
  }),
);

/** Applies one text edit. */
export function applyTextEdit(text: string, e: TextEdit): string {
  const lines = text.split("\n");
  const line = e.at % lines.length;
  switch (e.kind) {
    case "deleteLine":
      return lines.filter((_, i) => i !== line).join("\n");
    case "duplicateLine":
      return lines.flatMap((l, i) => (i === line ? [l, l] : [l])).join("\n");
    case "tab":
      return lines.map((l, i) => (i === line ? `\t${l}` : l)).join("\n");
    case "swapLines": {
      const other = e.other % lines.length;
      [lines[line], lines[other]] = [lines[other], lines[line]];
      return lines.join("\n");
    }
    case "indent":
      return lines
        .map((l, i) => (i !== line ? l : e.by > 0 ? " ".repeat(e.by) + l : l.slice(-e.by)))
        .join("\n");
    case "truncate":
      return text.slice(0, e.at % (text.length + 1));
    case "insert": {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.text + text.slice(at);
    }
  }
}

/** A base fleet's file text with 1–4 text edits. */
export const textMutatedFleet: fc.Arbitrary<string> = fc
  .tuple(baseIndex, fc.array(textEdit, { minLength: 1, maxLength: 4 }))
  .map(([i, edits]) => edits.reduce(applyTextEdit, BASE_FLEETS[i].text));
