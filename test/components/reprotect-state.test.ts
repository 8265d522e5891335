/**
 * `tarsfed reprotect`'s state moves replayed on the offline plan of a failed-over fleet (the demo,
 * `servingRegion: shanghai`), whose resources carry their parents and dependencies as Pulumi
 * records them. The replay applies the rules the Pulumi CLI applies to state:
 *
 * - `pulumi state delete` refuses a protected resource, and one another resource depends on or is
 *   parented to ("Resources can't be deleted if other resources depend on it or are parented to
 *   it": https://www.pulumi.com/docs/iac/cli/commands/pulumi_state_delete/);
 * - `pulumi state move` takes a resource with its children
 *   (https://www.pulumi.com/docs/iac/operations/stack-management/moving-resources-between-stacks/);
 *   a dependency between a moved resource and one left behind does not survive the move (the two
 *   are in different stacks then);
 * - `--target` of `refresh` and `up` must name a resource of the stack.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planReprotect, type ReprotectPlan } from "../../fleet/operations/reprotect";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";

interface StateResource {
  urn: string;
  type: string;
  parent: string | null;
  dependencies: string[];
  protect: boolean;
}

type State = Map<string, StateResource[]>;

const DEMO = readFileSync("stacks/fleet.yaml", "utf8");
const DB_LINE = /^( {2}db: \{[^\n]*standbyRegion: shanghai)( \})$/m;

/** The words of a shell command line, quotes removed (`'…'`, `"…"`). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

const flag = (argv: readonly string[], name: string) => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
};

/** `**` in a target stands for any parent chain. */
const matches = (pattern: string, urn: string) =>
  new RegExp(
    `^${pattern
      .split("**")
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(urn);

const restack = (urn: string, from: string, to: string) =>
  urn.replace(`urn:pulumi:${from}::`, `urn:pulumi:${to}::`);

/** Applies one `pulumi …` command to `state`; throws what the CLI would refuse. */
function apply(state: State, line: string): void {
  const argv = words(line);
  if (argv[0] !== "pulumi") return; // export, a shell variable
  const stack = flag(argv, "--stack") ?? "";
  const target = (name: string) => {
    const pattern = flag(argv, "--target") ?? "";
    const found = (state.get(name) ?? []).filter((r) => matches(pattern, r.urn));
    if (found.length !== 1)
      throw new Error(`${argv[1]} --target ${pattern}: ${found.length} resources in ${name}`);
  };
  const [, verb, sub] = argv;
  if (verb === "state" && sub === "unprotect") {
    const r = state.get(stack)?.find((x) => x.urn === argv[5]);
    if (r === undefined) throw new Error(`no ${argv[5]} in ${stack}`);
    r.protect = false;
  } else if (verb === "state" && sub === "delete") {
    const urn = argv[5];
    const rs = state.get(stack) ?? [];
    const r = rs.find((x) => x.urn === urn);
    if (r === undefined) throw new Error(`no ${urn} in ${stack}`);
    if (r.protect) throw new Error(`${urn} is protected`);
    const dependents = rs.filter((x) => x.parent === urn || x.dependencies.includes(urn));
    if (dependents.length > 0)
      throw new Error(
        `${urn} can't be deleted: ${dependents.map((d) => d.urn.split("::").pop()).join(", ")} depend on it`,
      );
    state.set(
      stack,
      rs.filter((x) => x !== r),
    );
  } else if (verb === "state" && sub === "move") {
    const source = flag(argv, "--source") ?? "";
    const dest = flag(argv, "--dest") ?? "";
    const top = argv.find((w) => w.startsWith("urn:")) ?? "";
    const from = state.get(source) ?? [];
    if (!from.some((r) => r.urn === top)) throw new Error(`no ${top} in ${source}`);
    const moved = new Set([top]);
    for (let grew = true; grew;) {
      grew = false;
      for (const r of from)
        if (r.parent !== null && moved.has(r.parent) && !moved.has(r.urn)) {
          moved.add(r.urn);
          grew = true;
        }
    }
    const stay = from.filter((r) => !moved.has(r.urn));
    for (const r of stay) r.dependencies = r.dependencies.filter((d) => !moved.has(d));
    const arriving = from
      .filter((r) => moved.has(r.urn))
      .map((r) => ({
        ...r,
        urn: restack(r.urn, source, dest),
        parent: r.parent === null || !moved.has(r.parent) ? null : restack(r.parent, source, dest),
        dependencies: r.dependencies
          .filter((d) => moved.has(d))
          .map((d) => restack(d, source, dest)),
      }));
    state.set(source, stay);
    state.set(dest, [...(state.get(dest) ?? []), ...arriving]);
  } else if (verb === "import") {
    const [type, name] = [argv[4], argv[5]];
    const parent = (flag(argv, "--parent") ?? "").replace(/^[^=]*=/, "");
    const rs = state.get(stack) ?? [];
    if (!rs.some((r) => r.urn === parent)) throw new Error(`no parent ${parent} in ${stack}`);
    const parentTypes = parent.split("::")[2] ?? "";
    rs.push({
      urn: `urn:pulumi:${stack}::tars-federation::${parentTypes}$${type}::${name}`,
      type,
      parent,
      dependencies: [],
      protect: true,
    });
  } else if (verb === "refresh" || verb === "up") {
    target(stack);
  }
}

