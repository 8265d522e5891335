/**
 * `tarsfed failover` and `tarsfed failback` on temporary copies of the demo fleet: what the file
 * looks like afterwards, the `{ changed, stacks, skipped }` document, refusals and exit codes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { failbackCommand, failoverCommand } from "../../cli/commands/failover";
import { createContext } from "../../cli/context";
import { diffPlans } from "../../cli/diff/compare";
import { UserError } from "../../cli/errors";
import { memoryIo } from "../../cli/io";
import { planFleet } from "../../cli/plan/plan-fleet";
import { FleetError } from "../../fleet/issues";
import { loadFleet } from "../../fleet/load";
import { planFailover } from "../../fleet/operations";
import { demoText, tightText } from "../fleet/fleet-copies";

/** Runs the commands as `main()` would: user errors print their message and set the exit code. */
async function run(...argv: string[]) {
  const io = memoryIo();
  let code = 0;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const program = new Command().option("--fleet <f>").option("--json");
  program.addCommand(failoverCommand(ctx).exitOverride());
  program.addCommand(failbackCommand(ctx).exitOverride());
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof UserError || error instanceof FleetError)) throw error;
    io.err(error.message);
    code = error instanceof UserError ? error.exitCode : 1;
  }
  return { code, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
}

/** A temporary copy of a fleet text; returns its path. */
function copy(text = demoText): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-failover-")), "fleet.yaml");
  writeFileSync(file, text);
  return file;
}

/** The comment lines of a text: lines starting with `#` or holding ` # `. */
const commentLines = (text: string) =>
  new Set(
    text.split("\n").filter((line) => line.trimStart().startsWith("#") || line.includes(" # ")),
  );

