import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { PROJECT_POLICY_PACK, PROJECT_ROOT } from "../../cli/commands/engine";
import {
  automationEngine,
  commandFailureReason,
  deployedState,
  resourceStep,
  spawnErrorCode,
  unreachableResource,
} from "../../cli/engine/automation";
import {
  type EngineRunOptions,
  EngineRunError,
  PULUMI_CLI_MISSING,
  pulumiCliMissing,
} from "../../cli/engine/engine";
import { lineSplitter } from "../../cli/engine/lines";
import { stackConfigToSet } from "../../cli/engine/stack-setup";
import { UserError } from "../../cli/errors";
import { fakeEngine, parse, statuses, tarsfed } from "./fake-engine";

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("tarsfed up / preview over a fake engine", () => {
  it("updates global, the infra stacks, the home TARS stack, then the others in parallel", async () => {
    const shanghai = deferred();
    const beijing = deferred();
    const { engine, calls } = fakeEngine({
      shanghai: { gate: shanghai.promise },
      beijing: { gate: beijing.promise },
    });
    const run = tarsfed(["up", "--all", "--yes", "--json"], engine);
    await vi.waitFor(() =>
      expect(calls).toEqual(
        expect.arrayContaining(["preview-start:shanghai", "preview-start:beijing"]),
      ),
    );
    expect(calls.filter((c) => /^preview-end:(shanghai|beijing)$/.test(c))).toEqual([]);
    shanghai.resolve();
    beijing.resolve();
    const { code, stdout } = await run;

    expect(code).toBe(0);
    const global = calls.indexOf("up:global");
    const homeInfra = calls.indexOf("open:guangzhou-infra");
    expect(calls.slice(0, 2)).toEqual(["checkCli", "open:global"]);
    expect(global).toBeLessThan(homeInfra);
    expect(calls.indexOf("up:guangzhou-infra")).toBeLessThan(calls.indexOf("open:shanghai-infra"));
    expect(calls.indexOf("up:beijing-infra")).toBeLessThan(calls.indexOf("open:guangzhou"));
    expect(calls.indexOf("up:guangzhou")).toBeLessThan(calls.indexOf("open:shanghai"));
    expect(calls.indexOf("up:guangzhou")).toBeLessThan(calls.indexOf("open:beijing"));
    expect(parse(stdout)).toEqual({
      command: "up",
      stacks: [
        "global",
        "guangzhou-infra",
        "shanghai-infra",
        "beijing-infra",
        "guangzhou",
        "shanghai",
        "beijing",
      ].map((name) => ({
        name,
        status: "ok",
        changes: { create: 2, update: 0, delete: 0, replace: 0, same: 3 },
      })),
    });
  });

  it("prefixes each stack's engine output with the stack on stderr", async () => {
    const { engine } = fakeEngine();
    const { stderr } = await tarsfed(["preview", "--stack", "shanghai"], engine);
    expect(stderr).toEqual(["[shanghai] previewing shanghai"]);
  });

  it("previews without updating, and prints a table", async () => {
    const { engine, calls } = fakeEngine();
    const { code, stdout } = await tarsfed(["preview", "--all"], engine);
    expect(code).toBe(0);
    expect(calls.filter((c) => c.startsWith("up:"))).toEqual([]);
    expect(stdout).toMatch(/global\s+│?\s*ok/);
  });

  it("leaves out a region given with --skip-region and reports it skipped", async () => {
    const { engine, calls } = fakeEngine();
    const { code, stdout } = await tarsfed(
      ["up", "--all", "--yes", "--skip-region", "beijing", "--json"],
      engine,
    );
    expect(code).toBe(0);
    expect(calls).not.toContain("open:beijing");
    expect(calls).not.toContain("open:beijing-infra");
    expect(
      parse(stdout)
        .stacks.filter((s) => s.status === "skipped")
        .map((s) => [s.name, s.message]),
    ).toEqual([
      ["beijing-infra", "left out with --skip-region beijing"],
      ["beijing", "left out with --skip-region beijing"],
    ]);
  });

  it("runs both stacks of a region with --region, its infra stack first", async () => {
    const { engine, calls } = fakeEngine();
    const { code, stdout } = await tarsfed(
      ["up", "--region", "shanghai", "--yes", "--json"],
      engine,
    );
    expect(code).toBe(0);
    expect(calls.filter((c) => c.startsWith("up:"))).toEqual(["up:shanghai-infra", "up:shanghai"]);
    expect(calls.indexOf("up:shanghai-infra")).toBeLessThan(calls.indexOf("open:shanghai"));
    expect(parse(stdout).stacks.map((s) => s.name)).toEqual(["shanghai-infra", "shanghai"]);
  });

  it("fails to update a stack whose preview deletes 30% of it, and runs no later wave", async () => {
    const { engine, calls } = fakeEngine({
      guangzhou: { changes: { delete: 2, replace: 1, same: 7 }, resources: 10 },
    });
    const { code, stdout } = await tarsfed(["up", "--all", "--yes", "--json"], engine);
    expect(code).toBe(1);
    expect(calls).not.toContain("up:guangzhou");
    const result = parse(stdout);
    expect(statuses(result)).toEqual({
      global: "ok",
      "guangzhou-infra": "ok",
      "shanghai-infra": "ok",
      "beijing-infra": "ok",
      guangzhou: "refused",
      shanghai: "not-run",
      beijing: "not-run",
    });
    expect(result.stacks[4]?.message).toBe(
      "up of guangzhou would delete or replace 3 of its 10 resources (30%), more than the 20% " +
        "--max-delete-share allows; review it with `tarsfed preview --stack guangzhou`, then " +
        "pass --allow-deletes to go ahead",
    );
    expect(result.stacks[5]?.message).toBe("guangzhou did not succeed");
  });

  it("fails to update a stack with resources whose preview has no change summary", async () => {
    const { engine, calls } = fakeEngine({ global: { changes: {}, resources: 4 } });
    const { code, stdout } = await tarsfed(["up", "--stack", "global", "--yes", "--json"], engine);
    expect(code).toBe(1);
    expect(calls).not.toContain("up:global");
    expect(parse(stdout).stacks[0]?.message).toBe(
      "the preview of global reported no change summary, so what up would delete is unknown; " +
        "review it with `tarsfed preview --stack global`, then pass --allow-deletes to go ahead",
    );
  });

  it("updates a stack with 30% deletions with --allow-deletes or a larger share", async () => {
    const specs = { guangzhou: { changes: { delete: 3, same: 7 }, resources: 10 } };
    for (const flag of [["--allow-deletes"], ["--max-delete-share", "0.3"]]) {
      const { engine, calls } = fakeEngine(specs);
      const { code } = await tarsfed(["up", "--stack", "guangzhou", "--yes", ...flag], engine);
      expect(code).toBe(0);
      expect(calls).toContain("up:guangzhou");
    }
  });

  it("fails with exit 3 when the engine fails in the home wave, leaving the last wave not run", async () => {
    const { engine, calls } = fakeEngine({
      guangzhou: { upError: new EngineRunError("error: the TKE API timed out") },
    });
    const { code, stdout } = await tarsfed(["up", "--all", "--yes", "--json"], engine);
    expect(code).toBe(3);
    expect(calls).not.toContain("open:shanghai");
    const result = parse(stdout);
    expect(result.stacks[4]).toEqual({
      name: "guangzhou",
      status: "failed",
      changes: { create: 2, update: 0, delete: 0, replace: 0, same: 3 },
      message: "error: the TKE API timed out",
    });
    expect(statuses(result)).toMatchObject({ shanghai: "not-run", beijing: "not-run" });
  });

  it("fails with exit 1 on a mandatory policy violation", async () => {
    const violation = "tencent-guardrails/vpc-cni: cluster gz1 uses GR";
    const { engine } = fakeEngine({
      global: { previewError: new EngineRunError("error: preview failed", [violation]) },
    });
    const { code, stdout } = await tarsfed(
      ["preview", "--all", "--policy-pack", "policies", "--json"],
      engine,
    );
    expect(code).toBe(1);
    expect(parse(stdout).stacks[0]).toEqual({
      name: "global",
      status: "refused",
      changes: null,
      message: `mandatory policy violations:\n  ${violation}`,
    });
  });

  it("fails with exit 1 and the install hint when the Pulumi CLI is missing, before other checks", async () => {
    const { engine, calls } = fakeEngine({}, pulumiCliMissing());
    const { code, stderr } = await tarsfed(["up"], engine);
    expect(code).toBe(1);
    expect(stderr).toEqual([PULUMI_CLI_MISSING]);
    expect(calls).toEqual(["checkCli"]);
  });

  it.each([
    [["up", "--all"], "tarsfed up changes cloud resources; pass --yes to confirm"],
    [["up", "--yes"], "give --stack S, --region R or --all"],
    [["preview", "--all", "--stack", "global"], "give one of --stack S, --region R or --all"],
    [
      ["preview", "--stack", "tokyo"],
      '--stack tokyo: no stack "tokyo" in the fleet (stacks: global, guangzhou-infra, shanghai-infra, beijing-infra, guangzhou, shanghai, beijing)',
    ],
    [
      ["preview", "--region", "tokyo"],
      '--region tokyo: no region "tokyo" in the fleet (regions: guangzhou, shanghai, beijing)',
    ],
    [
      ["preview", "--all", "--skip-region", "global"],
      "--skip-region global: the global stack cannot be skipped (it is not a region)",
    ],
    [
      ["preview", "--all", "--skip-region", "tokyo"],
      '--skip-region tokyo: no region "tokyo" in the fleet (regions: guangzhou, shanghai, beijing)',
    ],
    [
      ["up", "--all", "--yes", "--max-delete-share", "1.5"],
      '--max-delete-share must be a fraction from 0 to 1 (e.g. 0.2), got "1.5"',
    ],
    [
      ["preview", "--all", "--policy-pack", "no-such-dir"],
      "--policy-pack no-such-dir: no such directory",
    ],
  ])("fails with exit 2 on %j", async (argv, message) => {
    const { engine, calls } = fakeEngine();
    const { code, stderr } = await tarsfed(argv, engine);
    expect(code).toBe(2);
    expect(stderr).toEqual([message]);
    expect(calls).toEqual(["checkCli"]);
  });
});

