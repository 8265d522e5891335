import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { loadFleet, parseFleet, type LoadedFleet } from "../../fleet/model/load";
import { graphCommand } from "../../cli/commands/graph";
import { createContext, DEFAULT_FLEET } from "../../cli/context";
import { UserError } from "../../cli/errors";
import { ExitCode } from "../../cli/exit-codes";
import { memoryIo } from "../../cli/io";
import { escapeHtml, nodeId, quote } from "../../cli/graph/dot-syntax";
import { singleDot, topologyDot, type TopologyDot } from "../../cli/graph/dot";
import { renderPng, renderSvg } from "../../cli/graph/render";
import { buildTopology, type Topology } from "../../cli/graph/topology";

const demo = loadFleet("stacks/fleet.yaml");
const demoText = fs.readFileSync("stacks/fleet.yaml", "utf8");

/** The demo fleet with app.gz.1 failed over to its warm standby in sh1. */
function failedOverDemo(): LoadedFleet {
  const original = "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }";
  expect(demoText).toContain(original);
  return parseFleet(
    demoText.replace(original, original.replace("failedOver: false", "failedOver: true")),
    "failed-over.yaml",
  );
}

const dotOf = (fleet: LoadedFleet): string => singleDot(topologyDot(buildTopology(fleet.spec)));

/** The DOT statement declaring node `id` (one line). */
function nodeLine(dot: string, id: string): string {
  const line = dot.split("\n").find((l) => l.trimStart().startsWith(`${id} [`));
  if (line === undefined) throw new Error(`no node ${id} in the DOT`);
  return line;
}

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-graph-"));
afterAll(() => fs.rmSync(temporary, { recursive: true, force: true }));

/** Runs `tarsfed [argv]` with only the graph command, handling errors the way `main` does. */
async function cli(argv: readonly string[]) {
  const io = memoryIo();
  let exitCode: number = ExitCode.Ok;
  const ctx = createContext(io, (code) => {
    exitCode = code;
  });
  const program = new Command("tarsfed")
    .option("--fleet <file>", "the fleet file", DEFAULT_FLEET)
    .option("--json", "print one JSON document on stdout")
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  program.addCommand(
    graphCommand(ctx)
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }),
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) exitCode = ExitCode.Usage;
    else if (error instanceof UserError) {
      io.err(error.message);
      exitCode = error.exitCode;
    } else if (error instanceof FleetError) {
      io.err(error.message);
      exitCode = ExitCode.Refused;
    } else throw error;
  }
  return { exitCode, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
}

