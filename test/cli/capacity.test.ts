/**
 * `tarsfed capacity`: the cluster and region-loss tables, and the report with `--json`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { capacityCommand } from "../../cli/commands/capacity";
import { createContext } from "../../cli/context";
import { memoryIo } from "../../cli/io";
import { demoText, tightText } from "../fleet/fleet-copies";

async function run(...argv: string[]) {
  const io = memoryIo();
  let code = -1;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const program = new Command().option("--fleet <f>").option("--json");
  program.addCommand(capacityCommand(ctx).exitOverride());
  program.exitOverride();
  await program.parseAsync(argv, { from: "user" });
  return { code, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
}

describe("tarsfed capacity", () => {
  it("prints the report as one JSON document", async () => {
    const { code, stdout } = await run("--json", "capacity");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      clusters: { cluster: string; fits: boolean; demand: { cpuMilli: number } }[];
      regions: { region: string; survivable: boolean; shortfalls: unknown[] }[];
    };
    expect(report.clusters.map((c) => [c.cluster, c.demand.cpuMilli, c.fits])).toEqual([
      ["gz1", 10800, true],
      ["gz2", 4000, true],
      ["sh1", 9050, true],
      ["bj1", 5800, true],
    ]);
    expect(report.regions.map((r) => [r.region, r.survivable, r.shortfalls])).toEqual([
      ["guangzhou", true, []],
      ["shanghai", true, []],
      ["beijing", true, []],
    ]);
  });

  it("prints a cluster table and a region-loss table", async () => {
    const { code, stdout } = await run("capacity");
    expect(code).toBe(0);
    const gz1 = stdout.split("\n").find((line) => line.includes(" gz1 "));
    expect(gz1?.split("│").map((cell) => cell.trim())).toEqual([
      "",
      "gz1",
      "guangzhou",
      "10.8",
      "78",
      "67.2",
      "14.3Gi",
      "133Gi",
      "118.7Gi",
      "23.4 / 39.9Gi",
      "yes",
      "",
    ]);
    expect(stdout).toContain("guangzhou   │ yes        │ app.gz.1, app.gz.2 │ -");
  });

  it("shows the shortfall of a region loss the fleet would not survive", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-capacity-")), "f.yaml");
    writeFileSync(file, tightText);
    const { stdout } = await run("--fleet", file, "capacity");
    expect(stdout).toMatch(/guangzhou\s+│ NO\s+│ app\.gz\.1, app\.gz\.2 │ -\s+│ sh1: 3\.1 CPU/);
  });

  it("says why losing the home region is not survivable without a database standby", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-capacity-")), "f.yaml");
    writeFileSync(file, demoText.replace(", standbyRegion: shanghai", ""));
    const { stdout } = await run("--fleet", file, "capacity");
    expect(stdout).toMatch(/guangzhou\s+│ NO\s+│ app\.gz\.1, app\.gz\.2 │ -\s+│ -/);
    expect(stdout).toContain(
      "not survivable: guangzhou: home region: the framework database has no standby " +
        "(tars.db.standbyRegion); losing it stops every registration in every region, and " +
        "tarsweb with it\n",
    );
  });
});
