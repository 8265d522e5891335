/**
 * The topology picture as Graphviz DOT.
 *
 * Regions stand side by side, each a box holding its VPC, the TARS framework (home region only),
 * its TKE clusters and its CVM pools. A TKE cluster holds its node pools, the region's base
 * services when it runs them, and a node per Set running there now (failed-over Sets in orange)
 * and per warm-standby copy. Above the regions a CCN strip
 * has one node per region pair with its bandwidth limit, joined to both VPCs by thick edges.
 * Dashed edges run from each Set to where it fails over (or, failed over, back to).
 *
 * The picture comes in two parts (see {@link TopologyDot}): the dashed Set edges cross between
 * regions, and letting `dot` order the regions around them shuffles the regions out of file order,
 * so they are drawn over the finished layout instead. The same topology gives byte-identical text.
 */
import { NetworkType } from "../../fleet/network/carve";
import {
  type AttributeValue,
  attributePairs,
  edgeStatement,
  escapeHtml,
  type HtmlLabel,
  htmlLabel,
  indent,
  type LabelLine,
  nodeId,
  nodeStatement,
  rawId,
} from "./dot-syntax";
import { legendBlock } from "./legend";
import { Palette } from "./palette";
import {
  type Topology,
  type TopologyCluster,
  type TopologyCvmPool,
  type TopologyLink,
  type TopologyRegion,
  type TopologySet,
} from "./topology";

/** The font Graphviz sizes text with: it has metrics for it, and resvg draws it. */
export const FONT_NAME = "DejaVu Sans";

/** Most servers listed in a Set's node; the rest are counted. */
export const MAX_SERVERS_SHOWN = 4;

/** The picture as DOT, in the two parts drawn one after the other. */
export interface TopologyDot {
  /** A complete DOT graph of everything but the Set edges; `dot` lays it out. */
  readonly layout: string;
  /** Edge statements from each Set to its standby (or home) cluster, drawn over the layout. */
  readonly overlay: readonly string[];
}

/** Adds `statements` to the end of the DOT graph `graph`, just before its closing brace. */
export function withStatements(graph: string, statements: readonly string[]): string {
  const end = graph.lastIndexOf("}");
  if (end < 0) throw new Error("not a DOT graph: no closing brace");
  return `${graph.slice(0, end)}${indent(statements).join("\n")}\n}\n`;
}

/**
 * The whole picture as one DOT document, as `--out FILE.dot` writes it.
 *
 * `dot -Tsvg` draws it in one pass, so regions may come out in another order than in the PNG.
 */
export function singleDot(dot: TopologyDot): string {
  return withStatements(dot.layout, dot.overlay);
}

function statement(name: string, values: Readonly<Record<string, AttributeValue>>): string {
  return `${name} [${attributePairs(values)}];`;
}

function subgraph(
  id: string,
  values: Readonly<Record<string, AttributeValue>>,
  body: readonly string[],
): string[] {
  return [`subgraph ${id} {`, `  ${attributePairs(values, "; ")};`, ...indent(body), "}"];
}

/** Invisible edges stacking `ids` top to bottom. */
function stack(ids: readonly string[]): string[] {
  return ids.length < 2 ? [] : [`${ids.join(" -> ")} [style="invis"];`];
}

function standbyLine(set: TopologySet): LabelLine {
  if (set.failedOver)
    return { text: `fails back to ${set.homeCluster}`, sizePt: 9, color: Palette.failback };
  if (set.standbyCluster === undefined)
    return { text: "no standby", sizePt: 9, color: Palette.muted };
  return set.warm
    ? { text: `warm standby in ${set.standbyCluster}`, sizePt: 9, color: Palette.warm }
    : { text: `standby in ${set.standbyCluster}`, sizePt: 9, color: Palette.standby };
}

