/**
 * What tarsfed refuses while the framework database is unreachable (`scale`, `up` of TARS
 * stacks), `--force` going ahead, the API-server probe that decides it, and `tarsfed reprotect`
 * after a home-region failover.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewCommand, upCommand } from "../../cli/commands/engine";
import { reprotectCommand } from "../../cli/commands/reprotect";
import { scaleCommand } from "../../cli/commands/scale";
import { defaultOperationDeps } from "../../cli/commands/fleet-operation";
import { createContext } from "../../cli/context";
import { apiServerProbe, type DatabaseProbe } from "../../cli/engine/db-reachability";
import { UserError } from "../../cli/errors";
import { memoryIo } from "../../cli/io";
import { FleetError } from "../../fleet/model/issues";
import { parseFleet } from "../../fleet/model/load";
import { demoText, replaceOnce } from "../fleet/fleet-copies";
import { fakeEngine, NO_HISTORY } from "./fake-engine";

/** The demo fleet with a database standby in shanghai (as stacks/fleet.yaml has it). */
const standbyText = demoText.includes("standbyRegion: shanghai")
  ? demoText
  : replaceOnce(demoText, "memoryMb: 4000", "memoryMb: 4000, standbyRegion: shanghai");

/** The same fleet after `failover --region guangzhou` promoted the replica. */
const failedOverText = replaceOnce(
  standbyText,
  "standbyRegion: shanghai",
  "standbyRegion: shanghai, servingRegion: shanghai",
);

function copy(text: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-dbdown-")), "fleet.yaml");
  writeFileSync(file, text);
  return file;
}

const down: DatabaseProbe = () =>
  Promise.resolve({
    state: "unreachable",
    reason: "no Kubernetes API server of guangzhou's clusters answers",
  });

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

const REFUSAL_START =
  "refused: the framework database (in guangzhou) is unreachable: no Kubernetes API server of guangzhou's clusters answers. Every new or rescheduled TARS pod must register in it before its server starts, and tarscli's supervisor retries every minute without ever starting it (K8STARS app/supervisor/launch.go), so ";