describe("tarsfed failover <set>", () => {
  it("edits only the Set's failedOver, keeps every comment, and prints the stacks in order", async () => {
    const file = copy();
    const { code, stdout } = await run("--fleet", file, "--json", "failover", "app.gz.1");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      changed: [{ path: 'sets["app.gz.1"].failedOver', from: false, to: true }],
      stacks: ["shanghai", "guangzhou"],
      skipped: [],
    });
    const after = readFileSync(file, "utf8");
    expect(after).toBe(
      demoText.replace(
        "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
        "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
      ),
    );
    const comments = commentLines(after);
    for (const line of commentLines(demoText)) expect(comments).toContain(line);
    const expected = parse(demoText) as { sets: Record<string, Record<string, unknown>> };
    expected.sets["app.gz.1"].failedOver = true;
    expect(parse(after)).toEqual(expected);
  });

  it("writes the fleet the plan describes, adding a missing failedOver in the Set's style", async () => {
    const file = copy();
    const planned = planFailover(loadFleet(file).spec, { sets: ["app.gz.2"] }).fleet;
    expect((await run("--fleet", file, "failover", "app.gz.2")).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain(
      "app.gz.2: { cluster: gz2, standby: bj1, failedOver: true }",
    );
    expect(loadFleet(file).spec).toEqual(planned);
  });

  it("prints what changed, the stacks and the commands as text", async () => {
    const file = copy();
    const { code, stdout } = await run("--fleet", file, "failover", "app.gz.1");
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `failing over app.gz.1: changed ${file}`,
        '  sets["app.gz.1"].failedOver: false → true',
        "apply these stacks, in order:",
        "  1. shanghai   scales up",
        "  2. guangzhou  scales down",
        "commands:",
        `  npx tarsfed up --stack shanghai --fleet ${file}`,
        `  npx tarsfed up --stack guangzhou --fleet ${file}`,
        "or with the Pulumi CLI:",
        "  pulumi up --stack shanghai",
        "  pulumi up --stack guangzhou",
        "",
      ].join("\n"),
    );
  });

  it("round-trips: failback restores the file byte for byte", async () => {
    const file = copy();
    expect((await run("--fleet", file, "failover", "app.gz.1")).code).toBe(0);
    const back = await run("--fleet", file, "--json", "failback", "app.gz.1");
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toEqual({
      changed: [{ path: 'sets["app.gz.1"].failedOver', from: true, to: false }],
      stacks: ["guangzhou", "shanghai"],
      skipped: [],
    });
    expect(readFileSync(file, "utf8")).toBe(demoText);
  });

  it("leads to a diff that touches only the Set's Deployments, replacing nothing", async () => {
    const base = copy();
    const head = copy();
    await run("--fleet", head, "failover", "app.gz.1");
    // The program reads the fleet from its file: plan the two copies, one after the other.
    const before = await planFleet(loadFleet(base), {});
    const after = await planFleet(loadFleet(head), {});
    const diff = diffPlans(before, after);
    expect(diff.summary.replaced).toBe(0);
    const touched = diff.stacks.flatMap((s) => [
      ...s.added.map((r) => `${s.name}+${r.name}`),
      ...s.removed.map((r) => `${s.name}-${r.name}`),
      ...s.changed.map((r) => `${s.name}~${r.name}`),
    ]);
    expect(touched.length).toBeGreaterThan(0);
    for (const name of touched) expect(name).toMatch(/^(guangzhou-gz1|shanghai~sh1)-.*-app-gz-1\b/);
  });

  it("fails when the standby cannot take the load, naming the cluster and the shortfall", async () => {
    const file = copy(tightText);
    const { code, stdout, stderr } = await run("--fleet", file, "failover", "app.gz.1");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "refused: cluster sh1 would be short of 0.7 CPU after failing over app.gz.1 " +
        "(demand 8.5 CPU / 8.5Gi, capacity at node-pool max 7.8 CPU / 13.3Gi); " +
        "scale sh1's node pools first or pass --force",
    );
    expect(readFileSync(file, "utf8")).toBe(tightText);
  });

  it("goes ahead with --force, warning about the shortfall", async () => {
    const file = copy(tightText);
    const { code, stdout, stderr } = await run(
      "--fleet",
      file,
      "--json",
      "failover",
      "app.gz.1",
      "--force",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ stacks: ["shanghai", "guangzhou"] });
    expect(stderr).toContain(
      "warning: cluster sh1 would be short of 0.7 CPU after failing over app.gz.1",
    );
    expect(readFileSync(file, "utf8")).toContain("failedOver: true }");
  });

  it.each([
    [
      ["failover", "app.gz.9"],
      1,
      'unknown Set "app.gz.9", expected app.gz.1, app.gz.2, app.sh.1 or app.bj.1',
    ],
    [
      ["failback", "app.gz.1"],
      1,
      "Set app.gz.1 is not failed over: it runs in its own cluster gz1",
    ],
    [["failover"], 2, "name at least one Set, or pass --region <region>"],
    [["failover", "app.gz.1", "--region", "guangzhou"], 2, "name Sets or pass --region, not both"],
  ])("fails on %j with exit %i", async (argv, exitCode, message) => {
    const file = copy();
    const { code, stderr } = await run("--fleet", file, ...argv);
    expect(code).toBe(exitCode);
    expect(stderr).toBe(message);
    expect(readFileSync(file, "utf8")).toBe(demoText);
  });
});

describe("tarsfed failover --region", () => {
  it("with --dry-run lists no stack of the dark region and leaves the file alone", async () => {
    const file = copy();
    const { code, stdout, stderr } = await run(
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "guangzhou",
      "--dry-run",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      changed: [
        { path: 'sets["app.gz.1"].failedOver', from: false, to: true },
        { path: 'sets["app.gz.2"].failedOver', from: false, to: true },
      ],
      stacks: ["shanghai", "beijing"],
      skipped: ["guangzhou"],
    });
    expect(stderr).toBe(
      "note: guangzhou is the home region: the framework database, tarsweb and tarsnotify stay there",
    );
    expect(readFileSync(file, "utf8")).toBe(demoText);
  });

  it("says in text why the dark region's stack is skipped", async () => {
    const file = copy();
    const { stdout } = await run("--fleet", file, "failover", "--region", "beijing", "--dry-run");
    expect(stdout).toContain(`failing over region beijing (app.bj.1): would change ${file}`);
    expect(stdout).toContain(
      "skipped: beijing (region down: its stack is not applied; the Sets come up from the stacks above)",
    );
    expect(stdout).not.toContain("--stack beijing");
  });

  it("fails back a whole region, its own stack first", async () => {
    const file = copy();
    await run("--fleet", file, "failover", "--region", "guangzhou");
    const { code, stdout } = await run(
      "--fleet",
      file,
      "--json",
      "failback",
      "--region",
      "guangzhou",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      stacks: ["guangzhou", "shanghai", "beijing"],
      skipped: [],
    });
  });
});