function setNode(set: TopologySet): string {
  const shown = set.servers.slice(0, MAX_SERVERS_SHOWN);
  const hidden = set.servers.length - shown.length;
  const pods = set.servers.reduce((n, s) => n + s.replicas, 0);
  const failed = set.failedOver;
  const lines: LabelLine[] = [
    ...(failed
      ? [{ text: `FAILED OVER from ${set.homeCluster}`, bold: true, color: Palette.failedBorder }]
      : []),
    { text: set.id, bold: true, sizePt: 13 },
    standbyLine(set),
    ...shown.map((s) => ({ text: `${s.id} ×${s.replicas}`, sizePt: 9 })),
    ...(hidden > 0 ? [{ text: `+${hidden} more servers`, sizePt: 9 }] : []),
    { text: `${set.servers.length} servers · ${pods} pods`, sizePt: 9, color: Palette.muted },
  ];
  return nodeStatement(nodeId("set", set.id), {
    label: htmlLabel(lines),
    fillcolor: failed ? Palette.failedFill : Palette.setFill,
    color: failed ? Palette.failedBorder : Palette.setBorder,
    penwidth: failed ? 4 : 1.2,
  });
}

function warmNode(setId: string, cluster: string): string {
  return nodeStatement(nodeId("warm", setId, cluster), {
    label: htmlLabel([
      { text: `${setId} warm copy`, bold: true, color: Palette.warm },
      { text: "1 pod per server · no traffic", sizePt: 9, color: Palette.muted },
    ]),
    fillcolor: Palette.warmFill,
    color: Palette.warm,
    style: "rounded,filled,dashed",
  });
}

function awayNode(set: TopologySet, cluster: string): string {
  return nodeStatement(nodeId("away", set.id, cluster), {
    label: htmlLabel([
      { text: `${set.id} is away`, bold: true, color: Palette.failedBorder },
      { text: `failed over to ${set.activeCluster}`, sizePt: 9, color: Palette.failedBorder },
    ]),
    fillcolor: Palette.awayFill,
    color: Palette.failedBorder,
    style: "rounded,filled,dashed",
    penwidth: 2,
  });
}

function poolsNode(cluster: TopologyCluster): string {
  // An existing cluster has no node pools here: what it declares it holds takes their place.
  const lines =
    cluster.existing === undefined
      ? [
          { text: "node pools", sizePt: 9, color: Palette.muted },
          ...cluster.nodePools.map((p) => ({ text: p, sizePt: 9 })),
        ]
      : [
          { text: "existing cluster", sizePt: 9, color: Palette.muted },
          { text: cluster.existing, sizePt: 9 },
        ];
  return nodeStatement(nodeId("pools", cluster.name), {
    label: htmlLabel(lines),
    shape: "note",
    style: "filled",
    fillcolor: Palette.poolsFill,
    color: Palette.poolsBorder,
  });
}

/** Names a few to a line: `a · b · c`. */
function serviceLines(names: readonly string[], perLine = 2): LabelLine[] {
  const lines: LabelLine[] = [];
  for (let i = 0; i < names.length; i += perLine) {
    lines.push({ text: names.slice(i, i + perLine).join(" · "), sizePt: 9 });
  }
  return lines;
}

/** The region's base services, in the cluster that runs them. */
function baseServicesNode(cluster: TopologyCluster): string {
  return nodeStatement(nodeId("base", cluster.name), {
    label: htmlLabel([
      { text: "region's base services", bold: true, sizePt: 10 },
      ...serviceLines(cluster.baseServices),
    ]),
    shape: "cylinder",
    style: "filled",
    fillcolor: Palette.frameworkFill,
    color: Palette.clusterBorder,
  });
}

function clusterBlock(cluster: TopologyCluster, sets: ReadonlyMap<string, TopologySet>): string[] {
  const base = cluster.baseServices.length > 0;
  const gr = cluster.networkType === NetworkType.GlobalRouter;
  const activeSets = cluster.activeSets.flatMap((id) => sets.get(id) ?? []);
  const awaySets = cluster.awaySets.flatMap((id) => sets.get(id) ?? []);
  return subgraph(
    nodeId("cluster_k8s", cluster.name),
    {
      label: htmlLabel([
        {
          text: `${cluster.existing === undefined ? "TKE" : "cluster"} ${cluster.name}`,
          bold: true,
          sizePt: 13,
          color: Palette.clusterBorder,
        },
        { text: `${cluster.networkType} · Kubernetes ${cluster.kubernetesVersion}`, sizePt: 9 },
        ...(gr
          ? [{ text: "GR: pods not routable across regions", sizePt: 9, color: Palette.grWarning }]
          : []),
      ]),
      style: "rounded,filled",
      fillcolor: Palette.clusterFill,
      color: Palette.clusterBorder,
      penwidth: 1.5,
    },
    [
      poolsNode(cluster),
      ...(base ? [baseServicesNode(cluster)] : []),
      ...activeSets.map(setNode),
      ...cluster.warmSets.map((id) => warmNode(id, cluster.name)),
      ...awaySets.map((set) => awayNode(set, cluster.name)),
      ...stack([
        nodeId("pools", cluster.name),
        ...(base ? [nodeId("base", cluster.name)] : []),
        ...cluster.activeSets.map((id) => nodeId("set", id)),
        ...cluster.warmSets.map((id) => nodeId("warm", id, cluster.name)),
        ...cluster.awaySets.map((id) => nodeId("away", id, cluster.name)),
      ]),
    ],
  );
}

