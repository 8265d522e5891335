/**
 * The corpus of broken fleets: realistic mistakes, each with the exact `tarsfed validate` output.
 *
 * Every `test/fixtures/broken/NN-<slug>.yaml` holds one mistake a platform team makes (a tab, an
 * unquoted version, a Set that fails over to itself, binary junk, ...); `NN-<slug>.expected` is
 * everything `tarsfed validate --fleet <file>` prints for it, the file named relative to the
 * repository root as a user types it. The command must refuse each one with exit 1.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main";
import { ExitCode } from "../../cli/exit-codes";
import { memoryIo } from "../../cli/io";

const CORPUS = "test/fixtures/broken";
const root = path.join(__dirname, "..", "..");

const cases = readdirSync(path.join(root, CORPUS))
  .filter((name) => name.endsWith(".yaml"))
  .sort()
  .map((name) => ({
    slug: name.replace(/\.yaml$/, ""),
    file: `${CORPUS}/${name}`,
    expected: readFileSync(path.join(root, CORPUS, name.replace(/\.yaml$/, ".expected")), "utf8"),
  }));

describe("broken fleet corpus", () => {
  it("holds at least 30 distinct mistakes", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(process.cwd()).toBe(root);
  });

  it.each(cases)("fails on $slug with the expected problems", async ({ file, expected }) => {
    const io = memoryIo();
    const code = await main(["validate", "--fleet", file], io);
    expect({ code, stdout: io.stdout.join(""), stderr: io.stderr.join("") }).toEqual({
      code: ExitCode.Refused,
      stdout: expected,
      stderr: "",
    });
  });
});
