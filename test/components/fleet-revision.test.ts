/**
 * What the program records for `tarsfed up`'s checks, and which fleet text it deploys.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planFleet } from "../../cli/plan/plan-fleet";
import { loadFleet } from "../../fleet/model/load";
import { FLEET_SNAPSHOT_ENV, fleetRevision } from "../../fleet/operations/revision";
import { demoText, replaceOnce } from "../fleet/fleet-copies";
import { stackOf } from "./helpers";

const FAILOVER = [
  "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
  "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
] as const;

describe("the program's fleet revision", () => {
  it("is an output of every stack, with the home region", async () => {
    const plan = await planFleet(loadFleet("stacks/fleet.yaml"));
    for (const stack of plan.stacks)
      expect([stack.name, stack.outputs.fleetRevision, stack.outputs.homeRegion]).toEqual([
        stack.name,
        fleetRevision(demoText),
        "guangzhou",
      ]);
  });

  it("comes from the snapshot tarsfed passes, which the program deploys instead of the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-snapshot-"));
    const file = path.join(dir, "fleet.yaml");
    const snapshot = path.join(dir, "snapshot.yaml");
    fs.writeFileSync(file, demoText);
    const failedOver = replaceOnce(demoText, ...FAILOVER);
    fs.writeFileSync(snapshot, failedOver);
    const env = { [FLEET_SNAPSHOT_ENV]: snapshot };
    const plan = await planFleet(loadFleet(file), { env });
    const guangzhou = stackOf(plan, "guangzhou");
    expect(guangzhou.outputs.fleetRevision).toBe(fleetRevision(failedOver));
    // app.gz.1 failed over: gz1 runs none of its Deployments.
    const names = guangzhou.resources.map((r) => r.name);
    expect(names.filter((n) => n.startsWith("gz1-") && n.includes("app-gz-1"))).toEqual([]);
    expect(
      names.filter((n) => n.startsWith("gz2-") && n.includes("app-gz-2")).length,
    ).toBeGreaterThan(0);
  });
});
