/**
 * The one-off Automation API programs of `tarsfed failover --region <home>`: the fence, the
 * promotion and the recovery Job, each an inline program in a stack of its own
 * (`<home>-db-fence`, `<standby>-db-promote`, `<standby>-db-recovery`), never in the fleet's
 * stacks.
 *
 * The one-off stacks are stacks of the same project (`tars-federation`) in the same backend as
 * the fleet's: Automation API runs the Pulumi CLI, which uses the backend `pulumi login` chose
 * (or `PULUMI_BACKEND_URL`) and the passphrase secrets provider (`PULUMI_CONFIG_PASSPHRASE`)
 * exactly as for `tarsfed up`. Their workspace is a private directory, so no
 * `stacks/Pulumi.<stack>.yaml` is written for them; the provider region is their only config, and
 * credentials come from the environment as for every stack (`TENCENTCLOUD_SECRET_ID`,
 * `TENCENTCLOUD_SECRET_KEY`, https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs#environment-variables).
 * What they need from the fleet's stacks (a security group id, the replica's id and address, a
 * kubeconfig) is read from those stacks' outputs first (`pulumi stack output --show-secrets`,
 * `Stack.outputs()`), so the programs hold no stack reference.
 * @see https://www.pulumi.com/docs/iac/using-pulumi/automation-api/ (inline programs)
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as AutomationApi from "@pulumi/pulumi/automation";
import { type LoadedFleet } from "../../fleet/model/load";
import { type OneOffProgram, RECOVERY_JOB } from "../../fleet/operations/home-failover";
import { PULUMI_PROJECT } from "../../fleet/model/naming";
import { commandFailureReason } from "./automation";
import { lineSplitter } from "./lines";

/** What the procedure asks of the engine besides whole-stack updates. */
export interface OneOffEngine {
  /** Reads a fleet stack's outputs, secrets shown; throws when the stack has none. */
  outputs(stack: string): Promise<Readonly<Record<string, unknown>>>;
  /** Runs a one-off program in its own stack (created when new); throws when the update fails. */
  runProgram(
    program: OneOffProgram,
    inputs: OneOffInputs,
    log: (line: string) => void,
  ): Promise<void>;
}

/** The values a program needs, read from the fleet's stacks before it runs. */
export interface OneOffInputs {
  readonly fleet: LoadedFleet;
  /** The security group id (fence), the replica's id (promote). */
  readonly id?: string;
  /** Recovery: the cluster's kubeconfig, and the new master's address. */
  readonly kubeconfig?: string;
  readonly dbHost?: string;
}

type Automation = typeof AutomationApi;

async function loadAutomation(): Promise<Automation> {
  return import("@pulumi/pulumi/automation/index.js");
}

/**
 * The inline program of a one-off stack.
 *
 * The fence is a `SecurityGroupRuleSet`: it owns a security group's whole policy list and
 * replaces it (ModifySecurityGroupPolicies), so DROP-only lists leave the old master reachable by
 * nobody. The home infra stack's rule set of the same group then records ACCEPT rules the group
 * no longer holds, and `tarsfed up` never refreshes: `tarsfed reprotect` destroys this stack (the
 * provider's delete sets an empty list: `resource_tc_security_group_rule_set.go` in
 * tencentcloudstack/terraform-provider-tencentcloud), refreshes that rule set and updates it alone
 * before the new replica exists (README: Losing the home region); the provider says a group's rule
 * set must be its only rule resource (https://www.pulumi.com/registry/packages/tencentcloud/api-docs/securitygroupruleset/).
 * A fence group of its own would not avoid this: binding it to the instance changes the
 * instance's `security_groups`, an input the home infra stack manages just the same, and needs
 * the instance's own API, not only the VPC's.
 * `MysqlDrInstanceToMater`'s create promotes the replica (SwitchDrInstanceToMaster). The recovery
 * Job is awaited until it completes or fails
 * (https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/).
 */
