/**
 * Where two resources' inputs differ: every changed leaf (to decide replacement) and a short list
 * of field paths a reader can take in (to show).
 */
import { type Json } from "../../fleet/stacks/plan-document";

/** One step of a path into inputs: an object key or an array index. */
export type PathSegment = string | number;

/** One changed value. */
export interface LeafChange {
  /** Full path of the changed value, array indexes included. */
  readonly path: readonly PathSegment[];
  /** The shorter path it is shown under (see {@link diffFields}). */
  readonly shown: readonly PathSegment[];
}

/**
 * How many object keys a shown path keeps at most.
 *
 * Deeper changes are shown under their ancestor at this depth, so a table row stays one line.
 */
export const MAX_SHOWN_KEYS = 6;

type Value = Json | undefined;

function isObject(value: Value): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isContainer(value: Value): value is Json[] | { [key: string]: Json } {
  return typeof value === "object" && value !== null;
}

/** `null` and a missing key mean the same to Pulumi: no value. */
function isAbsent(value: Value): boolean {
  return value === undefined || value === null;
}

/** Deep equality of JSON values; object key order is irrelevant, array order is not. */
export function jsonEqual(a: Value, b: Value): boolean {
  if (isAbsent(a) || isAbsent(b)) return isAbsent(a) && isAbsent(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!jsonEqual(a[key], b[key])) return false;
    return true;
  }
  return a === b;
}

function keyCount(path: readonly PathSegment[]): number {
  return path.filter((s) => typeof s === "string").length;
}

/** Children of a container, by key or index, paired with the other side's (maybe missing) value. */
function children(base: Value, head: Value): [PathSegment, Value, Value][] {
  if (Array.isArray(base) || Array.isArray(head)) {
    const b = Array.isArray(base) ? base : [];
    const h = Array.isArray(head) ? head : [];
    return Array.from({ length: Math.max(b.length, h.length) }, (_, i) => [i, b[i], h[i]]);
  }
  const b = isObject(base) ? base : {};
  const h = isObject(head) ? head : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(h)])].sort();
  return keys.map((key) => [key, b[key], h[key]]);
}

/**
 * Whether the shown path stops growing at this node.
 *
 * It stops where a value appears or disappears as a whole, where an array changes length (its
 * elements shift, so per-index changes would mislead), at a second array (one index is enough to
 * say which container or rule), and at {@link MAX_SHOWN_KEYS}.
 */
function freezesHere(base: Value, head: Value, shown: readonly PathSegment[]): boolean {
  if (isAbsent(base) !== isAbsent(head)) return true;
  if (Array.isArray(base) && Array.isArray(head)) {
    return base.length !== head.length || shown.some((s) => typeof s === "number");
  }
  return keyCount(shown) >= MAX_SHOWN_KEYS;
}

function walk(
  base: Value,
  head: Value,
  path: PathSegment[],
  shown: PathSegment[],
  frozen: boolean,
  out: LeafChange[],
): void {
  if (jsonEqual(base, head)) return;
  const stop = frozen || freezesHere(base, head, shown);
  const bothSameKind =
    (Array.isArray(base) && Array.isArray(head)) || (isObject(base) && isObject(head));
  // A container against a missing value is walked too: every leaf inside it changed, and a
  // replacement path below it must see them.
  const descend =
    bothSameKind || (isContainer(base) && isAbsent(head)) || (isAbsent(base) && isContainer(head));
  const before = out.length;
  if (descend) {
    for (const [segment, b, h] of children(base, head)) {
      walk(b, h, [...path, segment], stop ? shown : [...shown, segment], stop, out);
    }
  }
  if (out.length === before) out.push({ path, shown });
}

/** Every changed leaf between `base` and `head` inputs, in a stable order (keys sorted). */
export function diffLeaves(
  base: { readonly [key: string]: Json },
  head: { readonly [key: string]: Json },
): LeafChange[] {
  const out: LeafChange[] = [];
  walk(base, head, [], [], false, out);
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A path as a reader writes it: `spec.template.spec.containers[0].env`,
 * `metadata.labels["tarsfed.io/role"]`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** The distinct shown paths of `leaves`, formatted, in order of first appearance. */
export function diffFields(leaves: readonly LeafChange[]): string[] {
  return [...new Set(leaves.map((leaf) => formatPath(leaf.shown)))];
}