describe("while the database is unreachable", () => {
  it("refuses a scale of replicas or of a node pool, and goes ahead with --force", async () => {
    const file = copy(standbyText);
    const scale = (ctx: ReturnType<typeof createContext>) => [
      scaleCommand(ctx, defaultOperationDeps, down),
    ];
    const replicas = await run(
      scale,
      "--fleet",
      file,
      "scale",
      "replicas",
      "TestApp.HelloServer",
      "app.sh.1",
      "1",
    );
    expect(replicas.code).toBe(1);
    expect(replicas.stderr).toBe(
      `${REFUSAL_START}scaling TestApp.HelloServer in app.sh.1 would take serving pods away or add none; to bring the database back in shanghai, run tarsfed failover --region guangzhou (README: Losing the home region); pass --force to go ahead anyway`,
    );
    const pool = await run(
      scale,
      "--fleet",
      file,
      "scale",
      "pool",
      "sh1",
      "general",
      "--desired",
      "2",
    );
    expect(pool.code).toBe(1);
    expect(readFileSync(file, "utf8")).toBe(standbyText);
    const forced = await run(
      scale,
      "--fleet",
      file,
      "scale",
      "replicas",
      "TestApp.HelloServer",
      "app.sh.1",
      "1",
      "--force",
    );
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(
      "warning: the framework database (in guangzhou) is unreachable",
    );
    expect(readFileSync(file, "utf8")).not.toBe(standbyText);
  });

  it("lets a dry run through: it changes nothing", async () => {
    const file = copy(standbyText);
    const r = await run(
      (ctx) => [scaleCommand(ctx, defaultOperationDeps, down)],
      "--fleet",
      file,
      "scale",
      "replicas",
      "TestApp.HelloServer",
      "app.sh.1",
      "1",
      "--dry-run",
    );
    expect(r.code).toBe(0);
  });

  it("refuses up of a TARS stack before any engine run, but not of an infra stack; --force goes ahead", async () => {
    const file = copy(standbyText);
    const { engine, calls } = fakeEngine();
    const up = (ctx: ReturnType<typeof createContext>) => [
      upCommand(ctx, { engine, history: () => NO_HISTORY, database: down }),
    ];
    const refused = await run(up, "--fleet", file, "up", "--stack", "shanghai", "--yes");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${REFUSAL_START}up of shanghai would take serving pods away`);
    expect(calls).toEqual(["checkCli"]);
    const infra = await run(up, "--fleet", file, "up", "--stack", "shanghai-infra", "--yes");
    expect(infra.code).toBe(0);
    const forced = await run(up, "--fleet", file, "up", "--stack", "shanghai", "--yes", "--force");
    expect(forced.code).toBe(0);
    expect(calls.filter((c) => c === "up:shanghai")).toHaveLength(1);
  });
});

describe("after a home-region failover, before re-protection", () => {
  const engineRun = (
    ctx: ReturnType<typeof createContext>,
    engine: ReturnType<typeof fakeEngine>["engine"],
  ) => [
    upCommand(ctx, { engine, history: () => NO_HISTORY }),
    previewCommand(ctx, { engine, history: () => NO_HISTORY }),
  ];
  const refusal =
    "refused: shanghai-infra still holds the DR resource of the instance tarsfed failover --region guangzhou promoted (tars.db.servingRegion: shanghai); the provider's read of a DR instance with no master crashes, so no preview or up of this stack runs until tarsfed reprotect has taken the resource out of its state and swapped the home region (README: Losing the home region). Select the other stacks with --stack or --region";

  it("refuses preview and up of the standby infra stack, alone or with --all, before any engine run", async () => {
    const file = copy(failedOverText);
    const { engine, calls } = fakeEngine();
    for (const argv of [
      ["up", "--stack", "shanghai-infra", "--yes"],
      ["preview", "--stack", "shanghai-infra"],
      ["preview", "--region", "shanghai"],
      ["up", "--all", "--yes", "--force"],
    ]) {
      const r = await run((ctx) => engineRun(ctx, engine), "--fleet", file, ...argv);
      expect([argv.join(" "), r.code, r.stderr]).toEqual([argv.join(" "), 1, refusal]);
    }
    expect(calls.filter((c) => c !== "checkCli")).toEqual([]);
  });

  it("refuses up of the old home's stacks, where a password rotation or an IDC-group change would land; --force goes ahead", async () => {
    const rotated = replaceOnce(
      failedOverText,
      "servingRegion: shanghai",
      "servingRegion: shanghai, passwordGeneration: 2",
    );
    const { engine, calls } = fakeEngine();
    for (const stack of ["guangzhou-infra", "guangzhou"]) {
      const r = await run(
        (ctx) => engineRun(ctx, engine),
        "--fleet",
        copy(rotated),
        "up",
        "--stack",
        stack,
        "--yes",
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `refused: up of ${stack}: the database serves from shanghai (tars.db.servingRegion) since tarsfed failover --region guangzhou, and the home region's stacks hold what has no standby: the database passwords (tars.db.passwordGeneration), the database and IDC-groups Jobs, tarsnotify, tarsAdminRegistry and tarspatch; a password rotation or an IDC-group change cannot be applied until the fleet is re-protected (tarsfed reprotect, README: Losing the home region). Pass --force to update them anyway`,
      );
    }
    expect(calls.filter((c) => c !== "checkCli")).toEqual([]);
    const preview = await run(
      (ctx) => engineRun(ctx, engine),
      "--fleet",
      copy(rotated),
      "preview",
      "--stack",
      "guangzhou-infra",
    );
    expect(preview.code).toBe(0);
    const forced = await run(
      (ctx) => engineRun(ctx, engine),
      "--fleet",
      copy(rotated),
      "up",
      "--stack",
      "guangzhou-infra",
      "--yes",
      "--force",
    );
    expect(forced.code).toBe(0);
    expect(calls).toContain("up:guangzhou-infra");
  });

  it("runs the other stacks, and the standby infra stack once reprotect swapped the home region", async () => {
    const { engine, calls } = fakeEngine();
    const other = await run(
      (ctx) => engineRun(ctx, engine),
      "--fleet",
      copy(failedOverText),
      "preview",
      "--stack",
      "guangzhou-infra",
    );
    expect(other.code).toBe(0);
    const swapped = replaceOnce(
      replaceOnce(failedOverText, "homeRegion: guangzhou", "homeRegion: shanghai"),
      "standbyRegion: shanghai,",
      "standbyRegion: guangzhou,",
    );
    const after = await run(
      (ctx) => engineRun(ctx, engine),
      "--fleet",
      copy(swapped),
      "preview",
      "--stack",
      "shanghai-infra",
    );
    expect(after.code).toBe(0);
    expect(calls).toContain("preview-end:shanghai-infra");
  });
});

