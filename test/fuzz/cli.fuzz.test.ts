/**
 * Hostile fleet files through the CLI: `tarsfed validate` and `tarsfed plan` answer every file
 * with exit 0 or 1 and a readable report, never an internal error (exit 4) or a stack trace.
 *
 * Plans run in this process under Pulumi mocks, whose runtime state is global: the plan cases run
 * one after the other (fast-check awaits each async run), and they are few, a plan takes ~1 s.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main";
import { ExitCode } from "../../cli/exit-codes";
import { memoryIo } from "../../cli/io";
import { anyFleetText } from "./arbitraries";
import { STACK_TRACE_LINE } from "./checks";
import { mutatedFleetText, validMutatedFleetText } from "./mutations";

const SEED = Number(process.env.FUZZ_SEED ?? 7_402_025);

/** Cases per property. */
const CLI_RUNS = { validate: 200, planValid: 10, planMutated: 10 } as const;

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-fuzz-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: ExitCode;
  readonly stdout: string;
  readonly stderr: string;
}

async function tarsfed(text: string, args: readonly string[]): Promise<Run> {
  const file = path.join(dir, "fleet.yaml");
  writeFileSync(file, text);
  const io = memoryIo();
  const code = await main([...args, "--fleet", file], io);
  const run = { code, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
  if (code !== ExitCode.Ok && code !== ExitCode.Refused)
    throw new Error(`exit ${code}\nstderr:\n${run.stderr}`);
  for (const stream of [run.stdout, run.stderr]) {
    const trace = STACK_TRACE_LINE.exec(stream);
    if (trace !== null) throw new Error(`stack trace in the output: ${trace[0]}`);
  }
  return run;
}

/** Checks the report `validate` prints for its exit code, as text or JSON. */
function checkValidateReport(run: Run, json: boolean, file: string): void {
  expect(run.stderr).toBe("");
  if (json) {
    const result = JSON.parse(run.stdout) as { valid: boolean; problems: unknown[] };
    expect(result.valid).toBe(run.code === ExitCode.Ok);
    expect(result.problems.length > 0).toBe(run.code === ExitCode.Refused);
    return;
  }
  const lines = run.stdout.trimEnd().split("\n");
  const last = lines[lines.length - 1];
  if (run.code === ExitCode.Ok) expect(last).toMatch(/: valid — /);
  else expect(last).toBe(`${lines.length - 1} problem(s) in ${file}`);
}

describe("tarsfed on hostile files", () => {
  it("validate answers every file with exit 0 or 1 and a report", async () => {
    await fc.assert(
      fc.asyncProperty(anyFleetText, fc.boolean(), async (text, json) => {
        const run = await tarsfed(text, json ? ["validate", "--json"] : ["validate"]);
        checkValidateReport(run, json, path.join(dir, "fleet.yaml"));
      }),
      { numRuns: CLI_RUNS.validate, seed: SEED },
    );
  });

  it("plan answers fleets changed the way operators change them with exit 0 or 1", async () => {
    await fc.assert(
      fc.asyncProperty(validMutatedFleetText, async (text) => {
        const run = await tarsfed(text, ["plan"]);
        expect(run.stdout).not.toBe("");
      }),
      { numRuns: CLI_RUNS.planValid, seed: SEED },
    );
  });

  it("plan refuses broken fleets with exit 1 and their problems", async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFleetText, async (text) => {
        const run = await tarsfed(text, ["plan"]);
        if (run.code === ExitCode.Refused && run.stdout === "") expect(run.stderr).not.toBe("");
      }),
      { numRuns: CLI_RUNS.planMutated, seed: SEED },
    );
  });
});
