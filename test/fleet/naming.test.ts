import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  deploymentName,
  isDnsLabel,
  isLabelValue,
  physicalName,
  PhysicalNameLimit,
  setLabelValue,
} from "../../fleet/model/naming";
import { SERVER_ID, SET_ID } from "../../fleet/validation/validate-workloads";

const ident = fc.stringMatching(/^[A-Za-z][0-9A-Za-z]{0,20}$/);
const setId = fc
  .tuple(
    fc.stringMatching(/^[a-z]{1,8}$/),
    fc.stringMatching(/^[a-z]{1,8}$/),
    fc.oneof(fc.nat(99).map(String), fc.constant("*")),
  )
  .map(([n, a, g]) => `${n}.${a}.${g}`);

describe("names", () => {
  it("derives Deployment names from App.Server and the Set, wildcard as all", () => {
    expect(deploymentName("Pay.GatewayServer", "shop.cd.*")).toBe("pay-gatewayserver-shop-cd-all");
    expect(deploymentName("TestApp.HelloServer", "app.gz.1")).toBe("testapp-helloserver-app-gz-1");
    expect(setLabelValue("shop.cd.*")).toBe("shop.cd.all");
  });

  it("derives only names Kubernetes accepts, or the validator says the name is too long", () =>
    fc.assert(
      fc.property(ident, ident, setId, (app, server, set) => {
        const name = deploymentName(`${app}.${server}`, set);
        expect(SERVER_ID.test(`${app}.${server}`) && SET_ID.test(set)).toBe(true);
        expect(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)).toBe(true);
        expect(isDnsLabel(name)).toBe(name.length <= 63);
        expect(isLabelValue(setLabelValue(set))).toBe(true);
      }),
    ));

  it("gives distinct Deployment names to distinct (server, Set) pairs up to letter case", () =>
    fc.assert(
      fc.property(ident, ident, setId, ident, ident, setId, (a1, s1, set1, a2, s2, set2) => {
        const same = `${a1}.${s1}.${set1}`.toLowerCase() === `${a2}.${s2}.${set2}`.toLowerCase();
        expect(deploymentName(`${a1}.${s1}`, set1) === deploymentName(`${a2}.${s2}`, set2)).toBe(
          same,
        );
      }),
    ));

  it("keeps cloud names within each kind's limit, stable, with a hash only when cut", () => {
    expect(physicalName("nodePool", ["demo", "gz1", "general"])).toBe("demo-gz1-general");
    const long = physicalName("nodePool", ["a-rather-long-fleet", "cluster1", "highmemory"]);
    expect(long).toHaveLength(PhysicalNameLimit.nodePool);
    expect(long).toBe(physicalName("nodePool", ["a-rather-long-fleet", "cluster1", "highmemory"]));
    expect(long).not.toBe(
      physicalName("nodePool", ["a-rather-long-fleet", "cluster1", "highmemorx"]),
    );
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9]{1,30}$/), { minLength: 1, maxLength: 5 }),
        (parts) => {
          for (const kind of Object.keys(PhysicalNameLimit) as (keyof typeof PhysicalNameLimit)[]) {
            expect(physicalName(kind, parts).length).toBeLessThanOrEqual(PhysicalNameLimit[kind]);
          }
        },
      ),
    );
  });
});