/** Issue 14's example after `tarsfed failover pay.cd.1 pay.nj.2`: the fleet `up` then applies. */
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

const PAY = ["--fleet", failedOverPay()];
const MOVING = "pay.cd.1,pay.nj.2";
const unreachable = (resource: string) =>
  new EngineRunError(
    "error: configured Kubernetes cluster is unreachable: dial tcp 10.60.0.10:443: i/o timeout",
    [],
    [resource],
  );

describe("tarsfed up after a failover: two phases", () => {
  it("runs every gaining stack with the old copies kept, then the losing stacks", async () => {
    const { engine, calls, runs } = fakeEngine();
    const { code, stdout } = await tarsfed(
      [...PAY, "up", "--all", "--moving", MOVING, "--yes", "--json"],
      engine,
    );
    expect(code).toBe(0);
    const ups = runs.filter((r) => r.op === "up");
    const switches = (env: EngineRunOptions["env"]) =>
      Object.fromEntries(Object.entries(env ?? {}).filter(([k]) => k !== "TARSFED_FLEET_SNAPSHOT"));
    // TARS stacks only: a failover touches no infra stack and not global.
    expect(ups.map((r) => [r.stack, switches(r.options.env)])).toEqual([
      ["nanjing", { TARSFED_MOVING_SETS: MOVING, PULUMI_K8S_SKIP_UPDATE_UNREACHABLE: "false" }],
      ["singapore", { TARSFED_MOVING_SETS: MOVING, PULUMI_K8S_SKIP_UPDATE_UNREACHABLE: "false" }],
      ["chengdu", { TARSFED_MOVING_SETS: "", PULUMI_K8S_SKIP_UPDATE_UNREACHABLE: "false" }],
      ["nanjing", { TARSFED_MOVING_SETS: "", PULUMI_K8S_SKIP_UPDATE_UNREACHABLE: "false" }],
    ]);
    // No stack of the second phase starts before every stack of the first is updated.
    expect(calls.lastIndexOf("up:singapore")).toBeLessThan(calls.indexOf("open:chengdu"));
    expect(parse(stdout).stacks.map((s) => `${s.phase ?? "-"}:${s.name}:${s.status}`)).toEqual([
      "gain:nanjing:ok",
      "gain:singapore:ok",
      "remove:chengdu:ok",
      "remove:nanjing:ok",
    ]);
  });

  it("fails with exit 3 and removes nothing when a gaining cluster is unreachable, naming it", async () => {
    const { engine, calls } = fakeEngine({
      singapore: { upError: unreachable("sg1-pay-gatewayserver-pay-nj-2-deployment") },
    });
    const { code, stdout } = await tarsfed(
      [...PAY, "up", "--all", "--moving", MOVING, "--yes", "--json"],
      engine,
    );
    expect(code).toBe(3);
    expect(calls.filter((c) => c.startsWith("up:"))).toEqual(
      ["up:nanjing", "up:singapore"].filter((c) => calls.includes(c)),
    );
    expect(calls).not.toContain("open:chengdu");
    expect(calls.filter((c) => c === "up:nanjing")).toHaveLength(1);
    const result = parse(stdout);
    expect(result.stacks.find((s) => s.name === "singapore")).toEqual({
      name: "singapore",
      phase: "gain",
      // pay.nj.2's two servers in sg1, five resources each (`cli/engine/targets.ts`).
      targets: 10,
      status: "failed",
      changes: { create: 2, update: 0, delete: 0, replace: 0, same: 3 },
      message:
        "cluster sg1 of stack singapore is unreachable (configured Kubernetes cluster is " +
        "unreachable); this stack must gain, so the failover stops here and no old copy is removed",
    });
    const removals = result.stacks.filter((s) => s.phase === "remove");
    expect(removals.map((s) => [s.name, s.status, s.message])).toEqual([
      ["chengdu", "not-run", "phase gain did not succeed (singapore), so no old copy is removed"],
      ["nanjing", "not-run", "phase gain did not succeed (singapore), so no old copy is removed"],
    ]);
  });

  it("lets only the stacks that only lose skip unreachable clusters, and only with --skip-unreachable", async () => {
    const { engine, runs } = fakeEngine();
    const { code } = await tarsfed(
      [...PAY, "up", "--all", "--moving", MOVING, "--skip-unreachable", "--yes"],
      engine,
    );
    expect(code).toBe(0);
    const skipping = runs
      .filter((r) => r.options.env?.PULUMI_K8S_SKIP_UPDATE_UNREACHABLE === "true")
      .map((r) => `${r.op}:${r.stack}`);
    expect(skipping).toEqual(["preview:chengdu", "up:chengdu"]);
  });

  it("fails an only-losing stack on an unreachable cluster without --skip-unreachable", async () => {
    const { engine } = fakeEngine({ chengdu: { upError: unreachable("cd1-tars-registry") } });
    const { code, stdout } = await tarsfed(
      [...PAY, "up", "--all", "--moving", MOVING, "--yes", "--json"],
      engine,
    );
    expect(code).toBe(3);
    expect(parse(stdout).stacks.find((s) => s.name === "chengdu")?.message).toBe(
      "cluster cd1 of stack chengdu is unreachable (configured Kubernetes cluster is unreachable)",
    );
  });

  it("sets both switches off in a plain run, whatever the shell has", async () => {
    const { engine, runs } = fakeEngine();
    expect((await tarsfed(["up", "--all", "--yes"], engine)).code).toBe(0);
    for (const r of runs)
      expect(r.options.env).toEqual({
        TARSFED_MOVING_SETS: "",
        PULUMI_K8S_SKIP_UPDATE_UNREACHABLE: "false",
        TARSFED_FLEET_SNAPSHOT: expect.stringMatching(/tarsfed-run-.*fleet\.yaml$/) as string,
      });
  });

  it("keeps the old copies of --stack S with --moving: phase one of that stack", async () => {
    const { engine, runs } = fakeEngine();
    const { code, stdout } = await tarsfed(
      [...PAY, "up", "--stack", "nanjing", "--moving", MOVING, "--yes", "--json"],
      engine,
    );
    expect(code).toBe(0);
    expect(runs.map((r) => `${r.op}:${r.stack}:${r.options.env?.TARSFED_MOVING_SETS}`)).toEqual([
      `preview:nanjing:${MOVING}`,
      `up:nanjing:${MOVING}`,
    ]);
    expect(parse(stdout).stacks.map((s) => s.phase)).toEqual(["gain"]);
  });

  it.each([
    [
      [...PAY, "up", "--all", "--yes", "--skip-unreachable"],
      "--skip-unreachable applies only to `--all --moving <sets>`, to the stacks that only " +
        "lose Sets (the dark region's)",
    ],
    [
      [...PAY, "up", "--stack", "nanjing-infra", "--yes", "--moving", MOVING],
      "--moving applies to TARS stacks, where Sets run; nanjing-infra holds no Set (TARS stacks: chengdu, nanjing, singapore)",
    ],
    [
      [...PAY, "up", "--all", "--yes", "--moving", "pay.cd.1,pay.xx.9"],
      '--moving pay.xx.9: no Set "pay.xx.9" with a standby in the fleet (Sets with a standby: pay.cd.1, pay.nj.2, pay.sg.3)',
    ],
  ])("fails with exit 2 on %j", async (argv, message) => {
    const { engine } = fakeEngine();
    const { code, stderr } = await tarsfed(argv, engine);
    expect(code).toBe(2);
    expect(stderr).toEqual([message]);
  });
});

