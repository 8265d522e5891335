/**
 * DOT → SVG with Graphviz compiled to WebAssembly, SVG → PNG with resvg: no system binaries.
 *
 * @see https://github.com/mdaines/viz-js
 * @see https://github.com/thx/resvg-js
 */
import { Resvg } from "@resvg/resvg-js";
import { instance, type RenderResult, type Viz } from "@viz-js/viz";
import { UserError } from "../errors";
import { FONT_NAME, type TopologyDot, withStatements } from "./dot";

/** How much larger than the SVG's own size the PNG is drawn, for sharp text. */
export const PNG_ZOOM = 2;

/**
 * Families the SVG asks for, in order. Graphviz writes only the one it sized text with; the rest
 * keep an SVG viewer without DejaVu from falling back to a serif face.
 */
export const SVG_FONT_FAMILIES = `${FONT_NAME},Helvetica,Arial,sans-serif`;

let viz: Promise<Viz> | undefined;

/** The Graphviz instance, created once: compiling the module takes a few milliseconds. */
function graphviz(): Promise<Viz> {
  viz ??= instance();
  return viz;
}

function output(result: RenderResult): string {
  if (result.status === "failure") {
    const messages = result.errors.map((e) => e.message.trim()).join("; ");
    throw new UserError(`graphviz could not draw the topology: ${messages}`);
  }
  return result.output;
}

/**
 * Lays out `dot` and draws it as SVG; Graphviz's errors become a `UserError`.
 *
 * Two passes: `dot` lays out the layout part and writes it back as DOT with every position
 * fixed; the overlay edges are added and `nop2` (`neato -n2`: keep positions, route only the new
 * edges) draws the result. The overlay therefore cannot reorder what `dot` placed.
 *
 * @see https://graphviz.org/docs/layouts/neato/ (the `-n2` mode)
 */
export async function renderSvg(dot: TopologyDot): Promise<string> {
  const engine = await graphviz();
  const laidOut = output(engine.render(dot.layout, { format: "dot", engine: "dot" }));
  const svg = output(
    engine.render(withStatements(laidOut, dot.overlay), { format: "svg", engine: "nop2" }),
  );
  return svg.replaceAll(`font-family="${FONT_NAME}"`, `font-family="${SVG_FONT_FAMILIES}"`);
}

/** A PNG image and its size. */
export interface PngImage {
  readonly png: Buffer;
  readonly widthPx: number;
  readonly heightPx: number;
}

/**
 * Draws `svg` as PNG at {@link PNG_ZOOM}× with the machine's fonts.
 *
 * DejaVu Sans is asked for by name; where it is missing resvg falls back to another system font.
 * Text in scripts the machine has no font for (CJK without fonts-noto-cjk) shows as boxes.
 */
export function renderPng(svg: string): PngImage {
  const image = new Resvg(svg, {
    fitTo: { mode: "zoom", value: PNG_ZOOM },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: FONT_NAME, sansSerifFamily: FONT_NAME },
  }).render();
  return { png: image.asPng(), widthPx: image.width, heightPx: image.height };
}
