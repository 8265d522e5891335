/**
 * The rules over real plans: the demo fleet's plan has no mandatory finding, and a plan broken
 * against each mandatory rule makes `tarsfed plan` exit 1, naming the rule and the resource.
 *
 * The demo is planned once; each case hands a broken copy of that plan to the plan command
 * through its injectable `plan` dependency, so the real policy evaluation and rendering run.
 */
import { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { planCommand } from "../../cli/commands/plan";
import { createContext, DEFAULT_FLEET } from "../../cli/context";
import { type ExitCode } from "../../cli/exit-codes";
import { memoryIo } from "../../cli/io";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { loadFleet } from "../../fleet/model/load";
import { evaluatePolicies } from "../../policies/evaluate";
import { EnforcementLevel } from "../../policies/rule";
import { rules } from "../../policies/rules";
import { dig, type JsonObject } from "./builders";

let demoPlan: FleetPlan;

beforeAll(async () => {
  demoPlan = await planFleet(loadFleet(DEFAULT_FLEET));
});

/** A copy of the demo plan with `edit` applied to resource `name` of `stack`. */
function broken(
  stack: string,
  name: string,
  edit: (inputs: JsonObject, resource: { protect: boolean }) => void,
): FleetPlan {
  const plan = JSON.parse(JSON.stringify(demoPlan)) as FleetPlan;
  const found = plan.stacks.find((s) => s.name === stack)?.resources.find((r) => r.name === name);
  if (found === undefined) throw new Error(`the demo plan has no ${stack}/${name}`);
  edit(found.inputs, found);
  return plan;
}

function without(stack: string, name: string): FleetPlan {
  const plan = JSON.parse(JSON.stringify(demoPlan)) as FleetPlan;
  const s = plan.stacks.find((x) => x.name === stack);
  if (s === undefined || !s.resources.some((r) => r.name === name))
    throw new Error(`the demo plan has no ${stack}/${name}`);
  return {
    ...plan,
    stacks: plan.stacks.map((x) =>
      x === s ? { ...s, resources: s.resources.filter((r) => r.name !== name) } : x,
    ),
  };
}

/** Runs `tarsfed [globals] plan` over `plan` instead of planning. */
async function runPlanCommand(plan: FleetPlan, globals: string[] = [], flags: string[] = []) {
  const io = memoryIo();
  let code: ExitCode | undefined;
  const ctx = createContext(io, (c) => (code = c));
  const program = new Command("tarsfed")
    .option("--fleet <file>", "the fleet file", DEFAULT_FLEET)
    .option("--json")
    .exitOverride()
    .addCommand(planCommand(ctx, { plan: () => Promise.resolve(plan) }));
  await program.parseAsync([...globals, "plan", ...flags], { from: "user" });
  return { code, stdout: io.stdout.join("") };
}

const HELLO = "gz1-testapp-helloserver-app-gz-1-deployment";
const container = (inputs: JsonObject) => dig(inputs, "spec", "template", "spec", "containers", 0);

// [rule, stack, resource named in the finding, the broken plan]
const breaks: [string, string, string, () => FleetPlan][] = [
  [
    "cluster-endpoint-security-group",
    "shanghai-infra",
    "sh1-endpoint",
    () => broken("shanghai-infra", "sh1-endpoint", (i) => delete i.clusterIntranetSecurityGroup),
  ],
  [
    "pod-security-context",
    "guangzhou",
    HELLO,
    () =>
      broken(
        "guangzhou",
        HELLO,
        (i) => (dig(i, "spec", "template", "spec").automountServiceAccountToken = true),
      ),
  ],
  [
    "namespace-pod-security",
    "shanghai",
    "sh1-ns-tars",
    () => broken("shanghai", "sh1-ns-tars", (i) => (dig(i, "metadata").labels = {})),
  ],
  [
    "namespaces-isolated",
    "shanghai",
    "sh1-testapp-helloserver-app-sh-1-deployment",
    () => without("shanghai", "sh1-tars-default-deny-servers"),
  ],
  [
    "no-public-cluster-endpoint",
    "guangzhou-infra",
    "gz1-endpoint",
    () => broken("guangzhou-infra", "gz1-endpoint", (i) => (i.clusterInternet = true)),
  ],
  [
    "no-public-database",
    "guangzhou-infra",
    "tars-db-mysql",
    () => broken("guangzhou-infra", "tars-db-mysql", (i) => (i.internetService = 1)),
  ],
  [
    "no-public-load-balancer",
    "guangzhou-infra",
    "tars-home-web-clb",
    () => broken("guangzhou-infra", "tars-home-web-clb", (i) => (i.networkType = "OPEN")),
  ],
  [
    "no-open-tars-ports",
    "shanghai-infra",
    "shanghai-nodes-rules",
    () =>
      broken(
        "shanghai-infra",
        "shanghai-nodes-rules",
        // IPv6: `0.0.0.0/0` would be allow-lists-bounded's finding too.
        (i) => (dig(i, "ingresses", 1).cidrBlock = "::/0"),
      ),
  ],
  [
    "allow-lists-bounded",
    "shanghai-infra",
    "shanghai-nodes-rules",
    () =>
      broken(
        "shanghai-infra",
        "shanghai-nodes-rules",
        (i) => (dig(i, "ingresses", 1).cidrBlock = "0.0.0.0/1"),
      ),
  ],
  [
    "images-pinned",
    "guangzhou",
    HELLO,
    () =>
      broken(
        "guangzhou",
        HELLO,
        (i) => (container(i).image = "ccr.ccs.tencentyun.com/demo/helloserver:latest"),
      ),
  ],
  [
    "resource-requests-and-limits",
    "guangzhou",
    HELLO,
    () => broken("guangzhou", HELLO, (i) => delete dig(container(i), "resources").limits),
  ],
  [
    "tars-graceful-shutdown",
    "guangzhou",
    HELLO,
    () =>
      broken(
        "guangzhou",
        HELLO,
        (i) => (dig(i, "spec", "template", "spec").terminationGracePeriodSeconds = 60),
      ),
  ],
  [
    "set-deployment-pdb",
    "guangzhou",
    HELLO,
    () => without("guangzhou", "gz1-testapp-helloserver-app-gz-1-pdb"),
  ],
  [
    "stateful-resources-protected",
    "beijing-infra",
    "beijing-vpc",
    () => broken("beijing-infra", "beijing-vpc", (_i, r) => (r.protect = false)),
  ],
  [
    "no-plaintext-secrets",
    "guangzhou",
    HELLO,
    () =>
      broken(
        "guangzhou",
        HELLO,
        (i) => (container(i).env = [{ name: "DB_PASS", value: "[secret]" }]),
      ),
  ],
  [
    "tarsnode-package-verified",
    "beijing-infra",
    "beijing-fallback-0",
    () =>
      broken(
        "beijing-infra",
        "beijing-fallback-0",
        (i) => (i.userDataRaw = String(i.userDataRaw).replace(/^PACKAGE_SHA256=.*\n/m, "")),
      ),
  ],
];

describe("the rules over the demo plan", () => {
  it("find no mandatory finding, and flag the GR cluster gz2", () => {
    const plan = evaluatePolicies(demoPlan, loadFleet(DEFAULT_FLEET).spec);
    const findings = plan.stacks.flatMap((s) => s.violations.map((v) => ({ stack: s.name, ...v })));
    expect(findings).toEqual([
      {
        stack: "guangzhou-infra",
        policy: "gr-cluster-reachability",
        severity: "advisory",
        resource:
          "urn:pulumi:guangzhou-infra::tars-federation::tarsfed:compute:TkeCluster$tencentcloud:index/kubernetesCluster:KubernetesCluster::gz2-cluster",
        message:
          "networkType is GR: its pod IPs are not routable over CCN, so TARS callers in other regions cannot reach its servers; use VPC-CNI unless every caller is local",
      },
    ]);
  });

  it("let `tarsfed plan` exit 0, with the advisory finding in the table", async () => {
    const { code, stdout } = await runPlanCommand(demoPlan);
    expect(code).toBe(0);
    expect(stdout).toMatch(/gr-cluster-reachability\s*│\s*advisory\s*│\s*gz2-cluster/);
    expect(stdout).toContain("0 mandatory and 1 advisory policy findings");
  });

  it("cover every mandatory rule in the cases below", () => {
    const mandatory = rules.filter((r) => r.enforcementLevel === EnforcementLevel.Mandatory);
    expect(breaks.map(([rule]) => rule).sort()).toEqual(mandatory.map((r) => r.name).sort());
  });

  it.each(breaks)(
    "fail %s: `tarsfed plan` exits 1 naming the rule and %s/%s",
    async (rule, stack, name, plan) => {
      const text = await runPlanCommand(plan());
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(new RegExp(`${rule}\\s*│\\s*mandatory\\s*│\\s*${name}\\s*│`));

      const json = await runPlanCommand(plan(), ["--json"]);
      expect(json.code).toBe(1);
      const violations = (JSON.parse(json.stdout) as FleetPlan).stacks.flatMap((s) =>
        s.violations.map((v) => ({ stack: s.name, ...v })),
      );
      const mandatory = violations
        .filter((v) => v.severity === "mandatory")
        .map((v) => [v.stack, v.policy, v.resource?.slice(v.resource.lastIndexOf("::") + 2)]);
      expect(mandatory).toEqual([[stack, rule, name]]);
    },
  );

  it("list the findings in the markdown for the pull request, mandatory ones first", async () => {
    const plan = broken("guangzhou-infra", "tars-db-mysql", (i) => (i.internetService = 1));
    const { code, stdout } = await runPlanCommand(plan, [], ["--markdown"]);
    expect(code).toBe(1);
    const table = stdout.slice(stdout.indexOf("### Policy findings"), stdout.indexOf("### global"));
    expect(table.trim().split("\n").slice(4)).toEqual([
      "| ❌ mandatory | no-public-database | guangzhou-infra | tars-db-mysql | the database has a public address (internetService: 1); set internetService: 0 and reach it over the VPC and CCN |",
      "| ⚠️ advisory | gr-cluster-reachability | guangzhou-infra | gz2-cluster | networkType is GR: its pod IPs are not routable over CCN, so TARS callers in other regions cannot reach its servers; use VPC-CNI unless every caller is local |",
    ]);
  });
});
