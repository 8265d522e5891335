/**
 * Source positions of a parsed YAML document, so every problem can name its file, line and column.
 */
import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import { type FieldPath, type Pos } from "./issues";
import { type LineIndex } from "./yaml-text";

/** Which end of a `key: value` entry a position should point at. */
export type PosTarget = "key" | "value";

/** Answers "where in the file is this field?" for a parsed document. */
export interface SourceIndex {
  readonly file: string;
  /**
   * Position of the field at `path`.
   *
   * @param target `value` (default) points at the value; `key` at the key, which is where
   *   problems about the entry itself (an unknown field, a bad map key) belong. A path that does
   *   not exist in the file points at the nearest entry that does.
   */
  pos(path: FieldPath, target?: PosTarget): Pos;
}

interface Located {
  readonly node: Node | null;
  readonly pair?: Pair;
}

// Pairs of each map by key, built on first lookup: a file with thousands of problems stays fast.
const pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, segment: string | number): Pair | undefined {
  let pairs = pairsByKey.get(map);
  if (pairs === undefined) {
    pairs = new Map();
    for (const p of map.items) {
      const key = String(isScalar(p.key) ? p.key.value : p.key);
      if (!pairs.has(key)) pairs.set(key, p);
    }
    pairsByKey.set(map, pairs);
  }
  return pairs.get(String(segment));
}

function child(node: Node | null, segment: string | number): Located | undefined {
  if (isMap(node)) {
    const pair = pairOf(node, segment);
    if (pair === undefined) return undefined;
    const value = pair.value;
    return { node: isScalar(value) || isMap(value) || isSeq(value) ? value : null, pair };
  }
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment];
    if (item === undefined) return undefined;
    return { node: isScalar(item) || isMap(item) || isSeq(item) ? item : null };
  }
  return undefined;
}

function offsetOf(located: Located, target: PosTarget): number | undefined {
  const keyNode = located.pair?.key;
  const keyRange =
    isScalar(keyNode) || isMap(keyNode) || isSeq(keyNode) ? keyNode.range : undefined;
  if (target === "key" && keyRange) return keyRange[0];
  return located.node?.range?.[0] ?? keyRange?.[0];
}

/** Builds the index of a parsed document; `lines` is the index of its text. */
export function indexSource(file: string, doc: Document, lines: LineIndex): SourceIndex {
  const at = (offset: number): Pos => ({ file, ...lines.at(offset) });
  const rootNode = doc.contents;
  return {
    file,
    pos(path, target = "value") {
      let current: Located = {
        node: isMap(rootNode) || isSeq(rootNode) || isScalar(rootNode) ? rootNode : null,
      };
      let offset = current.node?.range?.[0] ?? 0;
      for (let i = 0; i < path.length; i++) {
        const next = child(current.node, path[i]);
        // A missing field belongs to the entry that should hold it.
        if (next === undefined) return at(offsetOf(current, "key") ?? offset);
        current = next;
        offset = offsetOf(current, i === path.length - 1 ? target : "value") ?? offset;
      }
      return at(offset);
    },
  };
}

/** A source index for data that did not come from a file (tests, generated fleets). */
export function noSource(file: string): SourceIndex {
  return { file, pos: () => ({ file, line: 1, col: 1 }) };
}