describe("tarsfed up applies exactly the plan its guard checked", () => {
  const FAILOVER = [
    "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
    "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
  ] as const;

  it("reads the fleet once: preview and update deploy one copy, and the update applies the saved plan", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-once-")), "fleet.yaml");
    const read = fs.readFileSync("stacks/fleet.yaml", "utf8");
    fs.writeFileSync(file, read);
    const atUp: { snapshot?: string; plan?: string } = {};
    const { engine, runs } = fakeEngine({
      shanghai: {
        afterPreview: (options) => {
          // The engine saves the plan it previewed (pulumi preview --save-plan)…
          fs.writeFileSync(options.plan ?? "", "the plan shanghai's preview showed");
          // …while someone else fails a Set over in the file.
          fs.writeFileSync(file, read.replace(...FAILOVER));
        },
        beforeUp: (options) => {
          atUp.snapshot = fs.readFileSync(options.env?.TARSFED_FLEET_SNAPSHOT ?? "", "utf8");
          atUp.plan = fs.readFileSync(options.plan ?? "", "utf8");
        },
      },
    });
    const argv = ["--fleet", file, "up", "--stack", "shanghai", "--yes"];
    expect((await tarsfed(argv, engine)).code).toBe(0);
    const [preview, up] = runs;
    expect([preview?.op, up?.op]).toEqual(["preview", "up"]);
    // The update is constrained to the file the preview saved its plan to.
    expect(preview?.options.plan).toMatch(/tarsfed-run-[^/]+\/shanghai\.plan\.json$/);
    expect(up?.options.plan).toBe(preview?.options.plan);
    expect(atUp.plan).toBe("the plan shanghai's preview showed");
    // Both deploy the text read when the command started, not the file as it is by then.
    const snapshot = preview?.options.env?.TARSFED_FLEET_SNAPSHOT;
    expect(up?.options.env?.TARSFED_FLEET_SNAPSHOT).toBe(snapshot);
    expect(atUp.snapshot).toBe(read);
    expect(fs.readFileSync(file, "utf8")).not.toBe(read);
    // The copy and the plans are gone with the command.
    expect(fs.existsSync(path.dirname(snapshot ?? ""))).toBe(false);
  });

  it("saves a plan per phase when a stack runs in both phases of a failover", async () => {
    const { engine, runs } = fakeEngine();
    const argv = [...PAY, "up", "--all", "--moving", MOVING, "--yes"];
    expect((await tarsfed(argv, engine)).code).toBe(0);
    const nanjing = runs.filter((r) => r.stack === "nanjing");
    expect(nanjing.map((r) => `${r.op}:${path.basename(r.options.plan ?? "")}`)).toEqual([
      "preview:nanjing-gain.plan.json",
      "up:nanjing-gain.plan.json",
      "preview:nanjing-remove.plan.json",
      "up:nanjing-remove.plan.json",
    ]);
  });

  it("saves no plan for a preview alone", async () => {
    const { engine, runs } = fakeEngine();
    expect((await tarsfed(["preview", "--stack", "global"], engine)).code).toBe(0);
    expect(runs.map((r) => [r.op, r.options.plan])).toEqual([["preview", undefined]]);
  });
});