describe("the API-server probe", () => {
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const kubeconfig = (p: number) =>
    `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{ name: c, context: { cluster: k } }]\nclusters: [{ name: k, cluster: { server: "https://127.0.0.1:${p}" } }]\n`;
  const fleet = parseFleet(standbyText, "fleet.yaml");

  it("finds the database reachable when a serving cluster's API server answers", async () => {
    const probe = apiServerProbe(
      () => Promise.resolve({ kubeconfigs: { gz1: kubeconfig(port) } }),
      1000,
    );
    expect(await probe(fleet)).toEqual({ state: "reachable" });
  });

  it("finds it unreachable when none answers, naming the servers", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const dead = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const probe = apiServerProbe(
      () => Promise.resolve({ kubeconfigs: { gz1: kubeconfig(dead) } }),
      1000,
    );
    expect(await probe(fleet)).toEqual({
      state: "unreachable",
      reason: `no Kubernetes API server of guangzhou's clusters answers (127.0.0.1:${dead}, 1s each)`,
    });
  });

  it("knows nothing when the infra stack's outputs cannot be read", async () => {
    const probe = apiServerProbe(() =>
      Promise.reject(new Error("no stack named 'guangzhou-infra' found")),
    );
    expect(await probe(fleet)).toEqual({
      state: "unknown",
      reason: "no stack named 'guangzhou-infra' found",
    });
  });
});

