/**
 * Go-built tools, pinned by module path and version, built into a cache outside the checkout and
 * reused: `${TARSFED_TOOLS_DIR:-$HOME/.cache/tarsfed/tools}/<name>-<version>/bin/<name>`.
 *
 * Shared by the contract tier (`contract/tools.ts`) and the e2e tier (`e2e/tools.ts`). A binary is
 * moved into place only once it is whole, so a present binary is always usable; `build.json`
 * beside it records the module, version and the seconds the build took.
 *
 * Three ways to build, because `go install module/pkg@version` refuses a module whose go.mod has
 * `replace` directives (the Go command's rule for `go install pkg@version`):
 * - `install`: plain `go install <pkg>@<version>`;
 * - `wrapper`: a small module of our own that requires the tool's module, carries the replaces
 *   it needs, and `go build`s the package;
 * - `copy`: a writable copy of the module (for modules that embed files they do not ship), with
 *   the missing files written by `prepare`, then `go build` inside it.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Ran, run, which } from "../contract/exec";

/** Flags of a `go build`. */
export interface GoBuildFlags {
  /** `-ldflags`, each a `-X pkg.var=value` or another linker flag. @default - none */
  readonly ldflags?: readonly string[];
  /** `-tags`. @default - none */
  readonly tags?: readonly string[];
  /** Extra environment, e.g. `CGO_ENABLED=0`. @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** Further `go build` flags, e.g. `-pgo=off`. @default - none */
  readonly extra?: readonly string[];
}

/** `go install <pkg>@<version>`: the module has no `replace` directives. */
export interface InstallBuild {
  readonly kind: "install";
}

/** A wrapper module requiring the tool's module, with replaces of its own. */
export interface WrapperBuild extends GoBuildFlags {
  readonly kind: "wrapper";
  /** `module` → `module@version` (or `module` → a path) replaces of the wrapper. @default - none */
  readonly replaces?: Readonly<Record<string, string>>;
  /** More replaces, computed from the text of the tool module's own go.mod. @default - none */
  readonly replacesFromGoMod?: (goMod: string) => Readonly<Record<string, string>>;
  /** Other `module@version`s to require beside the tool's, e.g. an SDK at the same tag. @default - none */
  readonly requires?: readonly string[];
}

/** A writable copy of the module, completed by `prepare`, built in place. */
export interface CopyBuild extends GoBuildFlags {
  readonly kind: "copy";
  /** Replaces written into the copy's go.mod, e.g. a local `../sdk` by its published version. @default - none */
  readonly replaces?: Readonly<Record<string, string>>;
  /** Writes what the module embeds but does not ship. `dir` is the copy's root. @default - nothing */
  readonly prepare?: (dir: string) => void;
}

/** A tool built from a pinned Go module. */
export interface GoTool {
  /** The binary's name, and the cache folder's prefix. */
  readonly name: string;
  /** The Go module, e.g. `github.com/tarscloud/k8stars`. */
  readonly module: string;
  /** A tag or pseudo-version of the module; never a branch. */
  readonly version: string;
  /** The main package inside the module. */
  readonly pkg: string;
  /** How it is built. @default { kind: "install" } */
  readonly build?: InstallBuild | WrapperBuild | CopyBuild;
}

/** The tools cache folder. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.TARSFED_TOOLS_DIR;
  if (configured !== undefined && configured !== "") return path.resolve(configured);
  return path.join(env.HOME ?? os.homedir(), ".cache", "tarsfed", "tools");
}

/** The Go module and build caches the tools of a tier share: `<cache>/.go/{mod,build}`. */
export function sharedGoCaches(cache = toolsDir()): {
  readonly modCache: string;
  readonly buildCache: string;
} {
  return { modCache: path.join(cache, ".go", "mod"), buildCache: path.join(cache, ".go", "build") };
}

/** What {@link ensureGoTool} found. */
export type GoToolOutcome =
  | {
      readonly kind: "ready";
      readonly binary: string;
      readonly cached: boolean;
      /** Seconds the build took: now, or when the cached binary was built (null if unrecorded). */
      readonly buildSeconds: number | null;
    }
  /** The registry refused the module: the tool cannot be had here; not a test failure. */
  | { readonly kind: "refused"; readonly reason: string }
  /** Go is not installed. */
  | { readonly kind: "no-go"; readonly reason: string }
  /** Anything else: a failure. */
  | { readonly kind: "failed"; readonly reason: string };

