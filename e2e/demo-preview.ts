/**
 * Check `preview` (issue 12, 4a): a real `pulumi preview` of each TARS stack of the demo fleet
 * (`stacks/fleet.yaml`), compared with the offline plan's resources for that stack.
 *
 * - `global` and the `<region>-infra` stacks hold Tencent Cloud resources; the Go module proxy
 *   refuses the Tencent Cloud Terraform provider (`e2e/tools.ts`), so they cannot be previewed.
 *   Their outputs are seeded instead, as `e2e/home-dark.ts` seeds them: the project's program runs
 *   every stack offline under the fake cloud (`cli/offline`, as `tarsfed plan` runs it), and each
 *   non-TARS stack's outputs go into the local file backend with `pulumi stack import`. The TARS
 *   stacks then read them through their real StackReferences (`program/tars.ts`).
 * - The kubeconfigs in those outputs point at TKE endpoints that do not exist. pulumi-kubernetes
 *   previews against an unreachable cluster: `Configure` marks the cluster unreachable instead of
 *   failing, `Check` then skips the OpenAPI validation and the removed-API check, and `Create`
 *   refuses an unreachable cluster only outside a preview (`!req.GetPreview() &&
 *   k.clusterUnreachable`); pulumi/pulumi-kubernetes `provider/pkg/provider/provider.go` (the
 *   module the tools cache builds, `e2e/tools.ts` `KUBERNETES_PROVIDER`); that version logs no warning
 *   for it (only `replaceUnready`'s check does, unused here). `Check` returns the old inputs unchanged when `skipUpdateUnreachable` is set, so the preview runs with
 *   `PULUMI_K8S_SKIP_UPDATE_UNREACHABLE=false`, as `tarsfed up` runs a stack
 *   (`components/cluster-connection.ts`). What the preview checks is thus the program, the
 *   StackReferences, the provider's own input checks without a server, and the policy pack; not
 *   the API server's schema validation (the `tars-up` drill's real `up` does that).
 * - Each stack runs with its committed stack config (`stacks/Pulumi.<stack>.yaml`, copied into
 *   the workspace) and `tars-federation:fleet` set to the demo fleet, the project's policy pack
 *   (run through the analyzer shim, as `e2e/tars-up.ts` makes it), the kubernetes provider of the
 *   tools cache and the random stand-in (`e2e/random-standin.ts`) on PATH (in TencentDB mode the
 *   demo's TARS stacks hold no random resource: the passwords are the infra stack's).
 * - The home TARS stack's outputs (the database's address and credentials, `program/outputs.ts`
 *   `HomeOutput`) are read by the other TARS stacks; it cannot be `up` here, so they are seeded
 *   from the offline plan after its preview, in the same way.
 *
 * The resources a preview reports are its `resourcePreEvent`s' type and URN name, without the
 * root `pulumi:pulumi:Stack` (the offline plan leaves it out too: `cli/offline/run-stack.ts`,
 * `recordRegistrations`) and without the default providers the engine adds itself (named
 * `default` or `default_<version>`; the program registers none, so the offline plan has none).
 * The program's explicit providers are compared like any resource. Resources the program reads
 * rather than manages (op `read`: the StackReferences, a `CustomResource` with `id` set, which
 * `@pulumi/pulumi` registers through `readResource`: `stackReference.js`, `resource.js`) are left
 * out too: the offline runner records registrations only, so its plan has none of them.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { type EngineEvent, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { loadablePolicyPack, PROJECT_POLICY_PACK } from "../cli/commands/engine";
import { offlineStackConfig } from "../cli/offline/stack-config";
import { type StackOutputsForReference } from "../cli/offline/run-stack";
import { PULUMI_PROJECT } from "../fleet/model/naming";
import { seedOutputs } from "./seed-outputs";
import { StackPool } from "../cli/offline/stack-pool";
import { loadFleet } from "../fleet/model/load";
import { isTarsStack, stackWaves } from "../fleet/stacks/slice";
import main from "../index";
import { pulumiEnv, writePolicyAnalyzer, writeRandomStandin } from "./pulumi-smoke";
import { type NotRunEntry } from "./report";

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The demo fleet: `stacks/fleet.yaml`. */
export const DEMO_FLEET = path.resolve("stacks", "fleet.yaml");

