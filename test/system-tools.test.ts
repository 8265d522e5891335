import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTool, missingToolsReason } from "./system-tools";

/** A PATH of one directory holding only `sh` and a fake `curl`. */
const bin = fs.mkdtempSync(join(tmpdir(), "system-tools-"));
fs.symlinkSync("/bin/sh", join(bin, "sh"));
fs.writeFileSync(join(bin, "curl"), "#!/bin/sh\n", { mode: 0o755 });
const env = { PATH: bin };
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

describe("system tools", () => {
  it("finds a tool on PATH the way the shell does", () => {
    expect(hasTool("curl", env)).toBe(true);
    expect(hasTool("shellcheck", env)).toBe(false);
  });

  it("says nothing is missing when every tool is there", () => {
    expect(missingToolsReason(["curl"], env)).toBeUndefined();
  });

  it("names a missing tool and the package that installs it", () => {
    expect(missingToolsReason(["shellcheck"], env)).toBe(
      "shellcheck is not installed (apt-get install -y shellcheck)",
    );
  });

  it("names every missing tool, once each", () => {
    expect(missingToolsReason(["tar", "curl", "shellcheck"], env)).toBe(
      "tar, shellcheck are not installed (apt-get install -y tar shellcheck)",
    );
  });
});
