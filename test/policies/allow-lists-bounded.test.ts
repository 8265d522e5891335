/**
 * `allow-lists-bounded`: allow-lists are judged by the public address space they open in all, so
 * the internet split into pieces is caught like `0.0.0.0/0`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planFleet } from "../../cli/plan/plan-fleet";
import { loadFleet } from "../../fleet/model/load";
import { evaluatePolicies } from "../../policies/evaluate";
import {
  allowListsBounded,
  MAX_PUBLIC_ADDRESSES,
  publicAddresses,
} from "../../policies/rules/allow-lists-bounded";
import { K8sType, TencentType } from "../../policies/tokens";
import { resource } from "./builders";

const ruleSet = (...sources: string[]) =>
  resource(TencentType.SecurityGroupRuleSet, "web-rules", {
    ingresses: [
      ...sources.map((cidrBlock) => ({
        action: "ACCEPT",
        cidrBlock,
        protocol: "TCP",
        port: "3000",
      })),
      { action: "DROP", cidrBlock: "0.0.0.0/0", protocol: "ALL", port: "ALL" },
    ],
  });

describe("publicAddresses", () => {
  it.each([
    [["0.0.0.0/1", "128.0.0.0/1"], 2 ** 32 - 2 ** 24 - 2 ** 20 - 2 ** 16],
    [["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], 0],
    [["11.0.0.0/8"], 2 ** 24],
    [["11.0.0.0/8", "11.0.0.0/9", "11.128.0.0/9"], 2 ** 24],
    [["8.0.0.0/7"], 2 ** 25],
    [["203.0.113.0/24", "not a cidr"], 256],
  ])("counts %j as %i public addresses", (sources, count) => {
    expect(publicAddresses(sources)).toBe(count);
  });
});

describe("allow-lists-bounded", () => {
  it("fails a security group whose ACCEPT rules split the internet in two", () => {
    expect(allowListsBounded.check(ruleSet("0.0.0.0/1", "128.0.0.0/1"), {})).toEqual([
      "the ACCEPT ingress rules opens 4277075968 public IPv4 addresses (0.0.0.0/1, 128.0.0.0/1), " +
        "more than a /8 (16777216); list only the networks that need access (tars.web.allowedCidrs)",
    ]);
  });

  it("fails a LoadBalancer Service whose source ranges add up to more than a /8", () => {
    const service = resource(K8sType.Service, "web-lb", {
      spec: { type: "LoadBalancer", loadBalancerSourceRanges: ["11.0.0.0/8", "12.0.0.0/32"] },
    });
    expect(allowListsBounded.check(service, {})).toHaveLength(1);
  });

  it("passes private ranges, a /8 of public space, and the DROP rule for everything else", () => {
    expect(allowListsBounded.check(ruleSet("10.0.0.0/8", "11.0.0.0/8"), {})).toEqual([]);
    expect(publicAddresses(["11.0.0.0/8"])).toBe(MAX_PUBLIC_ADDRESSES);
  });

  it("is a mandatory finding of the offline plan for web.allowedCidrs: [0.0.0.0/1, 128.0.0.0/1]", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-wide-")), "fleet.yaml");
    const text = readFileSync("test/fixtures/pay-fleet.yaml", "utf8");
    writeFileSync(
      file,
      text.replace(
        "web: { allowedCidrs: [10.0.0.0/8] }",
        "web: { allowedCidrs: [0.0.0.0/1, 128.0.0.0/1] }",
      ),
    );
    const fleet = loadFleet(file);
    const plan = evaluatePolicies(
      await planFleet(fleet, { stacks: ["chengdu-infra", "chengdu"] }),
      fleet.spec,
    );
    const found = plan.stacks
      .flatMap((s) => s.violations)
      .filter((v) => v.policy === "allow-lists-bounded")
      .map((v) => [v.severity, v.resource?.split("::").pop()]);
    expect(found).toEqual([
      ["mandatory", "chengdu-web-rules"],
      ["mandatory", "tars-home-web-lb-service"],
    ]);
  });
});