/** One TARS stack's preview, as the report's `preview.stacks` lists it. */
export interface PreviewEntry {
  readonly name: string;
  /** Resources the preview reported (without the root stack and default providers). */
  readonly resources: number;
  /** Error diagnostics of the engine, then mandatory policy violations. */
  readonly errors: readonly string[];
  /** The reported resources equal the offline plan's for the stack, by type and name. */
  readonly matchesOfflinePlan: boolean;
  /** What differs: `+type::name` only in the preview, `-type::name` only in the offline plan. */
  readonly differences: readonly string[];
  /** Resources read (op `read`, the StackReferences), left out of the comparison. */
  readonly reads: readonly string[];
  /** Warning diagnostics of the engine, counted (plugin-from-PATH and version notes). */
  readonly warnings: number;
  readonly seconds: number;
}

/** What the check gives the report. */
export interface DemoPreviewResult {
  readonly stacks: PreviewEntry[];
  readonly notRun: NotRunEntry[];
  /** Seeded stacks and their output names. */
  readonly seeded: readonly string[];
}

export interface DemoPreviewOptions {
  readonly runDir: string;
  /** The Pulumi CLI's folder: `<root>/bin/pulumi`. */
  readonly pulumiRoot: string;
  readonly kubernetesProviderDir: string;
  /** Why `global` and the infra stacks cannot be previewed (the refused provider module). */
  readonly tencentCloudRefused: string;
  readonly fleetFile?: string;
  readonly output?: (line: string) => void;
  readonly progress?: (line: string) => void;
}

/** `type::name` of each planned resource, sorted. */
type Planned = Map<string, string[]>;

/**
 * Every stack of the fleet offline, wave by wave, each reading the outputs of the earlier ones:
 * the resources (`type::name`) of each stack and the outputs of each.
 */
async function offlinePlan(
  fleetFile: string,
): Promise<{ resources: Planned; outputs: Map<string, StackOutputsForReference> }> {
  const fleet = loadFleet(fleetFile);
  const outputs = new Map<string, StackOutputsForReference>();
  const resources: Planned = new Map();
  // A worker thread: the offline run sets Pulumi's mocks, which are per thread.
  const pool = new StackPool(1);
  try {
    for (const stack of stackWaves(fleet.spec).flat()) {
      const { config, secretKeys } = offlineStackConfig(fleet.spec, fleet.file, stack);
      const result = await pool.run({ stack, config, secretKeys, references: outputs });
      outputs.set(stack, result.referenceOutputs);
      resources.set(stack, result.resources.map((r) => `${r.type}::${r.name}`).sort());
    }
  } finally {
    await pool.close();
  }
  return { resources, outputs };
}

/** A default provider the engine registers itself: `pulumi:providers:<pkg>::default[_<version>]`. */
function isDefaultProvider(type: string, name: string): boolean {
  return type.startsWith("pulumi:providers:") && /^default(_|$)/.test(name);
}

/** The preview's resources, errors and warnings, from its engine events. */
export class PreviewEvents {
  readonly resources = new Set<string>();
  /** Resources read, not managed: the StackReferences. */
  readonly reads = new Set<string>();
  readonly errors: string[] = [];
  warnings = 0;

