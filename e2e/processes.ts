/**
 * The long-running programs of an e2e run (etcd, API servers, controllers, kwok): started with
 * their output in log files, stopped together at the end, and checked gone.
 *
 * Each program is the leader of its own process group, so stopping it stops whatever it started.
 * Stopping is SIGTERM, then SIGKILL after a grace period. The run's temporary folder appears in
 * every program's arguments, which lets {@link leftovers} find any that escaped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { run } from "../contract/exec";

/** One started program. */
export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  /** Resolves with the exit code (or signal) once it ends. */
  readonly exited: Promise<string>;
  /** Whether it has ended. */
  ended(): boolean;
}

/** The programs of one run. */
export class Processes {
  private readonly children: { started: Started; child: ChildProcess }[] = [];

  /** Starts `command` with `args`, its output appended to `log`. */
  start(name: string, command: string, args: readonly string[], log: string): Started {
    const fd = openSync(log, "a");
    const child = spawn(command, args, { stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    let done = false;
    const exited = new Promise<string>((resolve) => {
      child.on("exit", (code, signal) => {
        done = true;
        resolve(signal === null ? `exit code ${String(code)}` : `signal ${signal}`);
      });
      child.on("error", (error) => {
        done = true;
        resolve(`could not start: ${error.message}`);
      });
    });
    const started: Started = { name, pid: child.pid ?? -1, log, exited, ended: () => done };
    this.children.push({ started, child });
    return started;
  }

  /** Stops one program: SIGTERM to its group, SIGKILL after `graceSeconds`. */
  async stop(started: Started, graceSeconds = 10): Promise<void> {
    if (started.ended() || started.pid < 0) return;
    signalGroup(started.pid, "SIGTERM");
    const timer = new Promise<"late">((resolve) =>
      setTimeout(() => resolve("late"), graceSeconds * 1000),
    );
    if ((await Promise.race([started.exited, timer])) === "late") {
      signalGroup(started.pid, "SIGKILL");
      await started.exited;
    }
  }

  /** Stops every program, the last started first. */
  async stopAll(): Promise<void> {
    for (const { started } of [...this.children].reverse()) await this.stop(started);
  }

  /** Kills every program at once, for an exit that cannot wait. */
  killAllNow(): void {
    for (const { started } of this.children)
      if (!started.ended() && started.pid > 0) signalGroup(started.pid, "SIGKILL");
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Processes still running whose command line mentions `marker` (the run's folder), per `ps`. */
export async function leftovers(marker: string): Promise<string[]> {
  const ps = await run("ps", ["-eo", "pid=,args="]);
  return ps.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.includes(marker) && !/^\d+\s+ps\s/.test(line));
}