describe("tarsfed up and preview: the project's policies always on", () => {
  it("enforces the project's policy pack without --policy-pack", async () => {
    const { engine, runs } = fakeEngine();
    expect((await tarsfed(["up", "--stack", "global", "--yes"], engine)).code).toBe(0);
    expect(runs.map((r) => r.options.policyPacks)).toEqual([
      [PROJECT_POLICY_PACK],
      [PROJECT_POLICY_PACK],
    ]);
    expect(fs.existsSync(path.join(PROJECT_POLICY_PACK, "PulumiPolicy.yaml"))).toBe(true);
  });

  it("adds a --policy-pack to the project's, once", async () => {
    const { engine, runs } = fakeEngine();
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-pack-"));
    await tarsfed(["preview", "--stack", "global", "--policy-pack", other], engine);
    await tarsfed(["preview", "--stack", "global", "--policy-pack", "policies"], engine);
    expect(runs.map((r) => r.options.policyPacks)).toEqual([
      [PROJECT_POLICY_PACK, other],
      [PROJECT_POLICY_PACK],
    ]);
  });

  it("fails with exit 1 before running anything when the project's pack cannot be loaded", async () => {
    const { engine, calls } = fakeEngine();
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-nopack-"));
    const { code, stderr } = await tarsfed(["preview", "--all"], engine, broken);
    expect(code).toBe(1);
    expect(stderr).toEqual([
      `refused: cannot load the project's policy pack ${broken}: no PulumiPolicy.yaml; ` +
        "tarsfed preview and up always enforce it",
    ]);
    expect(calls).toEqual(["checkCli"]);
  });
});

