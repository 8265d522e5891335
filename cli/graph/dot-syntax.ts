/**
 * Writing DOT safely: quoted ids, escaped HTML-like labels, attribute lists.
 *
 * Every piece of fleet text reaches Graphviz through {@link quote} or {@link htmlLabel}, so a
 * quote, backslash, `<` or `&` in a name can neither break the graph nor change its meaning.
 *
 * @see https://graphviz.org/doc/info/lang.html
 * @see https://graphviz.org/doc/info/shapes.html#html
 */

/** Escapes text for an HTML-like label; a line break becomes a space. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    .replace(/\r?\n/g, " ");
}

/**
 * Quotes text as a DOT string.
 *
 * Backslashes are doubled because Graphviz reads `\N`, `\n`, `\l` and friends in quoted label-like
 * attributes; quotes are escaped; a line break becomes `\n`.
 */
export function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

/**
 * An unquoted id made of `kind` and `names`, joined by `_`.
 *
 * Characters other than ASCII letters, digits, `.` and `-` become `_xHH_` (their code point in
 * hex), so two different names never share an id and the id is valid anywhere.
 */
export function rawId(kind: string, ...names: readonly string[]): string {
  const safe = names.map((n) =>
    n.replace(/[^A-Za-z0-9.-]/g, (c) => `_x${(c.codePointAt(0) ?? 0).toString(16)}_`),
  );
  return [kind, ...safe].join("_");
}

/** {@link rawId}, quoted for use as a node or subgraph id. */
export function nodeId(kind: string, ...names: readonly string[]): string {
  return quote(rawId(kind, ...names));
}

/** An HTML-like label, already escaped; see {@link htmlLabel}. */
export interface HtmlLabel {
  readonly html: string;
}

/** One label line: text with an optional font size, colour and weight. */
export interface LabelLine {
  readonly text: string;
  /** Font size in points. @default - the node's or graph's `fontsize` */
  readonly sizePt?: number;
  /** `#RRGGBB`. @default - the node's or graph's `fontcolor` */
  readonly color?: string;
  /** @default false */
  readonly bold?: boolean;
}

/** Builds an HTML-like label of `lines`, one under the other, centred. */
export function htmlLabel(lines: readonly LabelLine[]): HtmlLabel {
  const rendered = lines.map((line) => {
    let text = escapeHtml(line.text);
    if (line.bold === true) text = `<B>${text}</B>`;
    const font = [
      line.sizePt === undefined ? "" : ` POINT-SIZE="${line.sizePt}"`,
      line.color === undefined ? "" : ` COLOR="${escapeHtml(line.color)}"`,
    ].join("");
    return font === "" ? text : `<FONT${font}>${text}</FONT>`;
  });
  return { html: `<${rendered.join("<BR/>")}>` };
}

/** An attribute value: text (quoted), a number, or an HTML-like label. */
export type AttributeValue = string | number | boolean | HtmlLabel;

/** Renders attributes as `key=value` pairs separated by `sep`, in insertion order. */
export function attributePairs(
  values: Readonly<Record<string, AttributeValue>>,
  sep = ", ",
): string {
  return Object.entries(values)
    .map(([key, value]) => {
      if (typeof value === "object") return `${key}=${value.html}`;
      if (typeof value === "number") return `${key}=${value}`;
      return `${key}=${quote(String(value))}`;
    })
    .join(sep);
}

/** Renders an attribute list, `[key=value, …]`. */
export function attributeList(values: Readonly<Record<string, AttributeValue>>): string {
  return `[${attributePairs(values)}]`;
}

/** A node statement. */
export function nodeStatement(
  id: string,
  values: Readonly<Record<string, AttributeValue>>,
): string {
  return `${id} ${attributeList(values)};`;
}

/** An edge statement. */
export function edgeStatement(
  tail: string,
  head: string,
  values: Readonly<Record<string, AttributeValue>>,
): string {
  return `${tail} -> ${head} ${attributeList(values)};`;
}

/** Indents every line of `lines` by two spaces. */
export function indent(lines: readonly string[]): string[] {
  return lines.map((line) => (line === "" ? line : `  ${line}`));
}
