/**
 * The tools the contract tier runs, pinned, and where they come from.
 *
 * Go-built tools are built from their module at a pinned version, by module path, into a cache
 * outside the checkout: `${TARSFED_TOOLS_DIR:-$HOME/.cache/tarsfed/tools}/<name>-<version>/`,
 * reused when its binary is there (`tools/go-tools.ts`, shared with the e2e tier). To add one,
 * add a {@link GoTool} to {@link GO_TOOLS} and call {@link ensureGoTool} from its suite. System
 * tools come from Debian packages; their versions are read from dpkg.
 */
import {
  type GoTool,
  ensureGoTool as ensureShared,
  type GoToolOutcome,
  toolsDir,
} from "../tools/go-tools";
import { run } from "./exec";
import { type ToolRecord } from "./report";

export { type GoTool, type GoToolOutcome, toolsDir };

/**
 * K8STARS' Go tools at the latest tag, v1.1.3 (2021-12-09); the module path is K8STARS `go.mod`'s
 * `module github.com/tarscloud/k8stars`, the main packages `cmd/tarscli` and `tarsregistry`.
 */
export const GO_TOOLS = {
  tarscli: {
    name: "tarscli",
    module: "github.com/tarscloud/k8stars",
    version: "v1.1.3",
    pkg: "github.com/tarscloud/k8stars/cmd/tarscli",
  },
} as const satisfies Record<string, GoTool>;

/**
 * The tool's binary, from the cache or built now: `go mod download` of the pinned module, then
 * `go install` of its package, with Go's module cache inside the tool's folder, so removing the
 * folder removes all of it. A refused module leaves no folder behind.
 */
export function ensureGoTool(tool: GoTool, cache = toolsDir()): Promise<GoToolOutcome> {
  return ensureShared(tool, { cache, goCaches: "per-tool" });
}

/** The record of a Go tool for the report. */
export function goToolRecord(tool: GoTool): ToolRecord {
  return { module: tool.module, version: tool.version };
}

/** The installed version of a Debian package, or null when it is not installed. */
export async function debianVersion(pkg: string): Promise<string | null> {
  const ran = await run("dpkg-query", ["-W", "-f=${Status}|${Version}", pkg]);
  if (ran.code !== 0) return null;
  const [status = "", version = ""] = ran.stdout.split("|");
  return status.endsWith(" installed") ? version : null;
}