describe("automationEngine (real Automation API)", () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it("fails with exit 1 and says what to install when no pulumi is on PATH", async () => {
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-empty-path-"));
    const check = automationEngine(PROJECT_ROOT).checkCli();
    await expect(check).rejects.toThrow(PULUMI_CLI_MISSING);
    await expect(check).rejects.toMatchObject({ exitCode: 1 });

    const { code, stdout, stderr } = await tarsfed(
      ["up", "--all", "--yes"],
      automationEngine(PROJECT_ROOT),
    );
    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: "", stderr: [PULUMI_CLI_MISSING] });
  });

  it("reads the spawn error code and the stderr of a failed CLI command", () => {
    const error = Object.assign(
      new Error(
        "code: 255\n stdout: Previewing update (global)\n stderr: warning: x\nerror: no credentials\n err?: \n",
      ),
      { commandResult: { err: { code: "ENOENT" } } },
    );
    expect(spawnErrorCode(error)).toBe("ENOENT");
    expect(spawnErrorCode(new Error("x"))).toBeUndefined();
    expect(commandFailureReason(error)).toBe("warning: x\nerror: no credentials");
    expect(commandFailureReason(new Error("code: 1\n stdout: \n stderr: \n err?: \n"))).toBe(
      "pulumi exited with code 1",
    );
  });
});

