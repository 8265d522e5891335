/**
 * `tarsfed up --moving <sets>` targets each preview and update at the moving Sets' own resources
 * (`cli/engine/targets.ts`), in both phases; `--whole-stack` updates whole stacks. On the pay
 * fleet after `tarsfed failover pay.cd.1 pay.nj.2`, with the fake engine.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { setTargets } from "../../cli/engine/targets";
import { loadFleet } from "../../fleet/model/load";
import { fakeEngine, parse, tarsfed } from "./fake-engine";

function failedOverPay(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-pay-")), "fleet.yaml");
  const text = fs
    .readFileSync("test/fixtures/pay-fleet.yaml", "utf8")
    .replace(
      "standby: nj1, warmStandby: true }",
      "standby: nj1, warmStandby: true, failedOver: true }",
    )
    .replace("standby: sg1 }", "standby: sg1, failedOver: true }");
  fs.writeFileSync(file, text);
  return file;
}

const FILE = failedOverPay();
const FLEET = ["--fleet", FILE];
const MOVING = "pay.cd.1,pay.nj.2";
const targetsOf = (stack: string) => setTargets(loadFleet(FILE).spec, stack, MOVING.split(","));

describe("tarsfed up --moving: targeted at the moving Sets' resources", () => {
  it("targets every preview and update of both phases, each stack at its own list", async () => {
    const { engine, runs } = fakeEngine();
    const { code, stdout } = await tarsfed(
      [...FLEET, "up", "--all", "--moving", MOVING, "--yes", "--json"],
      engine,
    );
    expect(code).toBe(0);
    // Stacks of a wave run in parallel: compare run by run, in a fixed order.
    const seen = runs.map((r) => [r.op, r.stack, r.options.targets] as const);
    const byStack = (a: readonly unknown[], b: readonly unknown[]) =>
      `${String(a[1])}:${String(a[0])}`.localeCompare(`${String(b[1])}:${String(b[0])}`);
    expect([...seen.slice(0, 4)].sort(byStack)).toEqual([
      ["preview", "nanjing", targetsOf("nanjing")],
      ["up", "nanjing", targetsOf("nanjing")],
      ["preview", "singapore", targetsOf("singapore")],
      ["up", "singapore", targetsOf("singapore")],
    ]);
    expect(seen.slice(4)).toEqual([
      ["preview", "chengdu", targetsOf("chengdu")],
      ["up", "chengdu", targetsOf("chengdu")],
      ["preview", "nanjing", targetsOf("nanjing")],
      ["up", "nanjing", targetsOf("nanjing")],
    ]);
    // pay.cd.1's two servers leave cd1 for their warm copies in nj1; pay.nj.2's two leave nj1 for sg1.
    expect(parse(stdout).stacks.map((s) => `${s.phase ?? "-"}:${s.name}:${s.targets}`)).toEqual([
      "gain:nanjing:20",
      "gain:singapore:10",
      "remove:chengdu:10",
      "remove:nanjing:20",
    ]);
  });

  it("still keeps the old copies in phase one and removes them in phase two", async () => {
    const { engine, runs } = fakeEngine();
    await tarsfed([...FLEET, "up", "--all", "--moving", MOVING, "--yes"], engine);
    expect(
      runs.filter((r) => r.op === "up").map((r) => r.options.env?.TARSFED_MOVING_SETS),
    ).toEqual([MOVING, MOVING, "", ""]);
  });

  it("updates whole stacks with --whole-stack, in the same phases", async () => {
    const { engine, runs } = fakeEngine();
    const { code, stdout } = await tarsfed(
      [...FLEET, "up", "--all", "--moving", MOVING, "--whole-stack", "--yes", "--json"],
      engine,
    );
    expect(code).toBe(0);
    expect(runs.every((r) => r.options.targets === undefined)).toBe(true);
    const stacks = parse(stdout).stacks;
    expect(stacks.map((s) => `${s.phase ?? "-"}:${s.name}`)).toEqual([
      "gain:nanjing",
      "gain:singapore",
      "remove:chengdu",
      "remove:nanjing",
    ]);
    expect(stacks.some((s) => "targets" in s)).toBe(false);
  });

  it("targets --stack S --moving at the Sets' resources in S", async () => {
    const { engine, runs } = fakeEngine();
    const { code } = await tarsfed(
      [...FLEET, "up", "--stack", "singapore", "--moving", MOVING, "--yes"],
      engine,
    );
    expect(code).toBe(0);
    expect(runs.map((r) => [r.op, r.options.targets])).toEqual([
      ["preview", targetsOf("singapore")],
      ["up", targetsOf("singapore")],
    ]);
  });

  it("runs phase two of --stack S with --phase remove: the fleet as it is, targeted", async () => {
    const { engine, runs } = fakeEngine();
    const { code, stdout } = await tarsfed(
      [
        ...FLEET,
        "up",
        "--stack",
        "chengdu",
        "--moving",
        MOVING,
        "--phase",
        "remove",
        "--yes",
        "--json",
      ],
      engine,
    );
    expect(code).toBe(0);
    expect(runs.map((r) => [r.op, r.options.env?.TARSFED_MOVING_SETS, r.options.targets])).toEqual([
      ["preview", "", targetsOf("chengdu")],
      ["up", "", targetsOf("chengdu")],
    ]);
    expect(parse(stdout).stacks.map((s) => s.phase)).toEqual(["remove"]);
  });

  it("leaves out of phase two the old copies already gone, and skips a stack with none left", async () => {
    // chengdu only loses pay.cd.1; its state still holds the first server's copy only. nanjing's
    // state holds nothing of the Sets, but its program places pay.cd.1's copies there.
    const chengdu = targetsOf("chengdu");
    const { engine, runs } = fakeEngine({
      chengdu: { urns: chengdu.slice(0, 5) },
      nanjing: { urns: [] },
    });
    const partly = await tarsfed(
      [
        ...FLEET,
        "up",
        "--stack",
        "chengdu",
        "--moving",
        MOVING,
        "--phase",
        "remove",
        "--yes",
        "--json",
      ],
      engine,
    );
    expect(partly.code).toBe(0);
    expect(runs.map((r) => r.options.targets)).toEqual([chengdu.slice(0, 5), chengdu.slice(0, 5)]);
    expect(parse(partly.stdout).stacks.map((s) => s.targets)).toEqual([5]);

    const gone = fakeEngine({ chengdu: { urns: [] } });
    const none = await tarsfed(
      [
        ...FLEET,
        "up",
        "--stack",
        "chengdu",
        "--moving",
        MOVING,
        "--phase",
        "remove",
        "--yes",
        "--json",
      ],
      gone.engine,
    );
    expect(none.code).toBe(0);
    expect(gone.runs).toEqual([]);
    expect(parse(none.stdout).stacks).toEqual([
      {
        name: "chengdu",
        phase: "remove",
        targets: 0,
        status: "ok",
        changes: null,
        message: "the moving Sets' old copies are already gone from this stack: nothing to update",
      },
    ]);

    // Phase two of nanjing keeps the copies its program places (pay.cd.1's), not pay.nj.2's old ones.
    const nj = fakeEngine({ nanjing: { urns: [] } });
    await tarsfed(
      [...FLEET, "up", "--stack", "nanjing", "--moving", MOVING, "--phase", "remove", "--yes"],
      nj.engine,
    );
    expect(nj.runs.map((r) => r.options.targets?.filter((u) => u.includes("pay-nj-2")))).toEqual([
      [],
      [],
    ]);
    expect(nj.runs.map((r) => r.options.targets?.length)).toEqual([10, 10]);
  });

  it("never targets a run without --moving", async () => {
    const { engine, runs } = fakeEngine();
    expect((await tarsfed([...FLEET, "up", "--all", "--yes"], engine)).code).toBe(0);
    expect(runs.every((r) => r.options.targets === undefined)).toBe(true);
  });

  it.each([
    [
      [...FLEET, "up", "--all", "--whole-stack", "--yes"],
      "--whole-stack applies only with --moving <sets>: without it every update is whole",
    ],
    [
      [...FLEET, "up", "--stack", "chengdu", "--moving", "pay.nj.2", "--yes"],
      "--moving pay.nj.2: chengdu holds no copy of these Sets, so an update targeted at them " +
        "would do nothing; name the stacks that hold them, or pass --whole-stack to update the " +
        "whole stack",
    ],
    [
      [...FLEET, "up", "--stack", "chengdu", "--phase", "remove", "--yes"],
      "--phase remove applies only with --moving <sets>",
    ],
    [
      [...FLEET, "up", "--stack", "chengdu", "--moving", MOVING, "--phase", "lose", "--yes"],
      "--phase lose: expected gain or remove",
    ],
    [
      [...FLEET, "up", "--all", "--moving", MOVING, "--phase", "remove", "--yes"],
      "--phase remove: --all --moving runs both phases in order; --phase goes with --stack or --region",
    ],
  ])("fails with exit 2 on %j", async (argv, message) => {
    const { engine, calls } = fakeEngine();
    const { code, stderr } = await tarsfed(argv, engine);
    expect(code).toBe(2);
    expect(stderr).toEqual([message]);
    expect(calls).toEqual(["checkCli"]);
  });
});
