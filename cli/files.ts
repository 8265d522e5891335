/**
 * Writing files so that a failure never leaves one half-written, and editing a file so that no
 * concurrent edit is lost.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Writes `content` to `file` through a temporary file in the same directory and a rename. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes several files as one step: all are rendered first by the caller, then written through
 * temporary files and renamed only once every write succeeded.
 */
export function writeFilesAtomic(files: ReadonlyMap<string, string | Uint8Array>): void {
  const written: [string, string][] = [];
  try {
    for (const [file, content] of files) {
      mkdirSync(path.dirname(file), { recursive: true });
      const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      written.push([temporary, file]);
      writeFileSync(temporary, content);
    }
  } catch (error) {
    for (const [temporary] of written) rmSync(temporary, { force: true });
    throw error;
  }
  for (const [temporary, file] of written) renameSync(temporary, file);
}

/**
 * The file an edit of `file` really changes: a symlink's final target, or `file` itself.
 *
 * Renaming a temporary file onto a symlink would replace the link with a plain file and leave
 * its target as it was, so edits resolve the link first and write beside the target.
 */
export function editTarget(file: string): string {
  try {
    return realpathSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return path.resolve(file);
    throw error;
  }
}

/** The file changed on disk after it was read, so the edit was not written. */
export class FileConflictError extends Error {
  constructor(readonly file: string) {
    super(`${file} changed on disk while it was being edited; nothing was written`);
    this.name = "FileConflictError";
  }
}

/**
 * Replaces `file`'s content with `content`, but only while it still reads `expected`.
 *
 * The new content goes to a temporary file beside the real target (symlinks followed, see
 * {@link editTarget}) with the target's permission bits, then is renamed over it. Right before
 * the rename the target is read again: when it is no longer `expected` (another program wrote
 * it), nothing is written and {@link FileConflictError} is thrown. Writers that take
 * {@link withFileLock} never race; the check catches the ones that do not (an editor), except in
 * the instant between the check and the rename.
 */
export function replaceFileChecked(file: string, content: string, expected: string): void {
  const target = editTarget(file);
  const mode = statSync(target).mode & 0o7777;
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, content, { mode });
    if (readFileSync(target, "utf8") !== expected) throw new FileConflictError(file);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Who holds a lock, as written in the lock file. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When it was taken, ISO 8601. */
  readonly time: string;
}

/** How {@link withFileLock} waits. */
export interface FileLockOptions {
  /**
   * How long to wait for another holder to finish.
   *
   * @default 30000
   */
  readonly timeoutMs?: number;
  /**
   * The age after which a lock counts as stale even when its holder may be alive (another host).
   *
   * @default 600000 (10 minutes; an edit takes milliseconds)
   */
  readonly staleMs?: number;
}

/** Could not take a file's lock in time. */
export class FileLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileLockedError";
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readHolder(lock: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(lock, "utf8")) as Partial<LockHolder>;
    return typeof holder.pid === "number" && typeof holder.host === "string"
      ? { pid: holder.pid, host: holder.host, time: String(holder.time) }
      : undefined;
  } catch {
    return undefined; // gone, or being written: look again
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `holder`'s lock is stale: its process is gone (same host), or it is too old. */
function isStale(holder: LockHolder, staleMs: number): boolean {
  const age = Date.now() - Date.parse(holder.time);
  if (!(age < staleMs)) return true;
  return holder.host === os.hostname() && !processAlive(holder.pid);
}

/**
 * Runs `edit` while holding an exclusive lock on `file`, for a whole read-check-write.
 *
 * The lock is a file `<target>.lock` beside the real target (symlinks followed, so every path to
 * one file shares one lock), created with `O_CREAT | O_EXCL` (flag `wx`), which exactly one
 * process wins, holding `{ pid, host, time }`. Others wait, polling, up to `timeoutMs`, then
 * {@link FileLockedError} says who holds it. A lock is stale, and removed, when its process no
 * longer runs on this host, or it is older than `staleMs` (a holder on another host sharing the
 * file system). The lock is removed when `edit` returns or throws, if it is still ours.
 */
export function withFileLock<T>(file: string, edit: () => T, options: FileLockOptions = {}): T {
  const lock = `${editTarget(file)}.lock`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 600_000;
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), time: "" });
  const deadline = Date.now() + timeoutMs;
  let content: string;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    content = mine.replace('"time":""', `"time":${JSON.stringify(new Date().toISOString())}`);
    try {
      const fd = openSync(lock, "wx");
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(lock);
    if (holder !== undefined && isStale(holder, staleMs)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who =
        holder === undefined
          ? "another process"
          : `process ${holder.pid} on ${holder.host} since ${holder.time}`;
      throw new FileLockedError(
        `${file} is being edited by ${who} (lock file ${lock}); waited ${timeoutMs / 1000}s. ` +
          "Run again once it is done; if no tarsfed is running, remove the lock file",
      );
    }
    sleepMs(wait);
  }
  try {
    return edit();
  } finally {
    try {
      if (readFileSync(lock, "utf8") === content) rmSync(lock, { force: true });
    } catch {
      // Already removed (taken as stale by another process): nothing to release.
    }
  }
}