describe("engine helpers", () => {
  it("names the resource an unreachable-cluster error diagnostic is about, and nothing else", () => {
    const event = (severity: "error" | "warning", message: string) => ({
      sequence: 1,
      timestamp: 0,
      diagnosticEvent: {
        urn: "urn:pulumi:singapore::tars-federation::tarsfed:tars:TarsSetDeployment$kubernetes:apps/v1:Deployment::sg1-pay-gatewayserver-pay-nj-2-deployment",
        message,
        color: "never",
        severity,
      },
    });
    const down = "configured Kubernetes cluster is unreachable: unable to load schema information";
    expect(unreachableResource(event("error", down))).toBe(
      "sg1-pay-gatewayserver-pay-nj-2-deployment",
    );
    expect(unreachableResource(event("warning", down))).toBeUndefined();
    expect(unreachableResource(event("error", "update failed"))).toBeUndefined();
  });

  it("reads a preview's resource operations from its step events, and nothing else", () => {
    const urn =
      "urn:pulumi:guangzhou::tars-federation::tencentcloud:index/clbInstance:ClbInstance::web-clb";
    const metadata = {
      op: "replace" as const,
      urn,
      type: "tencentcloud:index/clbInstance:ClbInstance",
      keys: ["subnetId"],
      diffs: ["subnetId"],
      provider: "",
    };
    expect(resourceStep({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata } })).toEqual({
      op: "replace",
      urn,
      type: "tencentcloud:index/clbInstance:ClbInstance",
      keys: ["subnetId"],
      diffs: ["subnetId"],
    });
    expect(
      resourceStep({ sequence: 2, timestamp: 0, stdoutEvent: { message: "", color: "never" } }),
    ).toBeUndefined();
  });

  it("reads a stack's resource count and its root outputs from its exported state", () => {
    const deployment = {
      resources: [
        {
          type: "pulumi:pulumi:Stack",
          urn: "urn:pulumi:global::tars-federation::pulumi:pulumi:Stack::tars-federation-global",
          outputs: { fleetRevision: "ab12", homeRegion: "guangzhou" },
        },
        { type: "pulumi:providers:tencentcloud", urn: "urn:…" },
      ],
    };
    expect(deployedState(deployment)).toEqual({
      resources: 2,
      outputs: { fleetRevision: "ab12", homeRegion: "guangzhou" },
      // What a targeted update may name (`reachableTargets`).
      urns: [
        "urn:pulumi:global::tars-federation::pulumi:pulumi:Stack::tars-federation-global",
        "urn:…",
      ],
    });
    // A stack never updated exports no resources.
    expect(deployedState({ manifest: {} })).toEqual({ resources: 0, outputs: {}, urns: [] });
    expect(deployedState(undefined)).toEqual({ resources: 0, outputs: {}, urns: [] });
  });

  it("splits output chunks into whole lines", () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    splitter.write("Previewing upd");
    splitter.write("ate (global)\r\n + vpc create\n +");
    splitter.write(" subnet");
    splitter.end();
    expect(lines).toEqual(["Previewing update (global)", " + vpc create", " + subnet"]);
  });

  it("sets scope and region on a stack with no config, deploying the default fleet", () => {
    const fleet = loadFleet("stacks/fleet.yaml");
    expect(stackConfigToSet(fleet, "global", {}, PROJECT_ROOT)).toEqual({
      "tars-federation:scope": "global",
      "tencentcloud:region": "ap-guangzhou",
    });
    const configured = { "tars-federation:scope": "beijing", "tencentcloud:region": "ap-beijing" };
    expect(stackConfigToSet(fleet, "beijing", configured, PROJECT_ROOT)).toEqual({});
  });

  it("points a new stack at another fleet file, relative to the project", () => {
    const fleet = loadFleet("test/fixtures/small-fleet.yaml");
    expect(stackConfigToSet(fleet, "sh-infra", {}, PROJECT_ROOT)).toEqual({
      "tars-federation:scope": "sh-infra",
      "tencentcloud:region": "ap-shanghai",
      "tars-federation:fleet": path.join("test", "fixtures", "small-fleet.yaml"),
    });
    // A TARS stack has no Tencent Cloud provider: no region to set.
    expect(stackConfigToSet(fleet, "sh", {}, PROJECT_ROOT)).toEqual({
      "tars-federation:scope": "sh",
      "tars-federation:fleet": path.join("test", "fixtures", "small-fleet.yaml"),
    });
  });

  it.each([
    [
      "another scope",
      "stacks/fleet.yaml",
      "beijing",
      { "tars-federation:scope": "shanghai" },
      'stack beijing has tars-federation:scope "shanghai" in its stack config, expected "beijing"; ' +
        "fix it with: pulumi config set tars-federation:scope beijing --stack beijing",
    ],
    [
      "another fleet file",
      "test/fixtures/small-fleet.yaml",
      "sh",
      { "tars-federation:scope": "sh" },
      "stack sh deploys the fleet file stacks/fleet.yaml (tars-federation:fleet), not " +
        "test/fixtures/small-fleet.yaml; run tarsfed with that --fleet, or change the stack with: " +
        "pulumi config set tars-federation:fleet test/fixtures/small-fleet.yaml --stack sh",
    ],
  ])("fails on a stack configured for %s", (_, file, stack, current, message) => {
    expect(() => stackConfigToSet(loadFleet(file), stack, current, PROJECT_ROOT)).toThrow(
      new UserError(message),
    );
  });
});
