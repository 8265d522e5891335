/**
 * Safe reads of an unvalidated YAML document.
 *
 * The validator runs on the raw document, beside the structural schema, so that both kinds of
 * problem are reported in one run. These helpers return `undefined` (or nothing) for a value of
 * the wrong type instead of throwing: the schema reports the type error, the validator skips it.
 */

/** Whether `value` is a YAML map (a plain object). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The entries of a map, or none when `value` is not a map. */
export function entriesOf(value: unknown): [string, unknown][] {
  return isRecord(value) ? Object.entries(value) : [];
}

/** The items of a list, or none when `value` is not a list. */
export function itemsOf(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** The field `key` of a map, or `undefined`. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** `value` when it is a string. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `value` when it is a whole number. */
export function asInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** `value` when it is a boolean. */
export function asBoolean(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}
