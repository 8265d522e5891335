/**
 * `tarsfed validate` and `tarsfed plan` end to end through `main()`: exit codes, the JSON shapes
 * DESIGN.md gives, and files written by `--out`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main";
import { memoryIo } from "../../cli/io";

async function run(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "tarsfed-cli-"));

describe("tarsfed validate", () => {
  it("accepts the demo fleet", async () => {
    const { code, stdout } = await run("validate");
    expect(code).toBe(0);
    expect(stdout).toBe(
      "stacks/fleet.yaml: valid — 3 regions, 4 clusters, 2 CVM pools, 4 Sets, 3 servers; stacks global, guangzhou-infra, shanghai-infra, beijing-infra, guangzhou, shanghai, beijing\n",
    );
  });

  it("fails with exit 1 and one line per problem", async () => {
    const file = path.join(tmp(), "fleet.yaml");
    writeFileSync(
      file,
      readFileSync("stacks/fleet.yaml", "utf8")
        .replace("app.sh.1: { cluster: sh1", "app.sh.1: { cluster: sh7")
        .replace("vpcCidr: 10.30.0.0/16", "vpcCidr: 10.20.0.0/16"),
    );
    const { code, stdout } = await run("--fleet", file, "validate");
    expect(code).toBe(1);
    expect(stdout.trim().split("\n")).toEqual([
      `${file}:63:14 regions.beijing.vpcCidr: 10.20.0.0/16 overlaps regions.shanghai.vpcCidr (10.20.0.0/16); every VPC, service and pod CIDR in the fleet must be disjoint, or CCN drops the route`,
      `${file}:77:24 sets["app.sh.1"].cluster: unknown cluster "sh7", expected one of "gz1", "gz2", "sh1" or "bj1"`,
      `2 problem(s) in ${file}`,
    ]);
  });

  it("prints one JSON document with --json", async () => {
    const { code, stdout } = await run("validate", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      file: "stacks/fleet.yaml",
      valid: true,
      problems: [],
      summary: {
        regions: 3,
        clusters: 4,
        cvmPools: 2,
        sets: 4,
        servers: 3,
        stacks: [
          "global",
          "guangzhou-infra",
          "shanghai-infra",
          "beijing-infra",
          "guangzhou",
          "shanghai",
          "beijing",
        ],
      },
    });
  });

  it("fails on an unknown flag as a usage error (exit 2)", async () => {
    const { code, stderr } = await run("validate", "--frobnicate");
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--frobnicate'");
  });
});

describe("tarsfed plan", () => {
  it("prints the DESIGN.md JSON shape for every stack and writes plan.json and plan.md with --out", async () => {
    const out = tmp();
    const { code, stdout, stderr } = await run("plan", "--json", "--out", out);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as {
      fleet: string;
      stacks: {
        name: string;
        resources: Record<string, unknown>[];
        outputs: object;
        violations: unknown[];
      }[];
    };
    expect(plan.fleet).toBe("demo");
    expect(plan.stacks.map((s) => s.name)).toEqual([
      "global",
      "guangzhou-infra",
      "shanghai-infra",
      "beijing-infra",
      "guangzhou",
      "shanghai",
      "beijing",
    ]);
    for (const stack of plan.stacks) {
      expect(Array.isArray(stack.violations)).toBe(true);
      for (const r of stack.resources) {
        expect(Object.keys(r)).toEqual(
          expect.arrayContaining(["type", "name", "parent", "provider", "inputs"]),
        );
      }
    }
    expect(JSON.parse(readFileSync(path.join(out, "plan.json"), "utf8"))).toEqual(plan);
    expect(readFileSync(path.join(out, "plan.md"), "utf8")).toContain(
      "## Offline plan of fleet `demo`",
    );
    expect(stderr).toContain(
      `wrote ${path.join(out, "plan.json")} and ${path.join(out, "plan.md")}`,
    );
  });

  it("plans one stack with --stack, and its upstream stacks silently", async () => {
    const { code, stdout } = await run("plan", "--stack", "beijing", "--json");
    expect(code).toBe(0);
    expect(
      (JSON.parse(stdout) as { stacks: { name: string }[] }).stacks.map((s) => s.name),
    ).toEqual(["beijing"]);
  });

  it("fails on an unknown stack as a usage error, and on an invalid fleet with exit 1, writing nothing", async () => {
    expect((await run("plan", "--stack", "tokyo")).code).toBe(2);
    const dir = tmp();
    const file = path.join(dir, "fleet.yaml");
    writeFileSync(
      file,
      readFileSync("stacks/fleet.yaml", "utf8").replace(
        "homeRegion: guangzhou",
        "homeRegion: tokyo",
      ),
    );
    const result = await run("--fleet", file, "plan", "--out", path.join(dir, "out"));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:6:13 homeRegion: unknown region "tokyo", expected one of "guangzhou", "shanghai" or "beijing"`,
    );
    expect(existsSync(path.join(dir, "out"))).toBe(false);
  });
});