/** Replays the plan's state moves, then its `pulumi` commands after the fleet edits. */
function replay(state: State, plan: ReprotectPlan): void {
  for (const move of plan.stateMoves)
    for (const command of move.commands)
      for (const part of command.split("&&")) apply(state, part.trim());
  for (const after of plan.after)
    if (after.startsWith("pulumi ")) apply(state, after.slice(0, after.indexOf(" --yes")));
}

/**
 * The offline plan's URNs of top-level resources name the root stack's type
 * (`pulumi:pulumi:Stack$…`); the Pulumi engine's leave it out ("the parent's type, unless the
 * parent is the stack": https://www.pulumi.com/docs/iac/concepts/resources/names/#urns), and
 * reprotect names resources as the engine does.
 */
const engineUrn = (urn: string) => urn.replace("::pulumi:pulumi:Stack$", "::");

function stateOf(plan: FleetPlan): State {
  return new Map(
    plan.stacks.map((s) => [
      s.name,
      s.resources
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .map((r) => ({
          urn: engineUrn(r.urn),
          type: r.type,
          parent:
            r.parent === null || r.parent.includes("::pulumi:pulumi:Stack::")
              ? null
              : engineUrn(r.parent),
          dependencies: r.dependencies.map(engineUrn),
          protect: r.protect,
        })),
    ]),
  );
}

let failedOver: FleetPlan;
let plan: ReprotectPlan;
beforeAll(async () => {
  expect(DEMO, "the demo fleet has its standby on its db line").toMatch(DB_LINE);
  const text = DEMO.replace(DB_LINE, "$1, servingRegion: shanghai$2");
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-reprotect-")), "fleet.yaml");
  writeFileSync(file, text);
  const loaded = loadFleet(file);
  failedOver = await planFleet(loaded);
  plan = planReprotect(loaded.spec);
}, 300_000);

const DR = "tencentcloud:index/mysqlDrInstance:MysqlDrInstance";
const RECORD = "tencentcloud:index/privateDnsRecord:PrivateDnsRecord";
const MYSQL = "tencentcloud:index/mysqlInstance:MysqlInstance";

describe("tarsfed reprotect's state moves, replayed on the failed-over fleet's state", () => {
  it("starts from a record that depends on the DR resource", () => {
    const standby = stateOf(failedOver).get("shanghai-infra") ?? [];
    const dr = standby.find((r) => r.type === DR);
    const record = standby.find((r) => r.type === RECORD);
    expect(dr).toBeDefined();
    expect(record?.dependencies).toContain(dr?.urn);
  });

  it("runs every command without a refusal and leaves each stack holding what its program declares", () => {
    const state = stateOf(failedOver);
    replay(state, plan);
    const types = (stack: string) => (state.get(stack) ?? []).map((r) => r.type);
    expect(types("shanghai-infra")).not.toContain(DR);
    expect(types("shanghai-infra")).not.toContain(RECORD);
    expect(types("guangzhou-infra")).toContain(RECORD);
    expect(types("guangzhou-infra")).not.toContain(MYSQL);
    const master = (state.get("shanghai-infra") ?? []).find((r) => r.type === MYSQL);
    expect(master).toMatchObject({
      urn: "urn:pulumi:shanghai-infra::tars-federation::tarsfed:tars:TarsDatabaseInstance$tencentcloud:index/mysqlInstance:MysqlInstance::tars-db-mysql",
      parent:
        "urn:pulumi:shanghai-infra::tars-federation::tarsfed:tars:TarsDatabaseInstance::tars-db",
      protect: true,
    });
    // The moved record depends on nothing in another stack.
    const record = (state.get("guangzhou-infra") ?? []).find((r) => r.type === RECORD);
    expect(
      record?.dependencies.filter((d) => !d.startsWith("urn:pulumi:guangzhou-infra::")),
    ).toEqual([]);
  });

  it("refuses the DR resource's delete before the record has moved (the order it had)", () => {
    const state = stateOf(failedOver);
    const [record, dr, ...rest] = plan.stateMoves;
    expect(record?.description).toMatch(/^move the database's DNS record/);
    expect(() =>
      replay(state, { ...plan, stateMoves: [dr, record, ...rest].filter((m) => m !== undefined) }),
    ).toThrow(/tars-db-replica-mysql can't be deleted: demo-db-record depend on it/);
  });

  it("refreshes, then updates, exactly the old home's database rule set", () => {
    const commands = plan.stateMoves.flatMap((m) => m.commands).join("\n");
    expect(commands).toContain(
      "pulumi destroy --stack guangzhou-db-fence --yes && pulumi stack rm guangzhou-db-fence --yes",
    );
    const pattern = "urn:pulumi:guangzhou-infra::tars-federation::**::guangzhou-database-rules";
    expect(commands).toContain(
      `pulumi refresh --stack guangzhou-infra --target '${pattern}' --yes`,
    );
    const home = failedOver.stacks.find((s) => s.name === "guangzhou-infra");
    const rules = home?.resources.filter((r) => matches(pattern, r.urn)) ?? [];
    expect(rules.map((r) => r.type)).toEqual([
      "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet",
    ]);
    const up = plan.after.findIndex((a) =>
      a.startsWith(`pulumi up --stack guangzhou-infra --target '${pattern}'`),
    );
    const all = plan.after.findIndex((a) => a.startsWith("tarsfed up --all"));
    expect(up).toBeGreaterThan(0);
    expect(all).toBeGreaterThan(up);
  });
});
