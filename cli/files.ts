/**
 * Writing files so that a failure never leaves one half-written.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
