/**
 * Running programs for the contract tier: output captured, never a shell, and a time limit.
 */
import { spawn } from "node:child_process";

/** What a finished program did. `code` is null when it was killed or could not start. */
export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started (e.g. not installed). */
  readonly startError?: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** The whole environment of the program. @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the program's standard input. @default - none */
  readonly input?: string;
  readonly cwd?: string;
  /** Killed after this long. @default 600 */
  readonly timeoutSeconds?: number;
}

/** Runs `command` with `args` and waits for it to end. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), (options.timeoutSeconds ?? 600) * 1000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr, startError: error.message });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a program that must succeed; throws with its output otherwise. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const ran = await run(command, args, options);
  if (ran.code !== 0)
    throw new Error(
      `${command} ${args.join(" ")} ${ran.startError ?? `exited ${String(ran.code)}`}: ${ran.stderr.trim() || ran.stdout.trim()}`,
    );
  return ran.stdout;
}

/** The absolute path of `program` on PATH, or null. */
export async function which(program: string): Promise<string | null> {
  const ran = await run("sh", ["-c", 'command -v "$1"', "sh", program]);
  return ran.code === 0 ? ran.stdout.trim() : null;
}
