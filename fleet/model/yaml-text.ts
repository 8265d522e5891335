/**
 * From fleet text to a YAML document and plain data, or to one clear problem.
 *
 * A syntax error often makes the parser report a cascade of follow-on errors, some on lines that
 * are fine, so only the first one is reported, at the place the mistake is (an unclosed `{` is
 * reported at the `{`). Hostile input (binary files, alias bombs, undefined aliases, absurd
 * nesting) ends in a problem, never in a crash.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type YAMLError,
} from "yaml";
import { type Issue, type Pos } from "./issues";

/** Line starts of a text, for turning offsets into lines and columns (both from 1). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  /** The line and column of `offset`. */
  at(offset: number): { line: number; col: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - this.starts[low] + 1 };
  }
}

/** Most alias expansions a fleet may use; more is a "billion laughs" document. */
export const MAX_ALIAS_COUNT = 100;

// Control characters other than tab, line feed and carriage return: the file is not text.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A parsed fleet document, or the one problem that stops it from being read. */
export type YamlResult =
  | { readonly ok: true; readonly doc: Document; readonly data: unknown; readonly lines: LineIndex }
  | { readonly ok: false; readonly issue: Issue };

function escapeControls(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- escaping control characters is the point
    /[\u0000-\u001F\u007F]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function problem(
  file: string,
  pos: Pos | { line: number; col: number },
  message: string,
): YamlResult {
  return {
    ok: false,
    issue: { file, line: pos.line, col: pos.col, path: "", message: `invalid YAML: ${message}` },
  };
}

/** The offset of the `{` or `[` still open at `offset`, scanning outside quotes. */
function unclosedOpener(text: string, offset: number): number | undefined {
  const open: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(text[i - 1])))
      i = text.indexOf("\n", i) < 0 ? offset : text.indexOf("\n", i);
    else if (c === "{" || c === "[") open.push(i);
    else if ((c === "}" || c === "]") && open.length > 0) open.pop();
  }
  return open.pop();
}

/** The first character of the line after `offset`'s when that line is indented more than it. */
function indentedContinuation(text: string, offset: number, lines: LineIndex): number | undefined {
  const { line } = lines.at(offset);
  const all = text.split("\n");
  const indent = (s: string) => s.length - s.trimStart().length;
  const current = all[line - 1];
  const following = all[line];
  if (current === undefined || following === undefined || following.trim() === "") return undefined;
  if (indent(following) <= indent(current)) return undefined;
  return offset - (lines.at(offset).col - 1) + current.length + 1 + indent(following);
}

function describeSyntaxError(
  text: string,
  error: YAMLError,
  lines: LineIndex,
): { at: number; message: string } {
  const first = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  const message = escapeControls(`${first.charAt(0).toLowerCase()}${first.slice(1)}`);
  if (/^Flow (map|sequence)/i.test(first)) {
    const opener = unclosedOpener(text, error.pos[0]);
    if (opener !== undefined) {
      const closer = text[opener] === "{" ? "}" : "]";
      const kind = closer === "}" ? "map" : "list";
      return {
        at: opener,
        message: `this flow ${kind} is not closed, expected a ${closer} before line ${lines.at(error.pos[0]).line}`,
      };
    }
  }
  if (error.code === "BLOCK_AS_IMPLICIT_KEY" || error.code === "MULTILINE_IMPLICIT_KEY") {
    // Usually a line indented one step too far: YAML reads it as part of the value above.
    const next = indentedContinuation(text, error.pos[0], lines);
    if (next !== undefined) {
      return {
        at: next,
        message:
          "this line is indented more than the one above, so YAML reads both as one value; keys of one map start in the same column",
      };
    }
  }
  if (error.code === "DUPLICATE_KEY") {
    const key = /^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0].trim() ?? "";
    return {
      at: error.pos[0],
      message: `${message}: ${JSON.stringify(key)} appears twice in this map`,
    };
  }
  if (error.code === "UNEXPECTED_TOKEN" || error.code === "BAD_INDENT") {
    return {
      at: error.pos[0],
      message: `${message} (check the indentation of this line and the one above)`,
    };
  }
  return { at: error.pos[0], message };
}

function aliasProblem(file: string, doc: Document, lines: LineIndex): YamlResult | undefined {
  let found: YamlResult | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (found === undefined && node.resolve(doc) === undefined) {
        const at = lines.at(node.range?.[0] ?? 0);
        found = problem(
          file,
          at,
          `alias *${node.source} has no anchor, expected &${node.source} defined above it`,
        );
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Parses fleet text; the document keeps positions for later problems. */
export function readYaml(text: string, file: string): YamlResult {
  const lines = new LineIndex(text);
  const control = CONTROL.exec(text);
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return problem(
      file,
      lines.at(control.index),
      `control character U+${code} is not allowed, is this a text file?`,
    );
  }
  let doc: Document;
  try {
    // Merge keys (`<<: *pool`) are how YAML files share blocks; warnings stay out of stderr.
    doc = parseDocument(text, {
      uniqueKeys: true,
      merge: true,
      logLevel: "error",
      prettyErrors: false,
    });
  } catch (error) {
    if (error instanceof RangeError)
      return problem(file, { line: 1, col: 1 }, "the document is nested too deeply");
    throw error;
  }
  if (doc.errors.length > 0) {
    // The parser catches its own stack overflow and reports it as an error.
    if (doc.errors.some((e) => /call stack/i.test(e.message))) {
      return problem(file, { line: 1, col: 1 }, "the document is nested too deeply");
    }
    const { at, message } = describeSyntaxError(text, doc.errors[0], lines);
    return problem(file, lines.at(at), message);
  }
  try {
    return { ok: true, doc, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown, lines };
  } catch (error) {
    if (error instanceof RangeError)
      return problem(file, { line: 1, col: 1 }, "the document is nested too deeply");
    if (!(error instanceof Error)) throw error;
    if (/alias count/i.test(error.message)) {
      return problem(
        file,
        { line: 1, col: 1 },
        `aliases expand to too much data (more than ${MAX_ALIAS_COUNT} expansions)`,
      );
    }
    if (/merge/i.test(error.message)) return mergeProblem(file, doc, lines);
    return (
      aliasProblem(file, doc, lines) ??
      problem(file, { line: 1, col: 1 }, escapeControls(lowerFirst(error.message)))
    );
  }
}

function lowerFirst(text: string): string {
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** Where a merge key (`<<`) is given something other than a map. */
function mergeProblem(file: string, doc: Document, lines: LineIndex): YamlResult {
  let at = 0;
  visit(doc, {
    Pair(_key, pair) {
      // With `merge: true` the parser gives a merge key the value Symbol(<<).
      if (!isScalar(pair.key) || String(pair.key.value) !== "Symbol(<<)") return undefined;
      const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
      if (
        isMap(value) ||
        (isSeq(value) && value.items.every((i) => isMap(isAlias(i) ? i.resolve(doc) : i)))
      )
        return undefined;
      at = pair.key.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return problem(
    file,
    lines.at(at),
    "a merge key (<<) must merge a map (or a list of maps), not a single value",
  );
}
