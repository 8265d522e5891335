/**
 * Reading resource inputs safely: they are untyped JSON, and during a preview parts are unknown.
 *
 * Every reader passes {@link UNKNOWN} through, so a check can skip what it cannot know yet
 * instead of mistaking it for a missing field.
 */
import { isUnknown, UNKNOWN } from "./rule";

/** A JSON object from resource inputs. */
export type Props = Readonly<Record<string, unknown>>;

/** Whether `value` is a plain JSON object (not an array, not null, not unknown). */
export function isRecord(value: unknown): value is Props {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The value at `path` below `value`; {@link UNKNOWN} as soon as a step is unknown, `undefined`
 * when a step is missing or not an object.
 *
 * @example at({ spec: { replicas: 2 } }, "spec", "replicas") === 2
 */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (isUnknown(current)) return UNKNOWN;
    if (typeof key === "number") {
      if (!Array.isArray(current)) return undefined;
      current = (current as readonly unknown[])[key];
    } else {
      if (!isRecord(current)) return undefined;
      current = current[key];
    }
  }
  return current;
}

/** The elements of `value` when it is an array, else none (unknown arrays have none either). */
export function items(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as readonly unknown[]) : [];
}

/** The entries of `value` when it is a plain object, else none. */
export function entries(value: unknown): [string, unknown][] {
  return isRecord(value) ? Object.entries(value) : [];
}

/** `value` when it is a string, else undefined (unknown included). */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The string values of a string map (labels, tags); other values are left out. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}