async function programOf(
  program: OneOffProgram,
  inputs: OneOffInputs,
): Promise<() => Promise<void>> {
  const tencentcloud = await import("@pulumi/tencentcloud");
  const { tencentProvider } = await import("../../program/config");
  const fleetName = inputs.fleet.spec.name;
  switch (program.kind) {
    case "fence":
      return () => {
        // `protocol` ALL needs `port` all; `action` ACCEPT or DROP (provider docs,
        // website/docs/r/security_group_rule_set.html.markdown in tencentcloudstack/terraform-provider-tencentcloud).
        const drop = { action: "DROP", cidrBlock: "0.0.0.0/0", protocol: "ALL", port: "ALL" };
        new tencentcloud.SecurityGroupRuleSet(
          `${fleetName}-db-fence`,
          {
            securityGroupId: inputs.id ?? "",
            ingresses: [{ ...drop, description: "tarsfed fence: the old master takes no write" }],
            egresses: [{ ...drop, description: "tarsfed fence" }],
          },
          { provider: tencentProvider(program.tencentRegion) },
        );
        return Promise.resolve();
      };
    case "promote":
      return () => {
        new tencentcloud.MysqlDrInstanceToMater(
          `${fleetName}-db-promote`,
          { instanceId: inputs.id ?? "" },
          { provider: tencentProvider(program.tencentRegion) },
        );
        return Promise.resolve();
      };
    case "recovery": {
      const k8s = await import("@pulumi/kubernetes");
      const { regionRecoveryJob } = await import("../../fleet/k8s/region-recovery");
      const { jobArgs } = await import("../../components/k8s-args");
      const job = regionRecoveryJob(inputs.fleet.spec, program.lostRegion, {
        ...(inputs.dbHost === undefined ? {} : { dbHost: inputs.dbHost }),
      });
      return () => {
        const provider = new k8s.Provider(program.cluster, { kubeconfig: inputs.kubeconfig ?? "" });
        new k8s.batch.v1.Job(RECOVERY_JOB, jobArgs(job), { provider });
        return Promise.resolve();
      };
    }
  }
}

/** A workspace the one-off engine uses instead of the project's: its own folder, backend, CLI and environment. */
export type OneOffWorkspace = AutomationApi.LocalWorkspaceOptions & { readonly workDir: string };

/**
 * The one-off engine over the Pulumi project in `workDir`, on the CLI on PATH; or, given
 * `workspace`, over that workspace's backend, Pulumi home, CLI and environment (`npm run e2e`
 * runs the procedure on inline programs this way: `e2e/home-dark.ts`).
 */
export function automationOneOff(workDir: string, workspace?: OneOffWorkspace): OneOffEngine {
  const selected = async (stackName: string) => {
    const automation = await loadAutomation();
    return workspace === undefined
      ? automation.LocalWorkspace.selectStack({ stackName, workDir })
      : automation.LocalWorkspace.selectStack({ stackName, workDir: workspace.workDir }, workspace);
  };
  const run = async <T>(
    log: (line: string) => void,
    body: (onOutput: (s: string) => void) => Promise<T>,
  ) => {
    const out = lineSplitter(log);
    try {
      return await body((chunk) => out.write(chunk));
    } catch (error) {
      throw new Error(commandFailureReason(error), { cause: error });
    } finally {
      out.end();
    }
  };
  return {
    async outputs(stack) {
      const outputs = await run(
        () => {},
        async () => (await selected(stack)).outputs(),
      );
      return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value as unknown]));
    },
    async runProgram(program, inputs, log) {
      const automation = await loadAutomation();
      const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-one-off-"));
      try {
        const stack = await automation.LocalWorkspace.createOrSelectStack(
          {
            stackName: program.stack,
            projectName: PULUMI_PROJECT,
            program: await programOf(program, inputs),
          },
          {
            ...workspace,
            workDir: dir,
            projectSettings: {
              ...workspace?.projectSettings,
              name: PULUMI_PROJECT,
              runtime: "nodejs",
            },
          },
        );
        if (program.kind !== "recovery")
          await stack.setConfig("tencentcloud:region", { value: program.tencentRegion });
        const result = await run(log, (onOutput) => stack.up({ onOutput, color: "never" }));
        if (result.summary.result !== "succeeded")
          throw new Error(
            `the update of ${program.stack} ended with result "${result.summary.result}"`,
          );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
