/**
 * `tarsfed failover` and `tarsfed failback` on temporary copies of the demo fleet: what the file
 * looks like afterwards, the `{ changed, stacks, skipped }` document, refusals and exit codes.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { failbackCommand, failoverCommand } from "../../cli/commands/failover";
import { defaultOperationDeps, type OperationDeps } from "../../cli/commands/fleet-operation";
import { createContext } from "../../cli/context";
import { diffPlans } from "../../cli/diff/compare";
import { UserError } from "../../cli/errors";
import { memoryIo } from "../../cli/io";
import { planFleet } from "../../cli/plan/plan-fleet";
import { FleetError } from "../../fleet/model/issues";
import { loadFleet } from "../../fleet/model/load";
import { planFailover } from "../../fleet/operations/operations";
import { MOVING_SETS_ENV } from "../../fleet/operations/transition";
import {
  FileConflictError,
  FileLockedError,
  replaceFileChecked,
  withFileLock,
} from "../../cli/files";
import { demoText, tightText } from "../fleet/fleet-copies";

/** Runs the commands as `main()` would: user errors print their message and set the exit code. */
async function run(...argv: string[]) {
  return runWith(defaultOperationDeps, ...argv);
}

/** {@link run} with other dependencies. */
async function runWith(deps: OperationDeps, ...argv: string[]) {
  const io = memoryIo();
  let code = 0;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const program = new Command().option("--fleet <f>").option("--json");
  program.addCommand(failoverCommand(ctx, deps).exitOverride());
  program.addCommand(failbackCommand(ctx, deps).exitOverride());
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

/** A `--json` document's targeted updates, each target list cut down to its Deployments' names. */
function updatesOf(stdout: string) {
  const { updates } = JSON.parse(stdout) as {
    updates: { phase: string; stack: string; command: string; targets: string[] }[];
  };
  return updates.map((u) => ({
    ...u,
    targets: u.targets
      .filter((urn) => urn.includes("$kubernetes:apps/v1:Deployment::"))
      .map((urn) => urn.slice(urn.lastIndexOf("::") + 2)),
  }));
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
      phases: [
        { effect: "gain", stacks: ["shanghai"] },
        { effect: "remove", stacks: ["guangzhou"] },
      ],
      updates: expect.any(Array) as unknown,
    });
    // Each stack's update, targeted at app.gz.1's three servers there (`test/cli/targets.test.ts`
    // checks the lists against the plan).
    const copies = (cluster: string) =>
      ["testapp-helloserver", "testapp-orderserver", "shop-cartserver"].map(
        (server) => `${cluster}-${server}-app-gz-1-deployment`,
      );
    expect(updatesOf(stdout)).toEqual([
      {
        phase: "gain",
        stack: "shanghai",
        command: `npx tarsfed up --stack shanghai --moving app.gz.1 --yes --fleet ${file}`,
        targets: copies("sh1"),
      },
      {
        phase: "remove",
        stack: "guangzhou",
        command: `npx tarsfed up --stack guangzhou --moving app.gz.1 --phase remove --yes --fleet ${file}`,
        targets: copies("gz1"),
      },
    ]);
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
    // One `--target` line per resource of app.gz.1 in the stack: a TarsSetDeployment per server
    // and its four children; the engine's URNs (`cli/engine/targets.ts`).
    const targetLines = (stack: string, cluster: string) => {
      const prefix = `urn:pulumi:${stack}::tars-federation::tarsfed:tars:TarsSetDeployment`;
      const urns = ["testapp-helloserver", "testapp-orderserver", "shop-cartserver"].flatMap(
        (server) => {
          const name = `${cluster}-${server}-app-gz-1`;
          return [
            `${prefix}::${name}`,
            `${prefix}$kubernetes:core/v1:ConfigMap::${name}-meta`,
            `${prefix}$kubernetes:networking.k8s.io/v1:NetworkPolicy::${name}-network-policy`,
            `${prefix}$kubernetes:apps/v1:Deployment::${name}-deployment`,
            `${prefix}$kubernetes:policy/v1:PodDisruptionBudget::${name}-pdb`,
          ];
        },
      );
      return urns.map((urn, i) => `    --target '${urn}'${i < urns.length - 1 ? " \\" : ""}`);
    };
    const file = copy();
    const { code, stdout } = await run("--fleet", file, "failover", "app.gz.1");
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `failing over app.gz.1: changed ${file}`,
        '  sets["app.gz.1"].failedOver: false → true',
        "apply these stacks, in order:",
        "phase 1, gain: new copies start, every old copy stays",
        "  1. shanghai   scales up",
        "phase 2, remove: once every stack above is done (its pods Ready), old copies go",
        "  2. guangzhou  scales down",
        "commands (both phases, in order, stopping if the first fails; each update is " +
          "targeted at the moving Sets' own resources, --whole-stack updates whole stacks):",
        `  npx tarsfed up --all --moving app.gz.1 --yes --fleet ${file}`,
        "or one stack at a time, each after the one before succeeded:",
        `  npx tarsfed up --stack shanghai --moving app.gz.1 --yes --fleet ${file}`,
        `  npx tarsfed up --stack guangzhou --moving app.gz.1 --phase remove --yes --fleet ${file}`,
        "or with the Pulumi CLI, one stack at a time, each after the one before succeeded:",
        "  TARSFED_MOVING_SETS=app.gz.1 pulumi up --stack shanghai --target-dependents \\",
        ...targetLines("shanghai", "sh1"),
        "  pulumi up --stack guangzhou --target-dependents \\",
        ...targetLines("guangzhou", "gz1"),
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
      phases: [
        { effect: "gain", stacks: ["guangzhou"] },
        { effect: "remove", stacks: ["shanghai"] },
      ],
      updates: expect.any(Array) as unknown,
    });
    expect(updatesOf(back.stdout).map((u) => [u.phase, u.stack, u.targets.length])).toEqual([
      ["gain", "guangzhou", 3],
      ["remove", "shanghai", 3],
    ]);
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
      "refused: cluster sh1 would be short of 1.6 CPU after failing over app.gz.1 " +
        "(demand 11.3 CPU / 13.1Gi, capacity at node-pool max 9.7 CPU / 16.2Gi); " +
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
      "warning: cluster sh1 would be short of 1.6 CPU after failing over app.gz.1",
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

