/**
 * `tarsfed failover --region <home>` on a fleet with a database standby: the procedure as
 * `--dry-run --json` and text prints it, refusals, the byte-minimal `servingRegion` edit, a run
 * step by step over fake engines (stopping at a failure, resumed with `--from-step`), and the
 * refusals while the database is unreachable.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { failbackCommand, failoverCommand } from "../../cli/commands/failover";
import { defaultOperationDeps } from "../../cli/commands/fleet-operation";
import { type HomeFailoverDeps } from "../../cli/commands/home-failover";
import { createContext } from "../../cli/context";
import { type DatabaseProbe } from "../../cli/engine/db-reachability";
import { type OneOffEngine } from "../../cli/engine/one-off";
import { UserError } from "../../cli/errors";
import { memoryIo } from "../../cli/io";
import { FleetError } from "../../fleet/model/issues";
import { type OneOffProgram } from "../../fleet/operations/home-failover";
import { demoText, replaceOnce } from "../fleet/fleet-copies";
import { fakeEngine, type FakeStackSpec, NO_HISTORY } from "./fake-engine";

const DB_LINE = 'db: { mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, storageGb: 200';

/** The demo fleet with `tars.db.standbyRegion: shanghai` (unless it already has one). */
const standbyText = demoText.includes("standbyRegion")
  ? demoText
  : replaceOnce(demoText, `${DB_LINE} }`, `${DB_LINE}, standbyRegion: shanghai }`);

/** The demo fleet without a standby. */
const noStandbyText = demoText.replace(/,? ?standbyRegion: shanghai/, "");

function copy(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-home-")), "fleet.yaml");
  writeFileSync(file, text);
  return file;
}

const OUTPUTS: Record<string, Record<string, unknown>> = {
  "guangzhou-infra": { dbSecurityGroupId: "sg-db", dbInstanceId: "cdb-master" },
  "shanghai-infra": {
    dbDrInstanceId: "cdb-dr",
    dbDrInstanceHost: "10.20.1.9",
    kubeconfigs: { sh1: "apiVersion: v1\nkind: Config\n" },
  },
};

/**
 * A fake one-off engine: records each program, with the stacks updated before it (`updated()`),
 * and fails the kinds in `failing`.
 */
function fakeOneOff(failing: Set<string>, updated: () => string[] = () => []) {
  const ran: {
    program: OneOffProgram;
    id?: string;
    dbHost?: string;
    updatedBefore: string[];
  }[] = [];
  const engine: OneOffEngine = {
    outputs: (stack) => Promise.resolve(OUTPUTS[stack] ?? {}),
    runProgram: (program, inputs) => {
      ran.push({
        program,
        updatedBefore: updated(),
        ...(inputs.id === undefined ? {} : { id: inputs.id }),
        ...(inputs.dbHost === undefined ? {} : { dbHost: inputs.dbHost }),
      });
      if (failing.has(program.kind))
        return Promise.reject(
          new Error("dial tcp vpc.ap-guangzhou.tencentcloudapi.com: i/o timeout"),
        );
      return Promise.resolve();
    },
  };
  return { engine, ran };
}

/** The part of a run's (or dry run's) document the tests read. */
interface Outcomes {
  readonly steps: { readonly name: string; readonly status?: string; readonly done?: boolean }[];
}

interface Harness {
  failing?: string[];
  stacks?: Record<string, FakeStackSpec>;
  probe?: DatabaseProbe;
}

async function run(harness: Harness, ...argv: string[]) {
  const io = memoryIo();
  let code = 0;
  const ctx = createContext(io, (c) => {
    code = c;
  });
  const fake = fakeEngine(harness.stacks ?? {});
  const oneOff = fakeOneOff(new Set(harness.failing ?? []), () =>
    fake.runs.filter((x) => x.op === "up").map((x) => x.stack),
  );
  const home: HomeFailoverDeps = {
    oneOff: () => oneOff.engine,
    engine: () => fake.engine,
    history: () => NO_HISTORY,
  };
  const probe = harness.probe ?? (() => Promise.resolve({ state: "reachable" as const }));
  const program = new Command().option("--fleet <f>").option("--json");
  program.addCommand(failoverCommand(ctx, defaultOperationDeps, home, probe).exitOverride());
  program.addCommand(failbackCommand(ctx, defaultOperationDeps, probe).exitOverride());
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (!(error instanceof UserError || error instanceof FleetError)) throw error;
    io.err(error.message);
    code = error instanceof UserError ? error.exitCode : 1;
  }
  return {
    code,
    stdout: io.stdout.join(""),
    stderr: io.stderr.join("\n"),
    programs: oneOff.ran,
    calls: fake.calls,
    runs: fake.runs,
  };
}

