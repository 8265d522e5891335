/**
 * Editing a fleet file's text in place, so that every byte the edit does not target stays.
 *
 * Serialising a YAML document again loses what users care about in a hand-kept file (spacing,
 * flow or block style, quoting, blank lines, some comments). Instead the edit finds the exact
 * source range of the scalar to change, with `yaml`'s concrete positions (`node.range`), and
 * splices the new text there. A missing key is inserted beside its siblings in the same style. The
 * result is parsed again and must read back as the old document with only the target changed;
 * anything else is an error, and the caller writes nothing.
 * @see https://github.com/eemeli/yaml/pull/259 (node `range` as `[start, value-end, node-end]`)
 */
import { isDeepStrictEqual } from "node:util";
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parse,
  parseDocument,
  Scalar,
  type Node,
  type YAMLMap,
} from "yaml";
import { type FieldPath, formatPath } from "../model/issues";

/** A value a scalar edit may write. */
export type ScalarValue = string | number | boolean;

/** One scalar edit: the value to write at a path. */
export interface ScalarEdit {
  readonly path: FieldPath;
  readonly value: ScalarValue;
}

/** Thrown when an edit cannot be made without touching more than its target. */
export class EditError extends Error {
  constructor(path: FieldPath, reason: string) {
    super(`cannot edit ${formatPath(path)}: ${reason}`);
    this.name = "EditError";
  }
}

/** Whether `text` can be written as a plain (unquoted) YAML scalar, in block and flow context. */
function isPlainSafe(text: string): boolean {
  if (!/^[A-Za-z0-9_./][A-Za-z0-9_./ -]*$/.test(text) || text.endsWith(" ")) return false;
  return parse(text) === text;
}

/** The source text of a value; strings keep the quoting of the scalar they replace. */
function formatValue(value: ScalarValue, replacing?: Scalar): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} into YAML`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (replacing?.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (replacing?.type === Scalar.QUOTE_DOUBLE || !isPlainSafe(value)) {
    return JSON.stringify(value);
  }
  return value;
}

function formatKey(key: string): string {
  return isPlainSafe(key) ? key : JSON.stringify(key);
}

/** `{ b: { c: value } }` for the path rest `[b, c]`; the value alone for an empty rest. */
function nestedText(path: FieldPath, rest: FieldPath, value: ScalarValue): string {
  if (rest.length === 0) return formatValue(value);
  const [key, ...deeper] = rest;
  if (typeof key === "number") throw new EditError(path, "cannot add list items");
  return `{ ${formatKey(key)}: ${nestedText(path, deeper, value)} }`;
}

const splice = (text: string, start: number, end: number, insert: string) =>
  text.slice(0, start) + insert + text.slice(end);

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/** Inserts `key: value` (key = `rest[0]`) into a map that lacks it, in the map's own style. */
function insertIntoMap(
  text: string,
  map: YAMLMap,
  path: FieldPath,
  rest: FieldPath,
  value: ScalarValue,
): string {
  const [key, ...deeper] = rest;
  if (typeof key === "number") throw new EditError(path, "cannot add list items");
  const entry = `${formatKey(key)}: ${nestedText(path, deeper, value)}`;
  const range = map.range;
  if (range === null || range === undefined) throw new EditError(path, "the map has no position");
  if (map.flow === true) {
    const last = map.items[map.items.length - 1];
    if (last === undefined) return splice(text, range[0], range[1], `{ ${entry} }`);
    const lastNode = (last.value ?? last.key) as Node;
    const end = lastNode.range?.[1];
    if (end === undefined) throw new EditError(path, "the map's last entry has no position");
    return splice(text, end, end, `, ${entry}`);
  }
  const indent = " ".repeat(columnOf(text, range[0]));
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const at = range[1];
  return text[at - 1] === "\n"
    ? splice(text, at, at, `${indent}${entry}${eol}`)
    : splice(text, at, at, `${eol}${indent}${entry}`);
}

/** Replaces a scalar's source text; an empty null (`key:`) gets a space before the value. */
function replaceScalar(text: string, node: Scalar, path: FieldPath, replacement: string): string {
  if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
    throw new EditError(path, "it is a block scalar");
  }
  const range = node.range;
  if (range === null || range === undefined) throw new EditError(path, "the value has no position");
  const empty = range[0] === range[1];
  return splice(text, range[0], range[1], empty ? ` ${replacement}` : replacement);
}

/** The text with the edit made, before checking. */
function editText(text: string, root: unknown, path: FieldPath, value: ScalarValue): string {
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const here = path.slice(0, i);
    if (isAlias(node)) throw new EditError(path, `${formatPath(here) || "the root"} is an alias`);
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const key: unknown = isScalar(p.key) ? p.key.value : p.key;
        return String(key) === String(segment);
      });
      if (pair === undefined) return insertIntoMap(text, node, path, path.slice(i), value);
      next = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
      if (next === undefined)
        throw new EditError(path, `${formatPath(here)} has no item ${segment}`);
    } else {
      throw new EditError(path, `${formatPath(here) || "the document"} is not a map`);
    }
    const rest = path.slice(i + 1);
    if (isScalar(next) && (rest.length === 0 || next.value === null)) {
      const replacement =
        rest.length === 0 ? formatValue(value, next) : nestedText(path, rest, value);
      return replaceScalar(text, next, path, replacement);
    }
    if (rest.length === 0) throw new EditError(path, "it is not a single value");
    node = next;
  }
  throw new EditError(path, "an empty path names the whole document");
}

/** Sets `value` at `path` in plain data, creating maps on the way. */
function setIn(data: unknown, path: FieldPath, value: ScalarValue): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const container: Record<string | number, unknown> =
    data !== null && typeof data === "object" ? (data as Record<string | number, unknown>) : {};
  container[key] = setIn(container[key], rest, value);
  return container;
}

/**
 * Writes `value` at `path` in YAML `text`, changing nothing else.
 *
 * When the key exists, only its value's source text is replaced (a string keeps its quoting).
 * When it is missing from a flow map (`{ cluster: gz2, standby: bj1 }`), `, key: value` goes after
 * the last entry; in a block map, a `key: value` line goes after the last entry, at the map's
 * indentation. Missing maps on the way are created as one flow map (`key: { sub: value }`).
 * Throws {@link EditError} when the path crosses an alias, a list end or a non-map, when the
 * target is a collection, and when the result would not read back as the same document with
 * only `path` changed.
 * @example setScalar("a: { b: 1 } # c\n", ["a", "b"], 2) // "a: { b: 2 } # c\n"
 */
export function setScalar(text: string, path: FieldPath, value: ScalarValue): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const reason = doc.errors[0].message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new EditError(path, `the file is not valid YAML (${reason})`);
  }
  const edited = editText(text, doc.contents, path, value);
  const reread = parseDocument(edited);
  const expected = setIn(doc.toJS(), path, value);
  if (reread.errors.length > 0 || !isDeepStrictEqual(reread.toJS(), expected)) {
    throw new EditError(
      path,
      `the edited file would not read back with ${formatValue(value)} there`,
    );
  }
  return edited;
}

/** Makes several scalar edits in order; see {@link setScalar}. */
export function setScalars(text: string, edits: readonly ScalarEdit[]): string {
  return edits.reduce((current, edit) => setScalar(current, edit.path, edit.value), text);
}
