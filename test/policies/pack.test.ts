/**
 * The CrossGuard pack's own files: what `pulumi preview --policy-pack policies` needs, and that
 * the pack type-checks on its own.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const readJson = (file: string) =>
  JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

describe("policies/ as a policy pack", () => {
  it("declares a Node.js pack with a versioned package.json", () => {
    expect(parse(readFileSync("policies/PulumiPolicy.yaml", "utf8"))).toMatchObject({
      runtime: "nodejs",
    });
    const pack = readJson("policies/package.json");
    // The PolicyPack constructor reads the version from package.json and fails without one.
    expect([pack.name, typeof pack.version, pack.main]).toEqual([
      "tarsfed-policies",
      "string",
      "index.ts",
    ]);
  });

  it("pins the same Pulumi versions as the project", () => {
    const root = readJson("package.json").dependencies as Record<string, string>;
    const pack = readJson("policies/package.json").dependencies as Record<string, string>;
    expect(pack).toEqual({
      "@pulumi/policy": root["@pulumi/policy"],
      "@pulumi/pulumi": root["@pulumi/pulumi"],
    });
  });

  it("type-checks on its own, with its own strict tsconfig", () => {
    const tsconfig = readJson("policies/tsconfig.json").compilerOptions as Record<string, unknown>;
    expect(tsconfig.strict).toBe(true);
    const tsc = require.resolve("typescript/bin/tsc");
    expect(() =>
      execFileSync(process.execPath, [tsc, "--noEmit", "-p", "."], {
        cwd: "policies",
        stdio: "pipe",
      }),
    ).not.toThrow();
  });
});
