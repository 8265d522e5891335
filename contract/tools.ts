/**
 * The tools the contract tier runs, pinned, and where they come from.
 *
 * Go-built tools are built from their module at a pinned version, by module path, into a cache
 * outside the checkout: `${TARSFED_TOOLS_DIR:-$HOME/.cache/tarsfed/tools}/<name>-<version>/`,
 * reused when its binary is there. To add one, add a {@link GoTool} to {@link GO_TOOLS} and call
 * {@link ensureGoTool} from its suite. System tools come from Debian packages; their versions are
 * read from dpkg.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run, which } from "./exec";
import { type ToolRecord } from "./report";

/** A tool built with `go install <pkg>@<version>` from a pinned module. */
export interface GoTool {
  /** The binary's name, and the cache folder's prefix. */
  readonly name: string;
  /** The Go module, e.g. `github.com/tarscloud/k8stars`. */
  readonly module: string;
  /** A tag of the module; never a branch. */
  readonly version: string;
  /** The main package inside the module. */
  readonly pkg: string;
}

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

/** The tools cache folder. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.TARSFED_TOOLS_DIR;
  if (configured !== undefined && configured !== "") return path.resolve(configured);
  return path.join(env.HOME ?? os.homedir(), ".cache", "tarsfed", "tools");
}

/** What {@link ensureGoTool} found. */
export type GoToolOutcome =
  | { readonly kind: "ready"; readonly binary: string; readonly cached: boolean }
  /** The registry refused the module: the tool cannot be had here; not a test failure. */
  | { readonly kind: "refused"; readonly reason: string }
  /** Go is not installed. */
  | { readonly kind: "no-go"; readonly reason: string }
  /** Anything else: a failure. */
  | { readonly kind: "failed"; readonly reason: string };

/** `go mod download -json` output for one module. */
interface Download {
  readonly Error?: string;
}

/** A registry's answer that the module or version is not to be had (HTTP 403, 404 or 410). */
const REFUSAL = /: (403 Forbidden|404 Not Found|410 Gone)\b/;

/**
 * The tool's binary, from the cache or built now: `go mod download` of the pinned module, then
 * `go install` of its package into `<cache>/<name>-<version>/bin`, moved into place only once
 * built, so a present binary is always a whole one.
 */
export async function ensureGoTool(tool: GoTool, cache = toolsDir()): Promise<GoToolOutcome> {
  const home = path.join(cache, `${tool.name}-${tool.version}`);
  const binary = path.join(home, "bin", tool.name);
  if (existsSync(binary)) return { kind: "ready", binary, cached: true };
  if ((await which("go")) === null)
    return { kind: "no-go", reason: "go is not installed (Debian: apt-get install -y golang-go)" };
  mkdirSync(home, { recursive: true });
  // The module cache lives beside the binary: removing the tool's folder removes all of it.
  const env = {
    ...process.env,
    GOMODCACHE: path.join(home, "mod"),
    GOFLAGS: "-modcacherw",
    GOBIN: path.join(home, "bin.partial"),
  };
  const at = `${tool.module}@${tool.version}`;
  const download = await run("go", ["mod", "download", "-json", at], { env, cwd: home });
  const error =
    downloadError(download.stdout) ?? (download.code === 0 ? undefined : download.stderr.trim());
  if (error !== undefined) {
    // Nothing usable was fetched: leave no half-made tool folder behind.
    rmSync(home, { recursive: true, force: true });
    const reason = `go mod download -json ${at}: ${error}`;
    return REFUSAL.test(error) ? { kind: "refused", reason } : { kind: "failed", reason };
  }
  const install = await run("go", ["install", `${tool.pkg}@${tool.version}`], { env, cwd: home });
  if (install.code !== 0)
    return {
      kind: "failed",
      reason: `go install ${tool.pkg}@${tool.version}: ${install.stderr.trim()}`,
    };
  rmSync(path.join(home, "bin"), { recursive: true, force: true });
  renameSync(env.GOBIN, path.join(home, "bin"));
  return { kind: "ready", binary, cached: false };
}

function downloadError(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as Download).Error;
  } catch {
    return undefined;
  }
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
