/**
 * The targeted-failover measurement's generated fleet (`e2e/bench-fleet.ts`): valid, the size the
 * README says, the two moving Sets' targets, and the setup's skipAwait only on bulk Deployments.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { RESOURCES_PER_SET_DEPLOYMENT, setTargets } from "../../cli/engine/targets";
import { parseFleet } from "../../fleet/model/load";
import { applyFailover } from "../../fleet/operations/operations";
import { placeWorkloads } from "../../fleet/tars/placement";
import {
  BENCH_SHAPE,
  benchFleet,
  bulkSkipAwait,
  MOVING_SETS,
  SKIP_AWAIT,
} from "../../e2e/bench-fleet";

/** The fleet file, beside the kubeconfig files it names (one local cluster's, as the run writes). */
function benchFleetFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-bench-fleet-"));
  mkdirSync(path.join(dir, "kubeconfigs"));
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{ name: local, cluster: { server: https://127.0.0.1:6443 } }]",
    "users: [{ name: admin, user: { token: t } }]",
    "contexts: [{ name: local, context: { cluster: local, user: admin } }]",
    "current-context: local",
    "",
  ].join("\n");
  for (const cluster of ["b1", "b2"])
    writeFileSync(path.join(dir, "kubeconfigs", `${cluster}.yaml`), kubeconfig);
  return path.join(dir, "fleet.yaml");
}

const fleet = parseFleet(benchFleet(BENCH_SHAPE), benchFleetFile()).spec;

describe("the measurement's fleet", () => {
  it("validates, with 384 Set Deployments in one region of two clusters", () => {
    expect(fleet.regions.map((r) => [r.name, r.clusters.map((c) => c.name)])).toEqual([
      ["guangzhou", ["b1", "b2"]],
    ]);
    // 20 bulk Sets × 19 servers, and 2 servers in each of the 2 moving Sets.
    expect(placeWorkloads(fleet)).toHaveLength(20 * 19 + 2 * 2);
  });

  it("targets each moving Set's 2 servers in both clusters: 20 URNs", () => {
    for (const set of MOVING_SETS) {
      const after = applyFailover(fleet, [set]);
      const targets = setTargets(after, "guangzhou", [set]);
      expect(targets).toHaveLength(2 * 2 * RESOURCES_PER_SET_DEPLOYMENT);
      expect(targets.filter((u) => u.includes("::b1-"))).toHaveLength(10);
      expect(targets.filter((u) => u.includes("::b2-"))).toHaveLength(10);
    }
  });

  it("skips the await of bulk Deployments only", () => {
    const args = (type: string, name: string) => ({
      custom: true,
      type,
      name,
      props: { metadata: { name: "x", annotations: { a: "b" } } },
      opts: {},
    });
    expect(
      bulkSkipAwait(args("kubernetes:apps/v1:Deployment", "b1-bulk-server1-bulk-gz-1-deployment"))
        ?.props,
    ).toEqual({ metadata: { name: "x", annotations: { a: "b", [SKIP_AWAIT]: "true" } } });
    expect(
      bulkSkipAwait(args("kubernetes:apps/v1:Deployment", "b1-move-server1-move-gz-1-deployment")),
    ).toBeUndefined();
    expect(
      bulkSkipAwait(
        args("kubernetes:policy/v1:PodDisruptionBudget", "b1-bulk-server1-bulk-gz-1-pdb"),
      ),
    ).toBeUndefined();
  });
});
