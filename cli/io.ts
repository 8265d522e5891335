/**
 * Where a command's output goes: data to stdout, progress and problems to stderr.
 */
import pc from "picocolors";

/** A command's output streams. */
export interface Io {
  /** Writes data (the result document or its text rendering). */
  out(text: string): void;
  /** Writes progress, warnings and problems. */
  err(text: string): void;
  /** Whether stderr is a terminal, so progress may redraw lines. */
  readonly interactive: boolean;
}

/** The process's streams. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  interactive: process.stderr.isTTY === true,
};

/** Colours that switch off when output is not a terminal or NO_COLOR is set. */
export const colors = pc;

/** Collects output in memory (tests, and commands that render into files). */
export function memoryIo(
  interactive = false,
): Io & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive, stdout, stderr };
}