describe("tarsfed failover --region <home> --dry-run", () => {
  it("lists the procedure in order, with the stacks and resources each step changes", async () => {
    const file = copy(standbyText);
    const { code, stdout } = await run(
      {},
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "guangzhou",
      "--dry-run",
    );
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as {
      procedure: string;
      lostRegion: string;
      standbyRegion: string;
      steps: {
        n: number;
        name: string;
        stacks: string[];
        resources: { type: string; name: string; urn?: string }[];
        command?: string;
        program?: string;
        check: string;
      }[];
    };
    expect(doc).toMatchObject({
      procedure: "home-region-failover",
      lostRegion: "guangzhou",
      standbyRegion: "shanghai",
    });
    expect(doc.steps.map((s) => [s.n, s.name, s.stacks])).toEqual([
      [1, "fence-old-master", ["guangzhou-db-fence"]],
      [2, "promote-replica", ["shanghai-db-promote"]],
      [3, "recovery-sql", ["shanghai-db-recovery"]],
      [4, "repoint-dns", ["shanghai-infra"]],
      [5, "roll-framework", ["shanghai", "beijing"]],
      [6, "scale-up-standby-web", ["shanghai"]],
      [7, "fail-over-sets", ["shanghai", "beijing"]],
    ]);
    const [fence, promote, recovery, dns, roll, web, sets] = doc.steps;
    expect(fence?.resources).toEqual([
      {
        stack: "guangzhou-db-fence",
        type: "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet",
        name: "demo-db-fence",
        urn: "urn:pulumi:guangzhou-db-fence::tars-federation::tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet::demo-db-fence",
      },
    ]);
    expect(fence?.program).toContain("guangzhou-infra output dbSecurityGroupId");
    expect(fence?.check).toContain("go on only with --force");
    expect(promote?.resources[0]).toMatchObject({
      type: "tencentcloud:index/mysqlDrInstanceToMater:MysqlDrInstanceToMater",
      name: "demo-db-promote",
    });
    expect(promote?.program).toContain("shanghai-infra output dbDrInstanceId");
    expect(dns?.resources).toEqual([
      {
        stack: "shanghai-infra",
        type: "tencentcloud:index/privateDnsRecord:PrivateDnsRecord",
        name: "demo-db-record",
        urn: "urn:pulumi:shanghai-infra::tars-federation::**::demo-db-record",
      },
    ]);
    expect(dns?.command).toBe(
      "pulumi up --stack shanghai-infra --target 'urn:pulumi:shanghai-infra::tars-federation::**::demo-db-record' (after the fleet edit tars.db.servingRegion: shanghai)",
    );
    expect(recovery?.resources).toEqual([
      {
        stack: "shanghai-db-recovery",
        type: "kubernetes:batch/v1:Job",
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- an asymmetric matcher
        name: expect.stringMatching(/^tars-system\/tars-region-recovery-[0-9a-f]{12} in sh1$/),
        urn: "urn:pulumi:shanghai-db-recovery::tars-federation::kubernetes:batch/v1:Job::tars-region-recovery",
      },
    ]);
    expect(recovery?.program).toContain(
      "on the new master at its own address (shanghai-infra output dbDrInstanceHost: the database's DNS name still points at the old master until the next step)",
    );
    expect(roll?.resources.map((r) => r.name)).toContain("tars-system/tars-registry in bj1");
    expect(roll?.resources.map((r) => r.name)).not.toContain("tars-system/tars-registry in gz1");
    expect(web?.resources.map((r) => r.name)).toContain("tars-system/tars-web in sh1");
    expect(sets?.command).toBe(
      'tarsfed up --all --moving app.gz.1,app.gz.2 --skip-region guangzhou --yes (after the fleet edit sets["app.gz.1"].failedOver: true, sets["app.gz.2"].failedOver: true)',
    );
    expect(readFileSync(file, "utf8")).toBe(standbyText);
  });

  it("prints a numbered list a person can follow", async () => {
    const file = copy(standbyText);
    const { code, stdout } = await run(
      {},
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--dry-run",
    );
    expect(code).toBe(0);
    const numbered = stdout
      .split("\n")
      .filter((l) => /^\d\. /.test(l))
      .map((l) => l.split(":")[0]);
    expect(numbered).toEqual([
      "1. fence-old-master",
      "2. promote-replica",
      "3. recovery-sql",
      "4. repoint-dns",
      "5. roll-framework",
      "6. scale-up-standby-web",
      "7. fail-over-sets",
    ]);
    expect(stdout).toContain(
      `run it: npx tarsfed failover --region guangzhou --fleet ${file} --yes`,
    );
  });
});

