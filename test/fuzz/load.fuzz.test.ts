/**
 * Hostile input to loading and validation: 2,200 generated fleet files per run.
 *
 * Whatever the text, `parseFleet` returns a usable model or throws a `FleetError` whose every
 * problem points into the file. The seed is fixed so a run is reproducible; fast-check prints the
 * seed and the shrunk counterexample of a failure. `FUZZ_SEED=<n>` and `FUZZ_RUNS=<factor>`
 * explore further.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { parseFleet } from "../../fleet/model/load";
import { aliasBomb, nestedText, randomYaml } from "./arbitraries";
import { FUZZ_FILE, issueProblem, loadHostile } from "./checks";
import { mutatedFleetText, textMutatedFleet, validMutatedFleetText } from "./mutations";

const SEED = Number(process.env.FUZZ_SEED ?? 7_402_025);
const FACTOR = Number(process.env.FUZZ_RUNS ?? 1);

/** Cases per property; together at least the 2,000 the hostile-input issue asks for. */
const RUNS = { randomYaml: 1000, mutated: 600, textEdited: 400, validEdited: 200 } as const;

const settings = (numRuns: number) => ({ numRuns: Math.round(numRuns * FACTOR), seed: SEED });

function refusal(text: string): FleetError {
  try {
    parseFleet(text, FUZZ_FILE);
  } catch (error) {
    if (error instanceof FleetError) return error;
    throw error;
  }
  throw new Error("expected the fleet to be refused");
}

describe("loading hostile input", () => {
  it("never fails on random YAML except with well-placed problems", () => {
    fc.assert(
      fc.property(randomYaml, (text) => {
        loadHostile(text);
      }),
      settings(RUNS.randomYaml),
    );
  });

  it("never fails on mutated fleets except with well-placed problems", () => {
    fc.assert(
      fc.property(mutatedFleetText, (text) => {
        loadHostile(text);
      }),
      settings(RUNS.mutated),
    );
  });

  it("never fails on text-edited fleets except with well-placed problems", () => {
    fc.assert(
      fc.property(textMutatedFleet, (text) => {
        loadHostile(text);
      }),
      settings(RUNS.textEdited),
    );
  });

  it("loads every fleet changed the way operators change it, and derives a usable model", () => {
    fc.assert(
      fc.property(validMutatedFleetText, (text) => {
        const outcome = loadHostile(text);
        if (outcome.kind === "refused") throw new Error(`refused:\n${outcome.error.message}`);
      }),
      settings(RUNS.validEdited),
    );
  });
});

describe("hostile documents", () => {
  it("fails on a billion-laughs document quickly, without expanding it", () => {
    const started = performance.now();
    const error = refusal(aliasBomb(9, 9));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.issues.length).toBe(1);
    expect(error.issues[0].message).toMatch(/^invalid YAML: .*alias/);
  });

  it("fails on an alias whose anchor is not defined, at the alias", () => {
    const error = refusal("name: *nope\n");
    expect(error.issues.map((i) => [i.line, i.col])).toEqual([[1, 7]]);
    expect(error.issues[0].message).toMatch(/^invalid YAML: .*nope/);
  });

  it("fails on nesting deeper than the parser's stack with one problem in user terms", () => {
    const error = refusal(nestedText("flowSeq", 20_000));
    expect(error.issues.length).toBe(1);
    expect(error.issues[0].message).not.toMatch(/call stack/);
  });

  it("fails on a mis-indented file with every problem on a line that holds it", () => {
    const text = "    a: 1\n  b: 2\n    c: 3\n";
    const misplaced = refusal(text).issues.filter((i) => issueProblem(i, text) !== undefined);
    expect(misplaced).toEqual([]);
  });

  it("fails on a tagged collection saying what it got instead of a map", () => {
    const messages = refusal("regions: !!set { gz, sh }\n").issues.map((i) => i.message);
    expect(messages).not.toContain("expected a map, got a map");
  });
});
