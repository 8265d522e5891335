/**
 * Tests that run a program the machine may lack (shellcheck, curl): skipped with a printed reason
 * on a machine without it, failed instead when `TARSFED_REQUIRE_SYSTEM_TOOLS=1`.
 *
 * `npm ci && npm test` must pass on a fresh machine, which has no shellcheck; CI installs the tools
 * and sets the variable, so there a missing tool is a failure and nothing is skipped silently.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe } from "vitest";

/** Set to `1` to turn a skip for a missing tool into a failure (CI does). */
export const REQUIRE_SYSTEM_TOOLS_ENV = "TARSFED_REQUIRE_SYSTEM_TOOLS";

/** The programs tests run, each with the Debian/Ubuntu package that installs it. */
export const SYSTEM_TOOLS = {
  bash: "bash",
  curl: "curl",
  gzip: "gzip",
  sha256sum: "coreutils",
  shellcheck: "shellcheck",
  tar: "tar",
} as const;

/** One of {@link SYSTEM_TOOLS}. */
export type SystemTool = keyof typeof SYSTEM_TOOLS;

/** Whether `tool` is on PATH, as the shell finds it (`command -v`). */
export function hasTool(tool: SystemTool, env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { env, stdio: "ignore" }).status === 0;
}

/**
 * Why tests needing `tools` cannot run here, or undefined when every tool is on PATH.
 *
 * @example missingToolsReason(["shellcheck"]) === "shellcheck is not installed (apt-get install -y shellcheck)"
 */
export function missingToolsReason(
  tools: readonly SystemTool[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const missing = tools.filter((tool) => !hasTool(tool, env));
  if (missing.length === 0) return undefined;
  const verb = missing.length === 1 ? "is" : "are";
  const packages = [...new Set(missing.map((tool) => SYSTEM_TOOLS[tool]))].join(" ");
  return `${missing.join(", ")} ${verb} not installed (apt-get install -y ${packages})`;
}

/**
 * A `describe` block that needs `tools`.
 *
 * With every tool present it is a plain `describe`. Otherwise it prints
 * `skipped: <reason>` and skips the block, or, with `TARSFED_REQUIRE_SYSTEM_TOOLS=1`, keeps the
 * block and fails every test in it with the reason.
 */
export function describeWithTools(
  tools: readonly SystemTool[],
  name: string,
  body: () => void,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const reason = missingToolsReason(tools, env);
  if (reason === undefined) {
    describe(name, body);
  } else if (env[REQUIRE_SYSTEM_TOOLS_ENV] === "1") {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(`${reason}; ${REQUIRE_SYSTEM_TOOLS_ENV}=1 requires it`);
      });
      body();
    });
  } else {
    console.warn(`skipped: ${reason} [${name}]`);
    describe.skip(name, body);
  }
}