describe("tarsfed failover --region: refusals and the old behaviour", () => {
  it("refuses the home region without a standby, saying the database is lost with it", async () => {
    const file = copy(noStandbyText);
    const { code, stderr } = await run(
      {},
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--dry-run",
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      "refused: guangzhou is the home region: the framework database (TencentDB in guangzhou) is lost with it, and tars.db.standbyRegion is not set, so there is no replica to promote; failing its Sets over alone leaves every new or rescheduled TARS pod in every region unable to register (README: Losing the home region). Pass --force to fail the Sets over anyway",
    );
  });

  it("fails the home region's Sets over as before with --force when there is no standby", async () => {
    const file = copy(noStandbyText);
    const { code, stdout } = await run(
      {},
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "guangzhou",
      "--dry-run",
      "--force",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      stacks: ["shanghai", "beijing"],
      skipped: ["guangzhou"],
    });
  });

  it("passes any other region through to the Set failover", async () => {
    const file = copy(standbyText);
    const { code, stdout } = await run(
      {},
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "beijing",
      "--dry-run",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      changed: [{ path: 'sets["app.bj.1"].failedOver', from: false, to: true }],
      stacks: ["shanghai"],
      skipped: ["beijing"],
      phases: [{ effect: "gain", stacks: ["shanghai"] }],
    });
  });

  it("needs --yes for a real run, and refuses an unknown step", async () => {
    const file = copy(standbyText);
    expect((await run({}, "--fleet", file, "failover", "--region", "guangzhou")).code).toBe(2);
    const bad = await run(
      {},
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--from-step",
      "9",
      "--yes",
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "--from-step 9: no such step; give 1 to 7 or one of fence-old-master",
    );
  });
});

describe("tarsfed failover --region <home> --yes", () => {
  it("stops at a failed fence, changes nothing after it, and says how to resume", async () => {
    const file = copy(standbyText);
    const r = await run(
      { failing: ["fence"] },
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--yes",
    );
    expect(r.code).toBe(3);
    expect(r.programs.map((p) => [p.program.kind, p.id])).toEqual([["fence", "sg-db"]]);
    expect(r.stderr).toContain(
      "step 1 fence-old-master failed: dial tcp vpc.ap-guangzhou.tencentcloudapi.com: i/o timeout",
    );
    expect(r.stderr).toContain(
      `resume with: npx tarsfed failover --region guangzhou --fleet ${file} --from-step fence-old-master --yes`,
    );
    expect(r.stderr).toContain("go on with --force");
    expect(readFileSync(file, "utf8")).toBe(standbyText);
  });

  it("goes on past a failed fence with --force, edits servingRegion byte-minimally and runs every step in order", async () => {
    const file = copy(standbyText);
    const r = await run(
      { failing: ["fence"] },
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "guangzhou",
      "--yes",
      "--force",
    );
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Outcomes).steps.map((s) => s.status)).toEqual([
      "skipped",
      "done",
      "done",
      "done",
      "done",
      "done",
      "done",
    ]);
    expect(r.stderr).toContain("the old master comes back writable with guangzhou");
    expect(r.programs.map((p) => [p.program.kind, p.id ?? p.dbHost])).toEqual([
      ["fence", "sg-db"],
      ["promote", "cdb-dr"],
      ["recovery", "10.20.1.9"],
    ]);
    // The recovery SQL runs on the promoted instance's own address before the DNS record moves:
    // no stack was updated yet (the registries reach the new master only after it).
    expect(r.programs.find((p) => p.program.kind === "recovery")?.updatedBefore).toEqual([]);
    const ups = r.runs.filter((x) => x.op === "up");
    expect(ups.map((x) => [x.stack, x.options.targets ?? []])).toEqual([
      ["shanghai-infra", ["urn:pulumi:shanghai-infra::tars-federation::**::demo-db-record"]],
      ["shanghai", []],
      ["beijing", []],
      ["shanghai", []],
      ...ups.slice(4).map((x) => [x.stack, x.options.targets ?? []]),
    ]);
    expect(ups.length).toBeGreaterThan(4);
    const after = readFileSync(file, "utf8");
    const expected = replaceOnce(
      replaceOnce(
        replaceOnce(
          standbyText,
          "standbyRegion: shanghai }",
          "standbyRegion: shanghai, servingRegion: shanghai }",
        ),
        "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
        "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
      ),
      "app.gz.2: { cluster: gz2, standby: bj1 }",
      "app.gz.2: { cluster: gz2, standby: bj1, failedOver: true }",
    );
    expect(after).toBe(expected);
  });

  it("resumes at a step: --from-step skips the steps before it, and a done edit is not made twice", async () => {
    const file = copy(standbyText);
    const first = await run(
      { stacks: { beijing: { upError: new Error("beijing: timeout") } } },
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--yes",
      "--to-step",
      "5",
    );
    expect(first.code).toBe(3);
    expect(first.stderr).toContain("step 5 roll-framework failed");
    expect(first.stderr).toContain("--from-step roll-framework --yes");
    const edited = readFileSync(file, "utf8");
    expect(edited).toContain("servingRegion: shanghai");
    const again = await run(
      {},
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--yes",
      "--from-step",
      "roll-framework",
      "--to-step",
      "6",
    );
    expect(again.code).toBe(0);
    expect(again.programs).toEqual([]);
    expect(again.runs.filter((x) => x.op === "up").map((x) => x.stack)).toEqual([
      "shanghai",
      "beijing",
      "shanghai",
    ]);
    expect(readFileSync(file, "utf8")).toBe(edited);
    const dry = await run(
      {},
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "guangzhou",
      "--dry-run",
    );
    expect((JSON.parse(dry.stdout) as Outcomes).steps[3]).toMatchObject({
      name: "repoint-dns",
      done: true,
    });
  });
});

