/**
 * `tarsfed scale` on temporary copies of the demo fleet: exactly one value changes, the file is
 * validated and capacity-checked before it is written.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { scaleCommand } from "../../cli/commands/scale";
import { createContext } from "../../cli/context";
import { UserError } from "../../cli/errors";
import { memoryIo } from "../../cli/io";
import { demoText, replaceOnce } from "../fleet/fleet-copies";

async function run(...argv: string[]) {
  const io = memoryIo();
  let code = 0;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const program = new Command().option("--fleet <f>").option("--json");
  program.addCommand(scaleCommand(ctx).exitOverride());
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) code = 2;
    else if (error instanceof UserError) {
      io.err(error.message);
      code = error.exitCode;
    } else throw error;
  }
  return { code, stdout: io.stdout.join(""), stderr: io.stderr.join("") };
}

function copy(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-scale-")), "fleet.yaml");
  writeFileSync(file, demoText);
  return file;
}

describe("tarsfed scale replicas", () => {
  it("changes exactly one value and prints { changed, stacks, skipped }", async () => {
    const file = copy();
    const { code, stdout } = await run(
      "--fleet",
      file,
      "--json",
      "scale",
      "replicas",
      "TestApp.HelloServer",
      "app.gz.1",
      "5",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      changed: [{ path: 'servers["TestApp.HelloServer"].replicas["app.gz.1"]', from: 3, to: 5 }],
      stacks: ["guangzhou"],
      skipped: [],
      phases: [{ effect: "gain", stacks: ["guangzhou"] }],
    });
    expect(readFileSync(file, "utf8")).toBe(
      replaceOnce(
        demoText,
        "replicas: { app.gz.1: 3, app.gz.2: 1,",
        "replicas: { app.gz.1: 5, app.gz.2: 1,",
      ),
    );
  });

  it("adds a server to a Set inside the existing flow map", async () => {
    const file = copy();
    const { code } = await run(
      "--fleet",
      file,
      "scale",
      "replicas",
      "TestApp.OrderServer",
      "app.bj.1",
      "2",
    );
    expect(code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(
      replaceOnce(
        demoText,
        "replicas: { app.gz.1: 2, app.gz.2: 2, app.sh.1: 2 }",
        "replicas: { app.gz.1: 2, app.gz.2: 2, app.sh.1: 2, app.bj.1: 2 }",
      ),
    );
  });

  it("fails when the Set's cluster cannot hold the replicas, unless --force", async () => {
    const file = copy();
    const refused = await run(
      "--fleet",
      file,
      "scale",
      "replicas",
      "TestApp.OrderServer",
      "app.gz.1",
      "80",
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "refused: cluster gz1 would be short of 10.8 CPU after scaling TestApp.OrderServer in app.gz.1 " +
        "to 80 replicas (demand 88.8 CPU / 92.3Gi, capacity at node-pool max 78 CPU / 133Gi); " +
        "scale gz1's node pools first or pass --force",
    );
    expect(readFileSync(file, "utf8")).toBe(demoText);
    const forced = await run(
      "--fleet",
      file,
      "scale",
      "replicas",
      "TestApp.OrderServer",
      "app.gz.1",
      "80",
      "--force",
    );
    expect(forced.code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("replicas: { app.gz.1: 80, app.gz.2: 2");
  });

  it("fails with the validator's message on a value the fleet format refuses", async () => {
    const file = copy();
    const { code, stderr } = await run(
      "--fleet",
      file,
      "scale",
      "replicas",
      "Shop.CartServer",
      "app.bj.1",
      "0",
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `refused: after scaling Shop.CartServer in app.bj.1 to 0 replicas, ${file} would not be valid:\n` +
        `${file}:95:40 servers["Shop.CartServer"].replicas["app.bj.1"]: must be a whole number from 1 to 1000, got 0`,
    );
    expect(readFileSync(file, "utf8")).toBe(demoText);
  });

  it("fails with a usage error on a count that is not a number", async () => {
    const { code } = await run("scale", "replicas", "Shop.CartServer", "app.bj.1", "many");
    expect(code).toBe(2);
  });
});

describe("tarsfed scale pool", () => {
  it("changes only the asked sizes, with --dry-run writing nothing", async () => {
    const file = copy();
    const dry = await run(
      "--fleet",
      file,
      "--json",
      "scale",
      "pool",
      "sh1",
      "highmem",
      "--max",
      "6",
      "--dry-run",
    );
    expect(JSON.parse(dry.stdout)).toEqual({
      changed: [
        { path: "regions.shanghai.clusters.sh1.nodePools.highmem.maxSize", from: 4, to: 6 },
      ],
      // A node pool is the infra stack's: only it is applied.
      stacks: ["shanghai-infra"],
      skipped: [],
      phases: [{ effect: "gain", stacks: ["shanghai-infra"] }],
    });
    expect(readFileSync(file, "utf8")).toBe(demoText);
    const text = await run(
      "--fleet",
      file,
      "scale",
      "pool",
      "sh1",
      "highmem",
      "--max",
      "6",
      "--dry-run",
    );
    expect(text.stdout).toContain(
      `commands, in order, each after the one before succeeded:\n  npx tarsfed up --stack shanghai-infra --yes --fleet ${file}\n`,
    );
    await run("--fleet", file, "scale", "pool", "sh1", "highmem", "--max", "6");
    expect(readFileSync(file, "utf8")).toBe(
      replaceOnce(
        demoText,
        "highmem: { instanceType: M5.2XLARGE32, minSize: 0, maxSize: 4, desiredSize: 1 }",
        "highmem: { instanceType: M5.2XLARGE32, minSize: 0, maxSize: 6, desiredSize: 1 }",
      ),
    );
  });

  it("fails with the validator's messages when min, desired and max disagree", async () => {
    const file = copy();
    const { code, stderr } = await run(
      "--fleet",
      file,
      "scale",
      "pool",
      "sh1",
      "general",
      "--max",
      "1",
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `refused: after setting sh1's node pool general to maxSize 1, ${file} would not be valid:\n` +
        `${file}:58:60 regions.shanghai.clusters.sh1.nodePools.general.minSize: minSize 2 is above maxSize 1\n` +
        `${file}:58:88 regions.shanghai.clusters.sh1.nodePools.general.desiredSize: desiredSize 3 is above maxSize 1`,
    );
    expect(readFileSync(file, "utf8")).toBe(demoText);
  });

  it("fails with a usage error when no size is given", async () => {
    const { code, stderr } = await run("scale", "pool", "sh1", "general");
    expect(code).toBe(2);
    expect(stderr).toBe("give at least one of --min, --max and --desired");
  });

  it("prints nothing to change when the pool already has the sizes", async () => {
    const file = copy();
    const { code, stdout } = await run(
      "--fleet",
      file,
      "scale",
      "pool",
      "bj1",
      "general",
      "--max",
      "8",
    );
    expect(code).toBe(0);
    expect(stdout).toBe("setting bj1's node pool general to maxSize 8: nothing to change\n");
  });
});
