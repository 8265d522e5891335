import { describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { activeCluster, placeWorkloads, warmStandbyCluster } from "../../fleet/tars/placement";

const demo = loadFleet("stacks/fleet.yaml").spec;

function withSet(
  fleet: FleetSpec,
  id: string,
  change: { failedOver?: boolean; warmStandby?: boolean },
): FleetSpec {
  return { ...fleet, sets: fleet.sets.map((s) => (s.id === id ? { ...s, ...change } : s)) };
}

const summary = (fleet: FleetSpec) =>
  placeWorkloads(fleet)
    .map((w) => `${w.cluster}/${w.name}:${w.role}:${w.replicas}`)
    .sort();

describe("placement", () => {
  it("runs every server of a Set in its cluster and one warm copy in its standby", () => {
    const hello = placeWorkloads(demo).filter((w) => w.server.id === "TestApp.HelloServer");
    expect(hello.map((w) => `${w.cluster}/${w.name}:${w.role}:${w.replicas}`)).toEqual([
      "gz1/testapp-helloserver-app-gz-1:active:3",
      "sh1/testapp-helloserver-app-gz-1:warm-standby:1",
      "gz2/testapp-helloserver-app-gz-2:active:1",
      "sh1/testapp-helloserver-app-sh-1:active:2",
      "bj1/testapp-helloserver-app-bj-1:active:2",
    ]);
  });

  it("moves exactly the failed-over Set's Deployments to its standby, at full replicas", () => {
    const before = summary(demo);
    const after = summary(withSet(demo, "app.gz.1", { failedOver: true }));
    const removed = before.filter((x) => !after.includes(x));
    const added = after.filter((x) => !before.includes(x));
    expect(removed).toEqual([
      "gz1/shop-cartserver-app-gz-1:active:2",
      "gz1/testapp-helloserver-app-gz-1:active:3",
      "gz1/testapp-orderserver-app-gz-1:active:2",
      "sh1/shop-cartserver-app-gz-1:warm-standby:1",
      "sh1/testapp-helloserver-app-gz-1:warm-standby:1",
      "sh1/testapp-orderserver-app-gz-1:warm-standby:1",
    ]);
    expect(added).toEqual([
      "sh1/shop-cartserver-app-gz-1:active:2",
      "sh1/testapp-helloserver-app-gz-1:active:3",
      "sh1/testapp-orderserver-app-gz-1:active:2",
    ]);
  });

  it("keeps a Set in its cluster and drops the warm copy when it has no standby to hold it", () => {
    const set = { id: "a.b.1", cluster: "gz1", warmStandby: false, failedOver: false };
    expect(activeCluster(set)).toBe("gz1");
    expect(warmStandbyCluster({ ...set, standby: "sh1" })).toBeUndefined();
    expect(warmStandbyCluster({ ...set, standby: "sh1", warmStandby: true })).toBe("sh1");
    expect(
      warmStandbyCluster({ ...set, standby: "sh1", warmStandby: true, failedOver: true }),
    ).toBeUndefined();
    expect(activeCluster({ ...set, standby: "sh1", failedOver: true })).toBe("sh1");
  });
});