/** The demo without tars.db.standbyRegion: its home region fails over as a Set failover, with --force. */
const noStandbyText = demoText.replace(", standbyRegion: shanghai", "");

describe("tarsfed failover --region", () => {
  it("with --dry-run lists no stack of the dark region and leaves the file alone", async () => {
    const file = copy(noStandbyText);
    const { code, stdout, stderr } = await run(
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "guangzhou",
      "--dry-run",
      // The demo has no tars.db.standbyRegion: the home region's Sets alone need --force.
      "--force",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      changed: [
        { path: 'sets["app.gz.1"].failedOver', from: false, to: true },
        { path: 'sets["app.gz.2"].failedOver', from: false, to: true },
      ],
      stacks: ["shanghai", "beijing"],
      skipped: ["guangzhou"],
      phases: [{ effect: "gain", stacks: ["shanghai", "beijing"] }],
      updates: expect.any(Array) as unknown,
    });
    // The dark region's stack gets no update: its old copies stay in its state.
    expect(updatesOf(stdout).map((u) => [u.phase, u.stack, u.targets])).toEqual([
      [
        "gain",
        "shanghai",
        ["testapp-helloserver", "testapp-orderserver", "shop-cartserver"].map(
          (server) => `sh1-${server}-app-gz-1-deployment`,
        ),
      ],
      [
        "gain",
        "beijing",
        ["testapp-helloserver", "testapp-orderserver"].map(
          (server) => `bj1-${server}-app-gz-2-deployment`,
        ),
      ],
    ]);
    expect(stderr).toBe(
      "note: guangzhou is the home region: the framework database, tarsweb, tarsnotify, tarsquerystat and tarsqueryproperty stay there",
    );
    expect(readFileSync(file, "utf8")).toBe(noStandbyText);
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
    const file = copy(noStandbyText);
    await run("--fleet", file, "failover", "--region", "guangzhou", "--force");
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

/** The fleet shaped like issue 14's example: chengdu, nanjing, singapore. */
const payText = readFileSync("test/fixtures/pay-fleet.yaml", "utf8");

describe("tarsfed failover in two phases (issue 14's example)", () => {
  it("lists every gain in phase one and every loss in phase two, with --json phases in run order", async () => {
    const file = copy(payText);
    const { code, stdout } = await run(
      "--fleet",
      file,
      "--json",
      "failover",
      "pay.cd.1",
      "pay.nj.2",
      "--dry-run",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      changed: [
        { path: 'sets["pay.cd.1"].failedOver', from: false, to: true },
        { path: 'sets["pay.nj.2"].failedOver', from: false, to: true },
      ],
      stacks: ["nanjing", "singapore", "chengdu", "nanjing"],
      skipped: [],
      phases: [
        { effect: "gain", stacks: ["nanjing", "singapore"] },
        { effect: "remove", stacks: ["chengdu", "nanjing"] },
      ],
      updates: expect.any(Array) as unknown,
    });
    // nanjing gains pay.cd.1's warm copies and loses pay.nj.2's: the same targets in both phases.
    const nanjing = [
      "nj1-pay-gatewayserver-pay-cd-1-deployment",
      "nj1-pay-ledgerserver-pay-cd-1-deployment",
      "nj1-pay-gatewayserver-pay-nj-2-deployment",
      "nj1-pay-ledgerserver-pay-nj-2-deployment",
    ];
    const moving = `--moving pay.cd.1,pay.nj.2`;
    expect(updatesOf(stdout)).toEqual([
      {
        phase: "gain",
        stack: "nanjing",
        command: `npx tarsfed up --stack nanjing ${moving} --yes --fleet ${file}`,
        targets: nanjing,
      },
      {
        phase: "gain",
        stack: "singapore",
        command: `npx tarsfed up --stack singapore ${moving} --yes --fleet ${file}`,
        targets: [
          "sg1-pay-gatewayserver-pay-nj-2-deployment",
          "sg1-pay-ledgerserver-pay-nj-2-deployment",
        ],
      },
      {
        phase: "remove",
        stack: "chengdu",
        command: `npx tarsfed up --stack chengdu ${moving} --phase remove --yes --fleet ${file}`,
        targets: [
          "cd1-pay-gatewayserver-pay-cd-1-deployment",
          "cd1-pay-ledgerserver-pay-cd-1-deployment",
        ],
      },
      {
        phase: "remove",
        stack: "nanjing",
        command: `npx tarsfed up --stack nanjing ${moving} --phase remove --yes --fleet ${file}`,
        targets: nanjing,
      },
    ]);
    expect(readFileSync(file, "utf8")).toBe(payText);
  });

  it("prints the phases and the commands that run them, the first with the moving Sets", async () => {
    const file = copy(payText);
    const { stdout } = await run("--fleet", file, "failover", "pay.cd.1", "pay.nj.2", "--dry-run");
    // The Pulumi CLI commands: each stack's `pulumi up`, then its `--target` lines.
    const [head, pulumi] = stdout.split(
      "or with the Pulumi CLI, one stack at a time, each after the one before succeeded:\n",
    );
    expect(pulumi.split("\n").filter((line) => !line.startsWith("    --target "))).toEqual([
      "  TARSFED_MOVING_SETS=pay.cd.1,pay.nj.2 pulumi up --stack nanjing --target-dependents \\",
      "  TARSFED_MOVING_SETS=pay.cd.1,pay.nj.2 pulumi up --stack singapore --target-dependents \\",
      "  pulumi up --stack chengdu --target-dependents \\",
      "  pulumi up --stack nanjing --target-dependents \\",
      "",
    ]);
    expect(pulumi.split("\n").filter((line) => line.startsWith("    --target "))).toHaveLength(
      (4 + 2 + 2 + 4) * 5,
    );
    expect(
      `${head}or with the Pulumi CLI, one stack at a time, each after the one before succeeded:\n`,
    ).toBe(
      [
        `failing over pay.cd.1, pay.nj.2: would change ${file} (dry run, nothing written)`,
        '  sets["pay.cd.1"].failedOver: false → true',
        '  sets["pay.nj.2"].failedOver: false → true',
        "apply these stacks, in order:",
        "phase 1, gain: new copies start, every old copy stays",
        "  1. nanjing    scales up, keeping the old copies of the moving Sets",
        "  2. singapore  scales up",
        "phase 2, remove: once every stack above is done (its pods Ready), old copies go",
        "  3. chengdu    scales down",
        "  4. nanjing    removes the old copies",
        "commands (both phases, in order, stopping if the first fails; each update is " +
          "targeted at the moving Sets' own resources, --whole-stack updates whole stacks):",
        `  npx tarsfed up --all --moving pay.cd.1,pay.nj.2 --yes --fleet ${file}`,
        "or one stack at a time, each after the one before succeeded:",
        `  npx tarsfed up --stack nanjing --moving pay.cd.1,pay.nj.2 --yes --fleet ${file}`,
        `  npx tarsfed up --stack singapore --moving pay.cd.1,pay.nj.2 --yes --fleet ${file}`,
        `  npx tarsfed up --stack chengdu --moving pay.cd.1,pay.nj.2 --phase remove --yes --fleet ${file}`,
        `  npx tarsfed up --stack nanjing --moving pay.cd.1,pay.nj.2 --phase remove --yes --fleet ${file}`,
        "or with the Pulumi CLI, one stack at a time, each after the one before succeeded:",
        "",
      ].join("\n"),
    );
  });

  it("runs the program's phase one for nanjing with both copies of pay.nj.2 and pay.cd.1", async () => {
    const file = copy(payText);
    await run("--fleet", file, "failover", "pay.cd.1", "pay.nj.2");
    const replicas = async (env?: Record<string, string>) => {
      const plan = await planFleet(loadFleet(file), {
        stacks: ["nanjing"],
        ...(env === undefined ? {} : { env }),
      });
      const nanjing = plan.stacks.find((s) => s.name === "nanjing");
      return Object.fromEntries(
        (nanjing?.resources ?? [])
          .filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.includes("-pay-"))
          .map((r) => [
            (r.inputs.metadata as { name: string }).name,
            (r.inputs.spec as { replicas: number }).replicas,
          ]),
      );
    };
    const phaseOne = await replicas({ [MOVING_SETS_ENV]: "pay.cd.1,pay.nj.2" });
    const phaseTwo = await replicas();
    expect(phaseOne).toEqual({
      "pay-gatewayserver-pay-cd-1": 3,
      "pay-ledgerserver-pay-cd-1": 2,
      "pay-gatewayserver-pay-nj-2": 2,
      "pay-ledgerserver-pay-nj-2": 1,
    });
    expect(phaseTwo).toEqual({
      "pay-gatewayserver-pay-cd-1": 3,
      "pay-ledgerserver-pay-cd-1": 2,
    });
  });
});

/** Runs the real `tarsfed` in a child process; resolves with its exit code and output. */
function child(
  ...argv: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["bin/tarsfed.js", ...argv], { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const failedOver = (file: string) =>
  Object.fromEntries(loadFleet(file).spec.sets.map((s) => [s.id, s.failedOver]));

describe("no lost edits", () => {
  it("keeps every change of concurrent tarsfed runs (child processes) that report done", async () => {
    const file = copy(payText);
    const results = await Promise.all(
      ["pay.cd.1", "pay.nj.2", "pay.sg.3"].map((set) =>
        child("--fleet", file, "--json", "failover", set),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(failedOver(file)).toEqual({ "pay.cd.1": true, "pay.nj.2": true, "pay.sg.3": true });
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);

  it("waits for the lock's holder, then edits the file the holder wrote", async () => {
    const file = copy(payText);
    const edited = await withFileLockAsync(file, async () => {
      const waiting = child("--fleet", file, "failover", "pay.nj.2");
      await new Promise((r) => setTimeout(r, 3000));
      // The holder's own edit, made while the child waits.
      writeFileSync(
        file,
        payText.replace(
          "pay.cd.1: { cluster: cd1, standby: nj1, warmStandby: true }",
          "pay.cd.1: { cluster: cd1, standby: nj1, warmStandby: true, failedOver: true }",
        ),
      );
      return { waiting };
    });
    const result = await edited.waiting;
    expect(result.code, result.stderr).toBe(0);
    expect(failedOver(file)).toEqual({ "pay.cd.1": true, "pay.nj.2": true, "pay.sg.3": false });
  }, 60_000);

  it("redoes an edit once when another program wrote the file meanwhile, and says so", async () => {
    const file = copy(payText);
    let foreign = true;
    const deps: OperationDeps = {
      ...defaultOperationDeps,
      write: (target, text, expected) => {
        if (foreign) {
          foreign = false;
          writeFileSync(target, `${readFileSync(target, "utf8")}# edited meanwhile\n`);
        }
        defaultOperationDeps.write(target, text, expected);
      },
    };
    const { code, stderr } = await runWith(deps, "--fleet", file, "failover", "pay.cd.1");
    expect(code).toBe(0);
    expect(stderr).toBe(
      `note: ${file} changed on disk while it was being edited; nothing was written; ` +
        "reading it again and redoing the edit",
    );
    const after = readFileSync(file, "utf8");
    expect(after).toContain("# edited meanwhile");
    expect(failedOver(file)["pay.cd.1"]).toBe(true);
  });

  it("fails when the file changes under the edit twice, writing nothing of its own", async () => {
    const file = copy(payText);
    const deps: OperationDeps = {
      ...defaultOperationDeps,
      write: (target, text, expected) => {
        writeFileSync(target, `${readFileSync(target, "utf8")}#\n`);
        defaultOperationDeps.write(target, text, expected);
      },
    };
    const { code, stderr } = await runWith(deps, "--fleet", file, "failover", "pay.cd.1");
    expect(code).toBe(1);
    expect(stderr).toContain(
      `refused: ${file} changed on disk while it was being edited; nothing was written (twice); run the command again`,
    );
    expect(failedOver(file)["pay.cd.1"]).toBe(false);
  });

  it("checks the content right before the rename", () => {
    const file = copy(payText);
    expect(() => replaceFileChecked(file, "new", "not what is there")).toThrow(FileConflictError);
    expect(readFileSync(file, "utf8")).toBe(payText);
    replaceFileChecked(file, "new", payText);
    expect(readFileSync(file, "utf8")).toBe("new");
  });

  it("fails after the timeout while a live process holds the lock, naming it", () => {
    const file = copy(payText);
    const lock = `${file}.lock`;
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: os.hostname(), time: new Date().toISOString() }),
    );
    expect(() => withFileLock(file, () => 1, { timeoutMs: 50 })).toThrow(FileLockedError);
    expect(() => withFileLock(file, () => 1, { timeoutMs: 50 })).toThrow(
      `${file} is being edited by process ${process.pid} on ${os.hostname()}`,
    );
    expect(existsSync(lock)).toBe(true);
  });

  it("takes over a stale lock: its process is gone", async () => {
    const file = copy(payText);
    const gone = spawnSync("true").pid;
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid: gone, host: os.hostname(), time: new Date().toISOString() }),
    );
    const { code } = await run("--fleet", file, "failover", "pay.cd.1");
    expect(code).toBe(0);
    expect(failedOver(file)["pay.cd.1"]).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("edits a symlinked fleet file in place at its target, keeping the link and the mode", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-link-"));
    const target = path.join(dir, "real-fleet.yaml");
    writeFileSync(target, payText);
    chmodSync(target, 0o640);
    const link = path.join(dir, "fleet.yaml");
    symlinkSync("real-fleet.yaml", link);
    const { code } = await run("--fleet", link, "failover", "pay.cd.1");
    expect(code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(failedOver(target)["pay.cd.1"]).toBe(true);
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});

/** Holds `file`'s lock (as another tarsfed would) while `body` runs. */
async function withFileLockAsync<T>(file: string, body: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  writeFileSync(
    lock,
    JSON.stringify({ pid: process.pid, host: os.hostname(), time: new Date().toISOString() }),
    { flag: "wx" },
  );
  try {
    return await body();
  } finally {
    const { rmSync } = await import("node:fs");
    rmSync(lock, { force: true });
  }
}
