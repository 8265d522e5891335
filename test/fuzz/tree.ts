/**
 * Edits of a parsed YAML document (plain objects and arrays) for the fuzz mutations.
 *
 * Keys are set with `Object.defineProperty`, so a key such as `__proto__` becomes an ordinary
 * entry, as it does when the YAML library parses it, instead of replacing the prototype.
 */

/** A path from the document root: map keys and list indexes. */
export type TreePath = readonly (string | number)[];

/** A node of the document and where it is. */
export interface TreeNode {
  readonly path: TreePath;
  readonly value: unknown;
  /** Whether the node is an entry of a map (it has a key that can be renamed). */
  readonly inMap: boolean;
}

/** Whether `value` is a map. */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every node below the root, depth first, in document order. */
export function treeNodes(root: unknown): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (value: unknown, path: TreePath) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        out.push({ path: [...path, i], value: item, inMap: false });
        walk(item, [...path, i]);
      });
    } else if (isMap(value)) {
      for (const [k, v] of Object.entries(value)) {
        out.push({ path: [...path, k], value: v, inMap: true });
        walk(v, [...path, k]);
      }
    }
  };
  walk(root, []);
  return out;
}

/** The value at `path`, or undefined. */
export function getAt(root: unknown, path: TreePath): unknown {
  let current = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isMap(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

function define(map: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Sets the value at `path` (its parent must exist). */
export function setAt(root: unknown, path: TreePath, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === "number") parent[last] = value;
  else if (isMap(parent)) define(parent, String(last), value);
}

/** Removes the entry or list item at `path`. */
export function deleteAt(root: unknown, path: TreePath): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
  else if (isMap(parent)) delete parent[String(last)];
}

/** Rebuilds a map in place from `entries`, keeping their order. */
function replaceEntries(map: Record<string, unknown>, entries: [string, unknown][]): void {
  for (const k of Object.keys(map)) delete map[k];
  for (const [k, v] of entries) define(map, k, v);
}

/** Renames the map entry at `path` to `name`, in place in the key order. */
export function renameAt(root: unknown, path: TreePath, name: string): void {
  const parent = getAt(root, path.slice(0, -1));
  if (!isMap(parent)) return;
  const old = String(path[path.length - 1]);
  const entries = Object.entries(parent).filter(([k]) => k === old || k !== name);
  replaceEntries(
    parent,
    entries.map(([k, v]): [string, unknown] => [k === old ? name : k, v]),
  );
}

/** Copies the entry at `path` under `name` right after it (a list item: appended). */
export function duplicateAt(root: unknown, path: TreePath, name: string): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === "number") {
    parent.push(structuredClone(parent[last]));
    return;
  }
  if (!isMap(parent) || Object.prototype.hasOwnProperty.call(parent, name)) return;
  const entries = Object.entries(parent);
  const at = entries.findIndex(([k]) => k === String(last));
  entries.splice(at + 1, 0, [name, structuredClone(entries[at][1])]);
  replaceEntries(parent, entries);
}

/** Picks `items[seed mod length]`, or undefined from an empty list. */
export function pick<T>(items: readonly T[], seed: number): T | undefined {
  return items.length === 0 ? undefined : items[seed % items.length];
}
