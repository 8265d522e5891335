/**
 * The fleet revision a stack is applied from: a content hash of the fleet file's data.
 *
 * The hash covers what the file says, not how it is written: the YAML is read into data (merge
 * keys and aliases resolved, comments and layout gone), written as canonical JSON (object keys
 * sorted) and hashed with SHA-256. Comments, indentation, flow or block style, quoting and key
 * order change nothing; any change of a value, even one that only another stack reads, makes a
 * new revision. It hashes the data as written, not the model with its defaults filled in, so a
 * tarsfed release that adds a default does not make every deployed revision look foreign.
 *
 * Every stack records its revision as the output {@link StackOutput.FleetRevision}; `tarsfed up`
 * compares it with the git history of the fleet file (`cli/engine/revision.ts`).
 */
import { createHash } from "node:crypto";
import { readYaml } from "../model/yaml-text";

/** Outputs every stack records, besides its own. */
export const StackOutput = {
  /** The {@link fleetRevision} of the fleet file the stack was last applied from. */
  FleetRevision: "fleetRevision",
  /** The fleet's `homeRegion` when the stack was last applied. */
  HomeRegion: "homeRegion",
} as const;

/**
 * The environment variable naming a file that holds the fleet text to deploy: `tarsfed preview`
 * and `up` read the fleet file once and hand both the preview and the update this same copy, so
 * an edit in between reaches neither (`index.ts` reads it instead of the configured file).
 */
export const FLEET_SNAPSHOT_ENV = "TARSFED_FLEET_SNAPSHOT";

/** Characters of a revision shown in messages, as git shortens commit ids. */
export const SHORT_REVISION_LENGTH = 12;

/** Plain data as YAML gives it, written with sorted keys: one spelling per value. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return JSON.stringify(value);
  // null, and nothing else: YAML's core schema gives only plain data.
  return "null";
}

/**
 * The revision of fleet text: 64 hex digits, the SHA-256 of its data as canonical JSON; undefined
 * when the text is not YAML (such a file never validates, so no stack is applied from it).
 */
export function fleetRevision(text: string): string | undefined {
  const yaml = readYaml(text, "fleet.yaml");
  if (!yaml.ok) return undefined;
  return createHash("sha256").update(canonicalJson(yaml.data)).digest("hex");
}

/** A revision as messages show it: its first {@link SHORT_REVISION_LENGTH} hex digits. */
export function shortRevision(revision: string): string {
  return revision.slice(0, SHORT_REVISION_LENGTH);
}