function cvmNode(region: string, pool: TopologyCvmPool): string {
  return nodeStatement(nodeId("cvm", region, pool.name), {
    label: htmlLabel([
      { text: `CVM ${pool.name}`, bold: true, sizePt: 12 },
      { text: `${pool.count} × ${pool.instanceType} · tarsnode`, sizePt: 9 },
    ]),
    shape: "box3d",
    style: "filled",
    fillcolor: Palette.cvmFill,
    color: Palette.cvmBorder,
  });
}

function frameworkNode(region: string, topology: Topology): string {
  return nodeStatement(nodeId("framework", region), {
    label: htmlLabel([
      { text: "TARS framework", bold: true, sizePt: 11 },
      { text: `DB: ${topology.frameworkDb}`, sizePt: 9 },
      ...serviceLines(topology.homeServices),
    ]),
    shape: "cylinder",
    style: "filled",
    fillcolor: Palette.frameworkFill,
    color: Palette.homeBorder,
  });
}

function regionBlock(
  region: TopologyRegion,
  topology: Topology,
  sets: ReadonlyMap<string, TopologySet>,
): string[] {
  const vpc = nodeId("vpc", region.name);
  const below = [
    ...region.clusters.map((c) => nodeId("pools", c.name)),
    ...region.cvmPools.map((p) => nodeId("cvm", region.name, p.name)),
  ];
  return subgraph(
    nodeId("cluster_region", region.name),
    {
      label: htmlLabel([
        { text: region.name, bold: true, sizePt: 18 },
        { text: region.tencentRegion, sizePt: 11, color: Palette.muted },
        { text: `stacks ${region.stacks.join(" · ")}`, sizePt: 9, color: Palette.muted },
        ...(region.home
          ? [{ text: "★ home region", bold: true, sizePt: 11, color: Palette.homeText }]
          : []),
      ]),
      style: "rounded,filled",
      fillcolor: region.home ? Palette.homeFill : Palette.regionFill,
      color: region.home ? Palette.homeBorder : Palette.regionBorder,
      penwidth: region.home ? 3 : 1.5,
    },
    [
      nodeStatement(vpc, {
        label: htmlLabel([
          { text: `VPC ${region.vpcCidr}`, bold: true, sizePt: 11 },
          region.existingNetwork
            ? { text: "existing network", sizePt: 9, color: Palette.muted }
            : { text: region.zones.join(", "), sizePt: 9, color: Palette.muted },
        ]),
        fillcolor: Palette.vpcFill,
        color: Palette.ccn,
      }),
      ...(region.home ? [frameworkNode(region.name, topology)] : []),
      ...region.clusters.flatMap((c) => clusterBlock(c, sets)),
      ...region.cvmPools.map((pool) => cvmNode(region.name, pool)),
      // The VPC sits above everything it holds.
      ...below.map((id) => `${vpc} -> ${id} [style="invis"];`),
    ],
  );
}

/**
 * The CCN strip: one node per region pair with its bandwidth limit, joined to both VPCs. A node
 * per link keeps each label beside its own link, which edge labels between side-by-side regions
 * do not.
 */
