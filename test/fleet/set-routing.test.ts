/**
 * Which Sets the TARS registry may route a caller to (TarsDocs `dev/tars-idc-set.md`): what the
 * Set Deployments' NetworkPolicies admit.
 */
import { describe, expect, it } from "vitest";
import { type FleetSpec, type ServerSpec } from "../../fleet/model/model";
import { callerSets, reachableSets } from "../../fleet/network/set-routing";

function server(...sets: string[]): ServerSpec {
  return {
    id: "Pay.OrderServer",
    app: "Pay",
    server: "OrderServer",
    image: "x/order:1",
    servants: [{ name: "OrderObj", port: 10010 }],
    resources: { cpu: "250m", memory: "256Mi" },
    replicas: sets.map((set) => ({ set, count: 1 })),
  };
}

describe("reachableSets", () => {
  it.each<[string, string, string[], string[]]>([
    ["its own Set", "pay.sz.1", ["pay.sz.1", "pay.sz.2"], ["pay.sz.1"]],
    [
      "the wildcard group when its own is absent",
      "pay.sz.3",
      ["pay.sz.1", "pay.sz.*"],
      ["pay.sz.*"],
    ],
    ["nothing when neither exists", "pay.sz.3", ["pay.sz.1", "pay.sh.*"], []],
    [
      "every group of its area from the wildcard",
      "pay.sz.*",
      ["pay.sz.1", "pay.sz.*", "pay.sh.1"],
      ["pay.sz.1", "pay.sz.*"],
    ],
    [
      "every Set when the server has none of its name (IDC fallback)",
      "pay.sz.1",
      ["shop.gz.1", "shop.sh.1"],
      ["shop.gz.1", "shop.sh.1"],
    ],
  ])("gives a caller %s", (_case, caller, sets, expected) => {
    expect(reachableSets(caller, server(...sets))).toEqual(expected);
  });
});

describe("callerSets", () => {
  it("is the other side of reachableSets, over the fleet's Sets", () => {
    const sets = ["pay.sz.1", "pay.sz.2", "pay.sz.*", "shop.gz.1"];
    const fleet = { sets: sets.map((id) => ({ id })) } as unknown as FleetSpec;
    const order = server("pay.sz.1", "pay.sz.*");
    expect(callerSets(fleet, order, "pay.sz.1")).toEqual(["pay.sz.1", "pay.sz.*", "shop.gz.1"]);
    expect(callerSets(fleet, order, "pay.sz.*")).toEqual(["pay.sz.2", "pay.sz.*", "shop.gz.1"]);
  });
});
