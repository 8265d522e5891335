/**
 * The home master's GTID, which the standby's disaster-recovery replica needs: the home infra
 * stack records it (output `dbGtid`, the provider's `gtid`: "`0` - Not enabled; `1` - Enabled"),
 * and `tarsfed preview`/`up` of the standby infra stack refuse while the recorded value is 0.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { previewCommand, upCommand } from "../../cli/commands/engine";
import { createContext } from "../../cli/context";
import { UserError } from "../../cli/errors";
import { memoryIo } from "../../cli/io";
import { planFleet } from "../../cli/plan/plan-fleet";
import { FleetError } from "../../fleet/model/issues";
import { loadFleet, parseFleet } from "../../fleet/model/load";
import { masterGtidRefusal, masterGtidStack } from "../../fleet/network/database-placement";
import { demoText, replaceOnce } from "../fleet/fleet-copies";
import { fakeEngine, NO_HISTORY } from "./fake-engine";
import { stackOf } from "../components/helpers";

/** The demo fleet with a database standby in shanghai (as stacks/fleet.yaml has it). */
const standbyText = demoText.includes("standbyRegion: shanghai")
  ? demoText
  : replaceOnce(demoText, "memoryMb: 4000", "memoryMb: 4000, standbyRegion: shanghai");

function copy(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-gtid-")), "fleet.yaml");
  writeFileSync(file, text);
  return file;
}

async function run(build: (ctx: ReturnType<typeof createContext>) => Command[], ...argv: string[]) {
  const io = memoryIo();
  let code = 0;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const program = new Command().option("--fleet <f>").option("--json").exitOverride();
  for (const c of build(ctx)) program.addCommand(c.exitOverride());
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof UserError || error instanceof FleetError)) throw error;
    io.err(error.message);
    code = error instanceof UserError ? error.exitCode : 1;
  }
  return { code, stdout: io.stdout.join(""), stderr: io.stderr.join("\n") };
}

const REFUSAL =
  "refused: shanghai-infra holds the database's disaster-recovery replica of the home master, which needs GTID, and guangzhou-infra records the master's GTID as not enabled (output dbGtid: 0). Enable it on the master (TencentDB console, or the OpenDBInstanceGTID API: https://www.tencentcloud.com/document/api/236/17489), then record it: pulumi refresh --stack guangzhou-infra, and tarsfed up --stack guangzhou-infra --yes (tarsfed up never refreshes). README: Losing the home region";

/** Commands whose engine is fake and whose stack outputs are `outputs` (read calls logged). */
function commands(outputs: Record<string, Record<string, unknown>>) {
  const { engine, calls } = fakeEngine();
  const reads: string[] = [];
  const stackOutputs = (stack: string) => {
    reads.push(stack);
    const found = outputs[stack];
    return found === undefined
      ? Promise.reject(new Error(`no stack ${stack}`))
      : Promise.resolve(found);
  };
  const build = (ctx: ReturnType<typeof createContext>) => [
    upCommand(ctx, { engine, history: () => NO_HISTORY, stackOutputs }),
    previewCommand(ctx, { engine, history: () => NO_HISTORY, stackOutputs }),
  ];
  return { build, calls, reads };
}

describe("the home master's GTID", () => {
  it("is exported by the home infra stack, from the master's gtid output", async () => {
    const plan = await planFleet(loadFleet("stacks/fleet.yaml"));
    // The offline cloud's master has GTID on.
    expect(stackOf(plan, "guangzhou-infra").outputs.dbGtid).toBe(1);
    expect(Object.keys(stackOf(plan, "shanghai-infra").outputs)).not.toContain("dbGtid");
  });

  it("refuses preview and up of the standby infra stack while recorded as not enabled, before any engine run", async () => {
    const { build, calls, reads } = commands({ "guangzhou-infra": { dbGtid: 0 } });
    for (const argv of [
      ["preview", "--stack", "shanghai-infra"],
      ["preview", "--region", "shanghai"],
      ["up", "--stack", "shanghai-infra", "--yes"],
      ["up", "--all", "--yes"],
    ]) {
      const r = await run(build, "--fleet", copy(standbyText), ...argv);
      expect([argv.join(" "), r.code, r.stderr]).toEqual([argv.join(" "), 1, REFUSAL]);
    }
    expect(calls.filter((c) => c !== "checkCli")).toEqual([]);
    expect([...new Set(reads)]).toEqual(["guangzhou-infra"]);
  });

  it("runs when GTID is recorded as enabled, or not recorded at all (a new fleet)", async () => {
    const cases: Record<string, Record<string, unknown>>[] = [
      { "guangzhou-infra": { dbGtid: 1 } },
      { "guangzhou-infra": {} },
      {},
    ];
    for (const outputs of cases) {
      const { build, calls } = commands(outputs);
      const r = await run(
        build,
        "--fleet",
        copy(standbyText),
        "preview",
        "--stack",
        "shanghai-infra",
      );
      expect([JSON.stringify(outputs), r.code]).toEqual([JSON.stringify(outputs), 0]);
      expect(calls).toContain("preview-end:shanghai-infra");
    }
  });

  it("reads nothing for the other stacks, nor without a standby", async () => {
    const { build, reads } = commands({ "guangzhou-infra": { dbGtid: 0 } });
    const r = await run(build, "--fleet", copy(standbyText), "preview", "--stack", "beijing-infra");
    expect([r.code, reads]).toEqual([0, []]);
    const fleet = parseFleet(standbyText, "fleet.yaml").spec;
    expect(masterGtidStack(fleet, ["guangzhou-infra", "guangzhou", "shanghai"])).toBeUndefined();
    expect(masterGtidStack(fleet, ["shanghai-infra"])).toBe("guangzhou-infra");
    const plain = loadFleet("test/fixtures/small-fleet.yaml").spec;
    expect(masterGtidStack(plain, ["sh-infra"])).toBeUndefined();
    expect(masterGtidRefusal(plain, 0)).toBeUndefined();
  });

  it("is not checked once the standby serves: its DR resource follows no live master", () => {
    const failedOver = parseFleet(
      replaceOnce(
        standbyText,
        "standbyRegion: shanghai",
        "standbyRegion: shanghai, servingRegion: shanghai",
      ),
      "fleet.yaml",
    ).spec;
    expect(masterGtidStack(failedOver, ["shanghai-infra"])).toBeUndefined();
  });
});