describe("tarsfed reprotect", () => {
  const reprotect = (ctx: ReturnType<typeof createContext>) => [reprotectCommand(ctx)];

  it("plans the state moves and the fleet edits in order, and changes nothing with --dry-run", async () => {
    const file = copy(failedOverText);
    const r = await run(reprotect, "--fleet", file, "--json", "reprotect", "--dry-run");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      newHome: string;
      newStandby: string;
      executed: string;
      fleetEdits: unknown[];
      stateMoves: { n: number; commands: string[] }[];
      after: string[];
    };
    expect(plan).toMatchObject({
      newHome: "shanghai",
      newStandby: "guangzhou",
      executed: "nothing",
    });
    expect(plan.fleetEdits).toEqual([
      { path: ["homeRegion"], from: "guangzhou", to: "shanghai" },
      { path: ["tars", "db", "standbyRegion"], from: "shanghai", to: "guangzhou" },
    ]);
    expect(plan.stateMoves.flatMap((m) => m.commands)).toEqual([
      "pulumi state move --source shanghai-infra --dest guangzhou-infra 'urn:pulumi:shanghai-infra::tars-federation::tarsfed:network:DatabaseDnsRecord::tars-db' --yes",
      "export TARSFED_PROMOTED=$(pulumi stack output --stack shanghai-infra dbDrInstanceId)",
      "pulumi state unprotect --stack shanghai-infra 'urn:pulumi:shanghai-infra::tars-federation::tarsfed:tars:TarsDatabaseReplica$tencentcloud:index/mysqlDrInstance:MysqlDrInstance::tars-db-replica-mysql' --yes",
      "pulumi state delete --stack shanghai-infra 'urn:pulumi:shanghai-infra::tars-federation::tarsfed:tars:TarsDatabaseReplica$tencentcloud:index/mysqlDrInstance:MysqlDrInstance::tars-db-replica-mysql' --yes",
      "pulumi state unprotect --stack guangzhou-infra 'urn:pulumi:guangzhou-infra::tars-federation::tarsfed:tars:TarsDatabaseInstance$tencentcloud:index/mysqlInstance:MysqlInstance::tars-db-mysql' --yes",
      "pulumi state delete --stack guangzhou-infra 'urn:pulumi:guangzhou-infra::tars-federation::tarsfed:tars:TarsDatabaseInstance$tencentcloud:index/mysqlInstance:MysqlInstance::tars-db-mysql' --yes",
      "pulumi state move --source guangzhou-infra --dest shanghai-infra 'urn:pulumi:guangzhou-infra::tars-federation::tarsfed:tars:TarsDatabaseInstance::tars-db' --yes",
      `pulumi import --stack shanghai-infra tencentcloud:index/mysqlInstance:MysqlInstance tars-db-mysql "$TARSFED_PROMOTED" --parent 'tarsdb=urn:pulumi:shanghai-infra::tars-federation::tarsfed:tars:TarsDatabaseInstance::tars-db' --protect --generate-code=false --yes`,
      "pulumi destroy --stack guangzhou-db-fence --yes && pulumi stack rm guangzhou-db-fence --yes",
      "pulumi refresh --stack guangzhou-infra --target 'urn:pulumi:guangzhou-infra::tars-federation::**::guangzhou-database-rules' --yes",
      "pulumi stack rm shanghai-db-promote --force --yes",
      "pulumi destroy --stack shanghai-db-recovery --yes && pulumi stack rm shanghai-db-recovery --yes",
    ]);
    expect(plan.after).toEqual([
      "tarsfed preview --all: shanghai-infra must show tars-db-mysql updated in place and never replaced or deleted: instanceName and rootPassword (the promoted instance keeps the replica's name, <fleet>-tars-dr, and is renamed <fleet>-tars; the provider reads no root password back, so the import has none; the update sets the moved component's, the one the replica copied from the old master); guangzhou-infra restores the database group's rules and creates the new replica tars-db-replica-mysql of it",
      "tarsfed up --stack global --allow-replace homeRegion --yes && tarsfed up --stack shanghai-infra --allow-replace homeRegion --yes",
      "pulumi up --stack guangzhou-infra --target 'urn:pulumi:guangzhou-infra::tars-federation::**::guangzhou-database-rules' --yes: the database group's ACCEPT rules back, before the replica that uses the group exists",
      "tarsfed up --all --allow-replace homeRegion --yes",
    ]);
    expect(readFileSync(file, "utf8")).toBe(failedOverText);
  });

  it("makes only the fleet edits with --yes, byte-minimally, and says the state moves are left to a person", async () => {
    const file = copy(failedOverText);
    const r = await run(reprotect, "--fleet", file, "reprotect", "--yes");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "state moves, run by a person in this order BEFORE any up (tarsfed does not run them):",
    );
    expect(r.stdout).toContain("fleet edits (made):");
    expect(readFileSync(file, "utf8")).toBe(
      replaceOnce(
        replaceOnce(failedOverText, "homeRegion: guangzhou", "homeRegion: shanghai"),
        "standbyRegion: shanghai,",
        "standbyRegion: guangzhou,",
      ),
    );
  });

  it("refuses before the database failed over", async () => {
    const file = copy(standbyText);
    const r = await run(reprotect, "--fleet", file, "reprotect", "--dry-run");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "refused: the database still serves from the home region guangzhou (tars.db.servingRegion); nothing to re-protect until tarsfed failover --region guangzhou promoted the replica",
    );
  });
});