/** Options of {@link ensureGoTool}. */
export interface EnsureOptions {
  /** The tools cache. @default toolsDir() */
  readonly cache?: string;
  /**
   * Where Go keeps modules and build results: `"per-tool"` inside the tool's folder (removing the
   * folder removes all of it), or `"shared"` ({@link sharedGoCaches}), for tools that share most
   * of their dependencies. @default "per-tool"
   */
  readonly goCaches?: "per-tool" | "shared";
  /** Runs the compiler under `nice -n 10`, for a machine others share. @default false */
  readonly nice?: boolean;
  /** Told each step as it starts. @default - nothing */
  readonly progress?: (line: string) => void;
}

/** `go mod download -json` output for one module. */
interface Download {
  readonly Error?: string;
  readonly Dir?: string;
  readonly GoMod?: string;
}

/** A registry's answer that the module or version is not to be had (HTTP 403, 404 or 410). */
const REFUSAL = /: (403 Forbidden|404 Not Found|410 Gone)\b/;

/** A Go build of a large module (Kubernetes, Pulumi) takes many minutes on two cores. */
const BUILD_TIMEOUT_SECONDS = 3 * 3600;

/** The folder of a tool in the cache. */
export function toolHome(tool: GoTool, cache = toolsDir()): string {
  return path.join(cache, `${tool.name}-${tool.version}`);
}

/** The path the tool's binary has once built. */
export function toolBinary(tool: GoTool, cache = toolsDir()): string {
  return path.join(toolHome(tool, cache), "bin", tool.name);
}

/**
 * Whether the registry serves `module@version`, by `go mod download -json`: `served` with the
 * module's folder, `refused` with the registry's words, or `failed`.
 */