describe("tarsfed failover --region <home> --by-hand", () => {
  it("runs no program or infra update of the steps it names, makes their fleet edit, and reports them by hand", async () => {
    const file = copy(standbyText);
    const r = await run(
      {},
      "--fleet",
      file,
      "--json",
      "failover",
      "--region",
      "guangzhou",
      "--yes",
      "--by-hand",
      "1,promote-replica,4",
      "--to-step",
      "5",
    );
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Outcomes).steps.map((s) => [s.name, s.status])).toEqual([
      ["fence-old-master", "by-hand"],
      ["promote-replica", "by-hand"],
      ["recovery-sql", "done"],
      ["repoint-dns", "by-hand"],
      ["roll-framework", "done"],
    ]);
    expect(r.programs.map((p) => p.program.kind)).toEqual(["recovery"]);
    expect(r.runs.filter((x) => x.op === "up").map((x) => x.stack)).toEqual([
      "shanghai",
      "beijing",
    ]);
    expect(readFileSync(file, "utf8")).toBe(
      replaceOnce(
        standbyText,
        "standbyRegion: shanghai }",
        "standbyRegion: shanghai, servingRegion: shanghai }",
      ),
    );
    expect(r.stderr).toContain(
      "step 2: its cloud change was made by hand (--by-hand), not run here: one-off stack shanghai-db-promote",
    );
  });

  it("refuses a step that changes no cloud resource, or goes without --region", async () => {
    const file = copy(standbyText);
    const k8s = await run(
      {},
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--yes",
      "--by-hand",
      "recovery-sql",
    );
    expect(k8s.code).toBe(2);
    expect(k8s.stderr).toBe(
      "--by-hand recovery-sql: recovery-sql changes no cloud resource; give steps among 1 (fence-old-master), 2 (promote-replica), 4 (repoint-dns)",
    );
    const sets = await run({}, "--fleet", file, "failover", "app.gz.1", "--by-hand", "1");
    expect(sets.code).toBe(2);
    expect(sets.stderr).toBe("--from-step, --to-step and --by-hand go with --region <home>");
    expect(readFileSync(file, "utf8")).toBe(standbyText);
  });
});

describe("while the database is unreachable", () => {
  const down: DatabaseProbe = () =>
    Promise.resolve({
      state: "unreachable",
      reason: "no Kubernetes API server of guangzhou's clusters answers",
    });

  it("refuses a Set failover, saying why, and goes ahead with --force", async () => {
    const file = copy(standbyText);
    const refused = await run({ probe: down }, "--fleet", file, "failover", "app.bj.1");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "refused: the framework database (in guangzhou) is unreachable: no Kubernetes API server of guangzhou's clusters answers. Every new or rescheduled TARS pod must register in it before its server starts, and tarscli's supervisor retries every minute without ever starting it (K8STARS app/supervisor/launch.go), so failover of app.bj.1 would take serving pods away or add none; to bring the database back in shanghai, run tarsfed failover --region guangzhou (README: Losing the home region); pass --force to go ahead anyway",
    );
    expect(readFileSync(file, "utf8")).toBe(standbyText);
    const forced = await run({ probe: down }, "--fleet", file, "failover", "app.bj.1", "--force");
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(
      "warning: the framework database (in guangzhou) is unreachable",
    );
  });

  it("refuses a failback too, but never the home-region procedure", async () => {
    const file = copy(standbyText);
    expect((await run({ probe: down }, "--fleet", file, "failback", "app.bj.1")).code).toBe(1);
    const procedure = await run(
      { probe: down },
      "--fleet",
      file,
      "failover",
      "--region",
      "guangzhou",
      "--yes",
      "--from-step",
      "5",
    );
    expect(procedure.code).toBe(0);
  });
});