describe("topology DOT", () => {
  const dot = dotOf(demo);

  it("names every region with its Tencent region and VPC, and marks the home region", () => {
    for (const [region, tencentRegion, cidr] of [
      ["guangzhou", "ap-guangzhou", "10.10.0.0/16"],
      ["shanghai", "ap-shanghai", "10.20.0.0/16"],
      ["beijing", "ap-beijing", "10.30.0.0/16"],
    ]) {
      expect(dot).toContain(`subgraph "cluster_region_${region}"`);
      expect(dot).toContain(`<B>${region}</B>`);
      expect(dot).toContain(tencentRegion);
      expect(dot).toContain(`VPC ${cidr}`);
    }
    expect(dot.match(/★ home region/g)).toHaveLength(1);
    expect(dot).toContain("DB: TencentDB MySQL 5.7");
  });

  it("names each region's stacks: its infra stack, then its TARS stack", () => {
    expect(dot).toContain("stacks guangzhou-infra · guangzhou");
    expect(dot).toContain("stacks beijing-infra · beijing");
  });

  it("draws an existing cluster with the capacity it declares, in an existing network", () => {
    const existing = dotOf(loadFleet("test/fixtures/existing/fleet.yaml"));
    expect(existing).toContain("stacks guangzhou<");
    expect(existing).toContain("existing network");
    expect(nodeLine(existing, '"pools_gz1"')).toContain("existing cluster");
    expect(nodeLine(existing, '"pools_gz1"')).toContain("32 CPU · 64Gi");
    expect(nodeLine(existing, '"pools_bj1"')).toContain("3 × SA5.2XLARGE16");
    expect(existing).not.toContain("TKE gz1");
  });

  it("draws every TKE cluster with its network type and node pools", () => {
    for (const cluster of ["gz1", "gz2", "sh1", "bj1"]) {
      expect(dot).toContain(`subgraph "cluster_k8s_${cluster}"`);
      expect(dot).toContain(`TKE ${cluster}`);
    }
    expect(dot).toContain("general SA5.2XLARGE16 ×2–10");
    expect(dot).toContain("highmem M5.2XLARGE32 ×0–4");
    expect(dot).toContain("GR: pods not routable across regions");
    expect(dot.match(/GR: pods not routable/g)).toHaveLength(1);
  });

  it("draws each region's base services in its services cluster, and the home services", () => {
    for (const cluster of ["gz1", "sh1", "bj1"]) {
      const line = nodeLine(dot, `"base_${cluster}"`);
      expect(line).toContain("region&#39;s base services");
      expect(line).toContain("tarsconfig · tarslog");
      expect(line).toContain("tarsstat · tarsproperty");
      // Inside its cluster's box: declared between the cluster's subgraph and the next one.
      const block = dot.slice(dot.indexOf(`subgraph "cluster_k8s_${cluster}"`));
      expect(block.slice(0, block.indexOf("subgraph", 1))).toContain(`"base_${cluster}" [`);
    }
    expect(dot).not.toContain('"base_gz2"');
    const home = nodeLine(dot, '"framework_guangzhou"');
    expect(home).toContain("tarsweb · tarsnotify");
    expect(home).toContain("tarsquerystat · tarsqueryproperty");
    expect(home).toContain("tarsAdminRegistry · tarspatch");
  });

  it("draws every CVM pool with its size and instance type", () => {
    expect(nodeLine(dot, '"cvm_guangzhou_legacy"')).toContain("2 × S5.LARGE8 · tarsnode");
    expect(nodeLine(dot, '"cvm_beijing_fallback"')).toContain("1 × S5.LARGE8 · tarsnode");
  });

  it("labels every CCN link with its bandwidth: 200 Mbps guangzhou–shanghai, 100 otherwise", () => {
    expect(nodeLine(dot, '"link_guangzhou_shanghai"')).toContain("CCN 200 Mbps");
    expect(nodeLine(dot, '"link_beijing_guangzhou"')).toContain("CCN 100 Mbps");
    expect(nodeLine(dot, '"link_beijing_shanghai"')).toContain("CCN 100 Mbps");
    expect(dot).toContain('"link_guangzhou_shanghai" -> "vpc_guangzhou"');
    expect(dot).toContain('"link_guangzhou_shanghai" -> "vpc_shanghai"');
  });

  it("puts every Set in the cluster it runs in, with its standby", () => {
    const inCluster = (cluster: string, node: string) => {
      const start = dot.indexOf(`subgraph "cluster_k8s_${cluster}"`);
      const end = dot.indexOf("\n    }", start);
      return dot.slice(start, end).includes(`${node} [`);
    };
    expect(inCluster("gz1", '"set_app.gz.1"')).toBe(true);
    expect(inCluster("gz2", '"set_app.gz.2"')).toBe(true);
    expect(inCluster("sh1", '"set_app.sh.1"')).toBe(true);
    expect(inCluster("bj1", '"set_app.bj.1"')).toBe(true);
    expect(inCluster("sh1", '"warm_app.gz.1_sh1"')).toBe(true);
    expect(nodeLine(dot, '"set_app.gz.1"')).toContain("warm standby in sh1");
    expect(nodeLine(dot, '"set_app.gz.2"')).toContain("standby in bj1");
    expect(nodeLine(dot, '"set_app.gz.1"')).toContain("TestApp.HelloServer ×3");
    expect(nodeLine(dot, '"set_app.gz.1"')).toContain("3 servers · 7 pods");
    expect(dot).toContain('"set_app.gz.1" -> "warm_app.gz.1_sh1"');
    expect(dot).toContain('"set_app.gz.2" -> "pools_bj1"');
    expect(dot).not.toContain("FAILED OVER");
  });

  it("marks a failed-over Set in its standby cluster and leaves a placeholder at home", () => {
    const failed = dotOf(failedOverDemo());
    const node = nodeLine(failed, '"set_app.gz.1"');
    expect(node).toContain("FAILED OVER from gz1");
    expect(node).toContain('fillcolor="#FFB74D"');
    expect(nodeLine(failed, '"away_app.gz.1_gz1"')).toContain("failed over to sh1");
    expect(failed).toContain('"set_app.gz.1" -> "away_app.gz.1_gz1"');
    // Failed over, the Set has no warm copy any more.
    expect(failed).not.toContain('"warm_app.gz.1_sh1" [');
  });

  it("gives byte-identical text for the same fleet", () => {
    expect(dotOf(loadFleet("stacks/fleet.yaml"))).toBe(dot);
  });
});