export async function probeModule(
  module: string,
  version: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<
  | { readonly kind: "served"; readonly dir: string; readonly goMod: string }
  | { readonly kind: "refused" | "failed"; readonly reason: string }
> {
  const at = `${module}@${version}`;
  const download = await run("go", ["mod", "download", "-json", at], { env, cwd });
  const parsed = parseDownload(download.stdout);
  const error = parsed?.Error ?? (download.code === 0 ? undefined : download.stderr.trim());
  if (error !== undefined) {
    const reason = `go mod download -json ${at}: ${error}`;
    return { kind: REFUSAL.test(error) ? "refused" : "failed", reason };
  }
  return { kind: "served", dir: parsed?.Dir ?? "", goMod: parsed?.GoMod ?? "" };
}

/** The environment Go runs with for a tool whose folder is `home`. */
export function goEnv(home: string, options: EnsureOptions): NodeJS.ProcessEnv {
  const caches =
    options.goCaches === "shared"
      ? sharedGoCaches(options.cache ?? toolsDir())
      : { modCache: path.join(home, "mod"), buildCache: undefined };
  return {
    ...process.env,
    GOMODCACHE: caches.modCache,
    ...(caches.buildCache === undefined ? {} : { GOCACHE: caches.buildCache }),
    // Writable module folders, so a cache can be removed with rm -r; no VCS stamping of wrappers.
    GOFLAGS: "-modcacherw -buildvcs=false",
    // The Go on this machine builds everything; never fetch another toolchain.
    GOTOOLCHAIN: "local",
  };
}

/**
 * The tool's binary, from the cache or built now. A module the registry refuses gives `refused`
 * and leaves no folder behind.
 */
export async function ensureGoTool(
  tool: GoTool,
  options: EnsureOptions = {},
): Promise<GoToolOutcome> {
  const cache = options.cache ?? toolsDir();
  const home = toolHome(tool, cache);
  const binary = toolBinary(tool, cache);
  if (existsSync(binary))
    return { kind: "ready", binary, cached: true, buildSeconds: recordedSeconds(home) };
  if ((await which("go")) === null)
    return { kind: "no-go", reason: "go is not installed (Debian: apt-get install -y golang-go)" };
  const started = Date.now();
  mkdirSync(home, { recursive: true });
  const env = goEnv(home, options);
  const say = options.progress ?? (() => undefined);
  say(`${tool.name}: go mod download ${tool.module}@${tool.version}`);
  const probe = await probeModule(tool.module, tool.version, env, home);
  if (probe.kind !== "served") {
    // Nothing usable was fetched: leave no half-made tool folder behind.
    rmSync(home, { recursive: true, force: true });
    return probe;
  }
  const partial = path.join(home, "bin.partial");
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const log = path.join(home, "build.log");
  writeFileSync(log, "");
  const step = async (
    what: string,
    args: readonly string[],
    cwd: string,
    extraEnv = {},
    compile = false,
  ) => {
    say(`${tool.name}: ${what}`);
    const command = compile && options.nice === true ? ["nice", "-n", "10", "go"] : ["go"];
    const ran = await run(command[0] ?? "go", [...command.slice(1), ...args], {
      env: { ...env, ...extraEnv },
      cwd,
      timeoutSeconds: BUILD_TIMEOUT_SECONDS,
    });
    writeFileSync(log, `$ go ${args.join(" ")}\n${ran.stdout}${ran.stderr}\n`, { flag: "a" });
    return ran.code === 0 ? undefined : failure(`go ${args.join(" ")}`, ran, log);
  };
  const out = path.join(partial, tool.name);
  const build = tool.build ?? { kind: "install" };
  let failed: string | undefined;
  switch (build.kind) {
    case "install":
      failed = await step(
        "go install",
        ["install", `${tool.pkg}@${tool.version}`],
        home,
        { GOBIN: partial },
        true,
      );
      break;
    case "wrapper": {
      const src = path.join(home, "src");
      rmSync(src, { recursive: true, force: true });
      mkdirSync(src, { recursive: true });
      const fromGoMod = build.replacesFromGoMod?.(readFileSync(probe.goMod, "utf8")) ?? {};
      const replaces = { ...fromGoMod, ...build.replaces };
      failed =
        (await step("go mod init", ["mod", "init", "local/tarsfed-tool"], src)) ??
        (await editReplaces(step, replaces, src)) ??
        (await step(
          "go get",
          ["get", `${tool.pkg}@${tool.version}`, ...(build.requires ?? [])],
          src,
        )) ??
        (await step(
          "go build",
          ["build", ...buildArgs(build), "-o", out, tool.pkg],
          src,
          build.env,
          true,
        ));
      break;
    }
    case "copy": {
      const src = path.join(home, "src");
      rmSync(src, { recursive: true, force: true });
      cpSync(probe.dir, src, { recursive: true });
      // Module folders are read-only unless the cache was filled with -modcacherw.
      await run("chmod", ["-R", "u+w", src]);
      build.prepare?.(src);
      const relative = `./${path.posix.relative(tool.module, tool.pkg)}`;
      failed =
        (await editReplaces(step, build.replaces ?? {}, src)) ??
        (await step(
          "go build",
          ["build", "-mod=mod", ...buildArgs(build), "-o", out, relative],
          src,
          build.env,
          true,
        ));
      break;
    }
  }
  if (failed !== undefined) return { kind: "failed", reason: failed };
  const seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(path.dirname(binary), { recursive: true });
  renameSync(out, binary);
  rmSync(partial, { recursive: true, force: true });
  writeFileSync(
    path.join(home, "build.json"),
    `${JSON.stringify({ module: tool.module, version: tool.version, pkg: tool.pkg, seconds, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  return { kind: "ready", binary, cached: false, buildSeconds: seconds };
}

type Step = (what: string, args: readonly string[], cwd: string) => Promise<string | undefined>;

async function editReplaces(
  step: Step,
  replaces: Readonly<Record<string, string>>,
  cwd: string,
): Promise<string | undefined> {
  const args = Object.entries(replaces).map(([from, to]) => `-replace=${from}=${to}`);
  return args.length === 0
    ? undefined
    : step("go mod edit -replace", ["mod", "edit", ...args], cwd);
}

function buildArgs(flags: GoBuildFlags): string[] {
  const args = [...(flags.extra ?? [])];
  if (flags.tags !== undefined && flags.tags.length > 0) args.push("-tags", flags.tags.join(","));
  if (flags.ldflags !== undefined && flags.ldflags.length > 0)
    args.push("-ldflags", flags.ldflags.join(" "));
  return args;
}

function failure(command: string, ran: Ran, log: string): string {
  const lines = (ran.stderr.trim() || ran.stdout.trim() || ran.startError || "").split("\n");
  const tail = lines.slice(-15).join("\n");
  return `${command} ${ran.startError ?? `exited ${String(ran.code)}`}: ${tail} (whole output: ${log})`;
}

function recordedSeconds(home: string): number | null {
  try {
    const parsed = JSON.parse(readFileSync(path.join(home, "build.json"), "utf8")) as {
      seconds?: unknown;
    };
    return typeof parsed.seconds === "number" ? parsed.seconds : null;
  } catch {
    return null;
  }
}

function parseDownload(stdout: string): Download | undefined {
  try {
    return JSON.parse(stdout) as Download;
  } catch {
    return undefined;
  }
}
