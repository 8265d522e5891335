/**
 * Variants of the demo fleet for capacity and operation tests, built by editing its text.
 */
import { readFileSync } from "node:fs";
import { parseFleet, type LoadedFleet } from "../../fleet/model/load";

/** The demo fleet file's text. */
export const demoText = readFileSync("stacks/fleet.yaml", "utf8");

const SH1_POOLS =
  "          general: { instanceType: SA5.2XLARGE16, minSize: 2, maxSize: 10, desiredSize: 3 }\n" +
  "          highmem: { instanceType: M5.2XLARGE32, minSize: 0, maxSize: 4, desiredSize: 1 }\n";

/**
 * The demo with sh1 down to one SA5.2XLARGE16 node and one SA5.MEDIUM4 node at most (7.8 + 1.9
 * = 9.7 CPU, 13621 + 2972 = 16593Mi allocatable).
 *
 * sh1 asks for 9.05 CPU now (its Sets, warm copies, registry and shanghai's base services);
 * failing app.gz.1 over to it makes that 11.3 CPU, 1.6 short.
 */
export const tightText = replaceOnce(
  demoText,
  SH1_POOLS,
  "          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 1, desiredSize: 1 }\n" +
    "          small: { instanceType: SA5.MEDIUM4, minSize: 0, maxSize: 1, desiredSize: 0 }\n",
);

/** Replaces `search`, which must occur exactly once. */
export function replaceOnce(text: string, search: string, replacement: string): string {
  const at = text.indexOf(search);
  if (at < 0 || text.indexOf(search, at + 1) >= 0) {
    throw new Error(`test fixture: ${JSON.stringify(search)} must occur exactly once`);
  }
  return text.slice(0, at) + replacement + text.slice(at + search.length);
}

/** Parses a fleet text as `fleet.yaml`. */
export function fleetOf(text: string): LoadedFleet {
  return parseFleet(text, "fleet.yaml");
}