function ccnBlock(topology: Topology): string[] {
  if (topology.links.length === 0) return [];
  const order = new Map(topology.regions.map((r, i) => [r.name, i]));
  const place = (name: string) => order.get(name) ?? 0;
  const inFileOrder = (link: TopologyLink) =>
    place(link.a) <= place(link.b) ? [link.a, link.b] : [link.b, link.a];
  // Sorted by where the pair's regions stand, so each link sits roughly above the gap it spans.
  const links = [...topology.links].sort(
    (x, y) =>
      place(x.a) + place(x.b) - (place(y.a) + place(y.b)) ||
      Math.min(place(x.a), place(x.b)) - Math.min(place(y.a), place(y.b)),
  );
  const nodes = links.map((link) =>
    nodeStatement(nodeId("link", link.a, link.b), {
      label: htmlLabel([
        { text: inFileOrder(link).join(" ↔ "), sizePt: 9, color: Palette.muted },
        { text: `CCN ${link.mbps} Mbps`, bold: true, sizePt: 12, color: Palette.ccn },
      ]),
      fillcolor: Palette.linkFill,
      color: Palette.ccn,
      penwidth: 2,
    }),
  );
  const edges = links.flatMap((link) =>
    inFileOrder(link).map((region) =>
      edgeStatement(nodeId("link", link.a, link.b), nodeId("vpc", region), {
        dir: "none",
        penwidth: 4,
        color: Palette.ccn,
      }),
    ),
  );
  const label = htmlLabel([
    { text: "CCN: bandwidth limit per region pair", bold: true, sizePt: 11, color: Palette.ccn },
  ]);
  return [
    ...subgraph(`"cluster_ccn"`, { label, style: "rounded,dashed", color: Palette.ccn }, nodes),
    ...edges,
  ];
}

/** An edge label on a white ground, so it stays readable where it crosses lines and boxes. */
function edgeLabel(text: string, color: string): HtmlLabel {
  return {
    html: `<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD><FONT COLOR="${escapeHtml(color)}">${escapeHtml(text)}</FONT></TD></TR></TABLE>>`,
  };
}

function setEdge(set: TopologySet): string[] {
  const tail = nodeId("set", set.id);
  if (set.failedOver)
    return [
      edgeStatement(tail, nodeId("away", set.id, set.homeCluster), {
        label: edgeLabel("fails back", Palette.failback),
        style: "dashed",
        color: Palette.failback,
        penwidth: 2.5,
        constraint: false,
      }),
    ];
  if (set.standbyCluster === undefined) return [];
  const warm = set.warm;
  return [
    edgeStatement(
      tail,
      warm ? nodeId("warm", set.id, set.standbyCluster) : nodeId("pools", set.standbyCluster),
      {
        label: edgeLabel(warm ? "warm standby" : "standby", warm ? Palette.warm : Palette.standby),
        style: "dashed",
        color: warm ? Palette.warm : Palette.standby,
        penwidth: 1.5,
        // Ignored by the two-pass drawing; keeps a one-pass `dot` from ranking by these edges.
        constraint: false,
      },
    ),
  ];
}

/** Renders `topology` as DOT: the layout part and the Set edges drawn over it. */
export function topologyDot(topology: Topology): TopologyDot {
  const sets = new Map(topology.sets.map((s) => [s.id, s]));
  const title = htmlLabel([
    { text: `TARS fleet ${topology.fleet}`, bold: true, sizePt: 22 },
    {
      text: `${topology.regions.length} regions · ${topology.sets.length} Sets · home region ${topology.regions.find((r) => r.home)?.name ?? "none"}`,
      sizePt: 11,
      color: Palette.muted,
    },
  ]);
  const body = [
    statement("graph", {
      label: title,
      labelloc: "t",
      rankdir: "TB",
      newrank: true,
      splines: true,
      fontname: FONT_NAME,
      fontcolor: Palette.ink,
      bgcolor: "white",
      pad: 0.4,
      nodesep: 0.35,
      ranksep: 0.45,
    }),
    statement("node", {
      fontname: FONT_NAME,
      fontsize: 11,
      fontcolor: Palette.ink,
      shape: "box",
      style: "rounded,filled",
      margin: "0.15,0.08",
    }),
    statement("edge", { fontname: FONT_NAME, fontsize: 11, arrowsize: 0.8 }),
    ...topology.regions.flatMap((r) => regionBlock(r, topology, sets)),
    ...ccnBlock(topology),
    ...legendBlock(),
  ];
  return {
    layout: `digraph ${rawId("topology")} {\n${indent(body).join("\n")}\n}\n`,
    overlay: topology.sets.flatMap(setEdge),
  };
}
