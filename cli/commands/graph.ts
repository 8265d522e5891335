/**
 * `tarsfed graph --out FILE.svg|FILE.png|FILE.dot`: a picture of the fleet's topology.
 *
 * Regions with their TKE clusters and CVM pools, CCN links with their bandwidth, each Set where it
 * runs now and where its standby is, failed-over Sets marked. Drawn from the fleet file alone (no
 * plan), with Graphviz compiled to WebAssembly and resvg for PNG: no system binaries.
 */
import * as path from "node:path";
import { Command } from "commander";
import { type LoadedFleet } from "../../fleet/model/load";
import { allClusters } from "../../fleet/model/model";
import { type CommandContext } from "../context";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { writeFileAtomic } from "../files";
import { singleDot, topologyDot } from "../graph/dot";
import { renderPng, renderSvg } from "../graph/render";
import { buildTopology } from "../graph/topology";
import { json } from "../render";

/** The file formats `graph` writes, named by the `--out` file's extension. */
export const GraphFormat = { Svg: "svg", Png: "png", Dot: "dot" } as const;
/** One of {@link GraphFormat}. */
export type GraphFormat = (typeof GraphFormat)[keyof typeof GraphFormat];

/** What `graph` wrote: the `--json` document. */
export interface GraphResult {
  readonly out: string;
  readonly format: GraphFormat;
  readonly regions: number;
  readonly clusters: number;
  readonly sets: number;
  readonly links: number;
}

/** What `graph` needs besides its flags. */
export interface GraphDeps {
  /** Writes a whole file or nothing. */
  readonly write: (file: string, content: string | Uint8Array) => void;
}

/** The format `out`'s extension names; a usage error for any other extension. */
export function graphFormatOf(out: string): GraphFormat {
  const extension = path.extname(out).slice(1).toLowerCase();
  const format = Object.values(GraphFormat).find((f) => f === extension);
  if (format === undefined)
    throw new UserError(
      `--out must end in .svg, .png or .dot (the extension picks the format), got ${out}`,
      ExitCode.Usage,
    );
  return format;
}

/** The size of a Graphviz SVG as it states it, e.g. `1359×718 pt`. */
function svgSize(svg: string): string {
  const match = /<svg width="([\d.]+)pt" height="([\d.]+)pt"/.exec(svg);
  return match === null ? "" : ` (${match[1]}×${match[2]} pt)`;
}

/** Draws `fleet`'s topology into `out`; returns the counts and a note for stderr. */
export async function runGraph(
  fleet: LoadedFleet,
  out: string,
  deps: GraphDeps,
): Promise<{ result: GraphResult; note: string }> {
  const format = graphFormatOf(out);
  const topology = buildTopology(fleet.spec);
  const dot = topologyDot(topology);
  let size = "";
  if (format === GraphFormat.Dot) {
    deps.write(out, singleDot(dot));
  } else {
    const svg = await renderSvg(dot);
    if (format === GraphFormat.Svg) {
      deps.write(out, svg);
      size = svgSize(svg);
    } else {
      const image = renderPng(svg);
      deps.write(out, image.png);
      size = ` (${image.widthPx}×${image.heightPx} px)`;
    }
  }
  return {
    result: {
      out,
      format,
      regions: topology.regions.length,
      clusters: allClusters(fleet.spec).length,
      sets: topology.sets.length,
      links: topology.links.length,
    },
    note: `wrote ${out}${size}`,
  };
}

interface GraphFlags {
  readonly out: string;
}

/** The `graph` command. */
export function graphCommand(
  ctx: CommandContext,
  deps: GraphDeps = { write: writeFileAtomic },
): Command {
  return new Command("graph")
    .description(
      "draw the topology: regions, clusters, CVM pools, CCN links, where each Set runs and its standby",
    )
    .requiredOption("--out <file>", "picture to write: FILE.png, FILE.svg or FILE.dot")
    .action(async (flags: GraphFlags, command: Command) => {
      const globals = ctx.globals(command);
      graphFormatOf(flags.out);
      const fleet = ctx.load(globals.fleet);
      const { result, note } = await runGraph(fleet, flags.out, deps);
      ctx.io.err(note);
      if (globals.json) ctx.io.out(json(result));
      ctx.setExitCode(ExitCode.Ok);
    });
}
