/**
 * Every TARS stack in `tencentdb` mode reads the infra stack that holds the database's DNS record
 * (the standby's with `tars.db.standbyRegion`, else the home's), so the init Job, the registries and
 * the base services never start before `db.<zone>` resolves: the objects naming the host (and the
 * init Job's Secret) wait for that stack's `dbRecordId`, and a stack without it stops the update.
 */
import { describe, expect, it } from "vitest";
import { runStack, type RunStackResult } from "../../cli/offline/run-stack";
import { offlineStackConfig } from "../../cli/offline/stack-config";
import { loadFleet } from "../../fleet/model/load";

const fleet = loadFleet("stacks/fleet.yaml");

/** Runs `stacks` in order offline, each reading the outputs of those run before it. */
async function runInOrder(stacks: readonly string[]) {
  const references = new Map<string, RunStackResult["referenceOutputs"]>();
  const results = new Map<string, RunStackResult>();
  for (const stack of stacks) {
    const { config, secretKeys } = offlineStackConfig(fleet.spec, fleet.file, stack);
    const result = await runStack({ stack, config, secretKeys, references });
    results.set(stack, result);
    references.set(stack, result.referenceOutputs);
  }
  return { references, results };
}

/** A map of stack outputs that records which stacks were read. */
class ReadLog<V> extends Map<string, V> {
  readonly read = new Set<string>();
  override get(key: string): V | undefined {
    this.read.add(key);
    return super.get(key);
  }
}

describe("the database record's stack, before every TARS stack", () => {
  // shanghai's TARS stack reads shanghai-infra as its own infra stack anyway.
  it.each(["guangzhou", "beijing"])(
    "is read by the %s TARS stack: shanghai-infra, the standby's, holds the record",
    async (tars) => {
      const { references } = await runInOrder([
        "global",
        "guangzhou-infra",
        "shanghai-infra",
        "beijing-infra",
        ...(tars === "guangzhou" ? [] : ["guangzhou"]),
      ]);
      const log = new ReadLog<RunStackResult["referenceOutputs"]>(references);
      const { config, secretKeys } = offlineStackConfig(fleet.spec, fleet.file, tars);
      const result = await runStack({ stack: tars, config, secretKeys, references: log });
      expect(log.read).toContain("shanghai-infra");
      // The host stays the name the fleet decides, visible in the plan.
      const configMap = result.resources.find(
        (r) =>
          r.type === "kubernetes:core/v1:ConfigMap" &&
          JSON.stringify(r.inputs).includes("db.tarsfed-demo.com"),
      );
      expect(configMap).toBeDefined();
    },
  );
});