  readonly onEvent = (event: EngineEvent): void => {
    const step = event.resourcePreEvent?.metadata;
    if (step !== undefined) {
      const name = step.urn.split("::").pop() ?? "";
      if (step.op === "read") this.reads.add(`${step.type}::${name}`);
      else if (step.type !== STACK_TYPE && !isDefaultProvider(step.type, name))
        this.resources.add(`${step.type}::${name}`);
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error")
      this.errors.push(
        `${diagnostic.message.trim()}${diagnostic.urn === undefined || diagnostic.urn === "" ? "" : ` (${diagnostic.urn})`}`,
      );
    if (diagnostic?.severity === "warning") this.warnings++;
    const policy = event.policyEvent;
    if (policy?.enforcementLevel === "mandatory")
      this.errors.push(
        `${policy.policyPackName}/${policy.policyName}: ${policy.message.trim()}${policy.resourceUrn === undefined ? "" : ` (${policy.resourceUrn})`}`,
      );
  };
}

/** `+x` for what only the preview has, `-x` for what only the plan has. */
export function planDifferences(
  previewed: ReadonlySet<string>,
  planned: readonly string[],
): string[] {
  const plan = new Set(planned);
  return [
    ...[...previewed].filter((r) => !plan.has(r)).map((r) => `+${r}`),
    ...planned.filter((r) => !previewed.has(r)).map((r) => `-${r}`),
  ].sort();
}

/** Runs the check; throws only when its setup fails (a stack's failure is in its entry). */
export async function demoPreview(options: DemoPreviewOptions): Promise<DemoPreviewResult> {
  const fleetFile = options.fleetFile ?? DEMO_FLEET;
  const fleet = loadFleet(fleetFile);
  const stacks = stackWaves(fleet.spec).flat();
  const tars = stacks.filter((s) => isTarsStack(fleet.spec, s));
  const seededNames = stacks.filter((s) => !isTarsStack(fleet.spec, s));
  const dir = path.join(options.runDir, "demo-preview");
  const binDir = path.join(dir, "bin");
  const workDir = path.join(dir, "work");
  const state = path.join(dir, "state");
  for (const d of [binDir, workDir, state, path.join(options.runDir, "pulumi-home")])
    mkdirSync(d, { recursive: true });
  // The random stand-in and the policy pack's analyzer, as e2e/tars-up.ts makes them.
  writeRandomStandin(binDir);
  writePolicyAnalyzer(binDir);
  const policyPack = loadablePolicyPack(PROJECT_POLICY_PACK);

  options.progress?.(`preview: the offline plan of ${stacks.length} stacks`);
  const plan = await offlinePlan(fleetFile);

  const envVars = pulumiEnv(options.runDir, [options.kubernetesProviderDir, binDir]);
  const pulumiCommand = await PulumiCommand.get({
    root: options.pulumiRoot,
    skipVersionCheck: true,
  });
  const open = (stackName: string) =>
    LocalWorkspace.createOrSelectStack(
      { stackName, projectName: PULUMI_PROJECT, program: main },
      {
        workDir,
        pulumiHome: envVars.PULUMI_HOME,
        pulumiCommand,
        envVars,
        projectSettings: {
          name: PULUMI_PROJECT,
          runtime: "nodejs",
          backend: { url: `file://${state}` },
        },
      },
    );
  const seeded: string[] = [];
  for (const name of seededNames) {
    const outputs = plan.outputs.get(name);
    if (outputs === undefined) continue;
    await seedOutputs(await open(name), outputs);
    seeded.push(`${name} (${Object.keys(outputs.values).length} outputs)`);
  }
  options.progress?.(`preview: seeded ${seeded.join(", ")} with pulumi stack import`);

  const entries: PreviewEntry[] = [];
  for (const name of tars) {
    const started = Date.now();
    const events = new PreviewEvents();
    let failure: string | undefined;
    try {
      // The committed stack config, as `pulumi preview --stack <name>` in stacks/ reads it.
      const committed = path.join(path.dirname(fleetFile), `Pulumi.${name}.yaml`);
      if (existsSync(committed)) copyFileSync(committed, path.join(workDir, `Pulumi.${name}.yaml`));
      const stack = await open(name);
      await stack.setConfig("tars-federation:fleet", { value: fleetFile });
      const saved = process.env.PULUMI_K8S_SKIP_UPDATE_UNREACHABLE;
      // The inline program runs in this process and reads it here (@pulumi/kubernetes provider.ts).
      process.env.PULUMI_K8S_SKIP_UPDATE_UNREACHABLE = "false";
      try {
        await stack.preview({
          color: "never",
          policyPacks: [policyPack],
          onEvent: events.onEvent,
          onOutput: (out) => options.output?.(out),
        });
      } finally {
        if (saved === undefined) delete process.env.PULUMI_K8S_SKIP_UPDATE_UNREACHABLE;
        else process.env.PULUMI_K8S_SKIP_UPDATE_UNREACHABLE = saved;
      }
    } catch (error) {
      failure =
        error instanceof Error ? error.message.split("\n").slice(-6).join(" | ") : String(error);
    }
    const errors =
      failure !== undefined && events.errors.length === 0 ? [failure] : [...events.errors];
    const differences = planDifferences(events.resources, plan.resources.get(name) ?? []);
    entries.push({
      name,
      resources: events.resources.size,
      errors,
      matchesOfflinePlan: differences.length === 0,
      differences,
      reads: [...events.reads].sort(),
      warnings: events.warnings,
      seconds: (Date.now() - started) / 1000,
    });
    options.progress?.(
      `preview ${name}: ${events.resources.size} resources, ${errors.length} errors, differences from the offline plan: ${differences.join(" ") || "none"}`,
    );
    // What its `up` would leave for the stacks after it (the home TARS stack's database outputs,
    // `program/outputs.ts` `HomeOutput`): it cannot run here (no cluster), so seeded likewise.
    const outputs = plan.outputs.get(name);
    if (outputs !== undefined && Object.keys(outputs.values).length > 0) {
      await seedOutputs(await open(name), outputs);
      seeded.push(`${name} (${Object.keys(outputs.values).length} outputs, after its preview)`);
    }
  }
  return {
    stacks: entries,
    seeded,
    notRun: seededNames.map((name) => ({
      name: `preview ${name}`,
      reason: `its resources are Tencent Cloud's: ${options.tencentCloudRefused}; its outputs were seeded from the offline plan with pulumi stack import instead`,
    })),
  };
}
