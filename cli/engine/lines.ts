/**
 * Splits a child process's output chunks into whole lines.
 */

/** Line-by-line view of a stream of text chunks. */
export interface LineSplitter {
  /** Takes the next chunk; emits every line it completes. */
  write(chunk: string): void;
  /** Emits the last, unterminated line, if any. */
  end(): void;
}

/**
 * A splitter that passes each complete line (without its line ending) to `emit`.
 *
 * Automation API hands `onOutput` the raw `data` chunks of the CLI's stdout, which may end
 * mid-line (https://github.com/pulumi/pulumi/blob/v3.248.0/sdk/nodejs/automation/cmd.ts).
 */
export function lineSplitter(emit: (line: string) => void): LineSplitter {
  let pending = "";
  return {
    write(chunk) {
      const parts = (pending + chunk).split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const line of parts) emit(line);
    },
    end() {
      if (pending !== "") emit(pending);
      pending = "";
    },
  };
}