describe("DOT escaping", () => {
  it("quotes backslashes, quotes and line breaks", () => {
    expect(quote('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
  });

  it("escapes HTML-like label text", () => {
    expect(escapeHtml(`<b>&"x'`)).toBe("&lt;b&gt;&amp;&quot;x&#39;");
  });

  it("maps every character outside letters, digits, dot and dash in ids", () => {
    expect(nodeId("set", "shop.cd.*")).toBe('"set_shop.cd._x2a_"');
    expect(nodeId("set", "a_b")).not.toBe(nodeId("set", "a b"));
  });

  it("draws names full of DOT and HTML syntax", async () => {
    const nasty = 'x"<y>&\\z';
    const topology: Topology = {
      fleet: nasty,
      frameworkDb: nasty,
      homeServices: [nasty],
      regions: [
        {
          name: nasty,
          tencentRegion: nasty,
          home: true,
          stacks: [nasty],
          vpcCidr: "10.0.0.0/16",
          existingNetwork: false,
          zones: [nasty],
          clusters: [
            {
              name: nasty,
              networkType: "GR",
              kubernetesVersion: nasty,
              nodePools: [nasty],
              baseServices: [nasty],
              activeSets: [nasty],
              warmSets: [],
              awaySets: [],
            },
          ],
          cvmPools: [{ name: nasty, count: 1, instanceType: nasty }],
        },
      ],
      links: [],
      sets: [
        {
          id: nasty,
          activeCluster: nasty,
          homeCluster: nasty,
          warm: false,
          failedOver: false,
          servers: [{ id: nasty, replicas: 1 }],
        },
      ],
    };
    const svg = await renderSvg(topologyDot(topology));
    expect(svg).toContain("x&quot;&lt;y&gt;&amp;\\z");
  });
});

describe("rendering", () => {
  let svg = "";
  const dot: TopologyDot = topologyDot(buildTopology(demo.spec));

  it("draws SVG naming every region", async () => {
    svg = await renderSvg(dot);
    expect(svg.startsWith("<?xml")).toBe(true);
    // Graphviz writes "-" as "&#45;" in SVG text.
    for (const text of ["guangzhou", "shanghai", "beijing", "ap&#45;shanghai", "app.gz.1"])
      expect(svg).toContain(text);
    expect(svg).toContain("CCN 200 Mbps");
    expect(svg).toContain('font-family="DejaVu Sans,Helvetica,Arial,sans-serif"');
  });

  it("draws a PNG of a readable size", async () => {
    const image = renderPng(svg === "" ? await renderSvg(dot) : svg);
    expect([...image.png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(image.png.length).toBeGreaterThan(50_000);
    expect(image.widthPx).toBeGreaterThan(2000);
    expect(image.heightPx).toBeGreaterThan(1000);
  });

  it("fails with Graphviz's message on broken DOT", async () => {
    await expect(renderSvg({ layout: "digraph { a -> ; }", overlay: [] })).rejects.toThrow(
      new UserError("graphviz could not draw the topology: syntax error in line 1 near ';'"),
    );
  });
});

describe("tarsfed graph", () => {
  it("writes a PNG and says where, with its size", async () => {
    const out = path.join(temporary, "topology.png");
    const run = await cli(["graph", "--out", out]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(new RegExp(`^wrote ${out} \\(\\d+×\\d+ px\\)\\n?$`));
    expect([...fs.readFileSync(out).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it("prints the counts with --json", async () => {
    const out = path.join(temporary, "topology.svg");
    const run = await cli(["--json", "graph", "--out", out]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    expect(JSON.parse(run.stdout)).toEqual({
      out,
      format: "svg",
      regions: 3,
      clusters: 4,
      sets: 4,
      links: 3,
    });
    expect(fs.readFileSync(out, "utf8")).toContain("<svg");
  });

  it("writes the DOT source for .dot", async () => {
    const out = path.join(temporary, "topology.dot");
    const run = await cli(["graph", "--out", out]);
    expect(run.exitCode).toBe(ExitCode.Ok);
    const written = fs.readFileSync(out, "utf8");
    expect(written).toBe(dotOf(demo));
    // Graphviz draws it in one pass too.
    expect(await renderSvg({ layout: written, overlay: [] })).toContain("CCN 200 Mbps");
  });

  it("fails with a usage error on an extension it cannot write", async () => {
    const out = path.join(temporary, "topology.jpg");
    const run = await cli(["graph", "--out", out]);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toBe(
      `--out must end in .svg, .png or .dot (the extension picks the format), got ${out}`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it("fails with a usage error without --out", async () => {
    const run = await cli(["graph"]);
    expect(run.exitCode).toBe(ExitCode.Usage);
    expect(run.stderr).toBe("error: required option '--out <file>' not specified\n");
  });
});
