/**
 * Pieces shared by the validation modules.
 */
import { listAllowed, type FieldPath } from "../model/issues";
import { isDnsLabel } from "../model/naming";
import { type PosTarget } from "../model/source";

/** Records one problem at a field. */
export type Report = (path: FieldPath, message: string, target?: PosTarget) => void;

/** What the checks learn about the fleet that other checks refer to. */
export interface FleetNames {
  readonly regions: ReadonlySet<string>;
  /** Cluster name → the path of its definition, fleet-wide. */
  readonly clusters: ReadonlyMap<string, FieldPath>;
  readonly sets: ReadonlySet<string>;
}

/** Lists names for a message, or says there are none. */
export function allowed(names: Iterable<string>): string {
  const list = [...names];
  return list.length === 0
    ? "a defined name, but none is defined"
    : `one of ${listAllowed(list.map((n) => JSON.stringify(n)))}`;
}

/** Checks that a map key is a DNS label of at most `maxLength`; returns whether it is. */
export function checkLabelKey(
  path: FieldPath,
  what: string,
  maxLength: number,
  report: Report,
): boolean {
  const key = String(path[path.length - 1]);
  if (isDnsLabel(key) && key.length <= maxLength) return true;
  report(
    path,
    `${what} name must be a lowercase DNS label of at most ${maxLength} characters (a-z, 0-9, -), got ${JSON.stringify(key)}`,
    "key",
  );
  return false;
}
