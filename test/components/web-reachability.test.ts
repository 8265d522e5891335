/**
 * Who reaches tarsweb, worked out from the demo plan's load balancer and security groups alone.
 *
 * The path, as TKE and CLB document it: a client's packet meets the CLB's security groups, then,
 * with direct pod access and no SNAT, the pods' security group (the nodes' group of the home
 * cluster, as the client itself) unless the CLB passes its traffic to its targets
 * (`loadBalancerPassToTarget`). The CLB's health checks come from 100.64.0.0/10 (or the CLB's
 * VIP, inside the home VPC) straight to the pods.
 * @see https://www.tencentcloud.com/document/product/457/36837
 * @see https://www.tencentcloud.com/document/product/214/14733
 * @see https://www.tencentcloud.com/document/product/214/44863
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planFleet } from "../../cli/plan/plan-fleet";
import {
  cidrContains,
  cidrsOverlap,
  parseCidr,
  subdivideCidr,
  type Ipv4Cidr,
} from "../../fleet/network/cidr";
import { loadFleet } from "../../fleet/model/load";
import { fleetNodeSubnets, fleetPodRanges } from "../../fleet/network/security";
import {
  type FleetPlan,
  type Json,
  type PlannedResource,
  type StackPlan,
} from "../../fleet/stacks/plan-document";
import { at, ofType, regionOf, stackOf } from "./helpers";

interface Rule {
  readonly action: string;
  readonly cidrBlock: string;
  readonly protocol: string;
  readonly port: string;
}

function cidr(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`not a CIDR: ${text}`);
  return parsed.cidr;
}

/** Whether a rule's `port` (`ALL`, `80`, `80,443`, `80-90`) covers `port`. */
function portMatches(spec: string, port: number): boolean {
  if (spec === "ALL") return true;
  return spec.split(",").some((part) => {
    const [from, to] = part.split("-").map(Number);
    return to === undefined ? from === port : from <= port && port <= to;
  });
}

/**
 * Whether every address of `source` may open a TCP connection to `port` under `rules`.
 *
 * The first matching rule decides: a rule set "is ordered, the first rule has the highest
 * priority". What no rule matches is dropped here; every group of this project ends in a DROP of
 * 0.0.0.0/0 anyway. A rule covering only part of `source` splits it; both halves must pass.
 * @see https://github.com/tencentcloudstack/terraform-provider-tencentcloud/blob/master/website/docs/r/security_group_rule_set.html.markdown
 */
function admits(rules: readonly Rule[], source: Ipv4Cidr, port: number): boolean {
  for (const rule of rules) {
    if (!(rule.protocol === "ALL" || rule.protocol === "TCP") || !portMatches(rule.port, port)) {
      continue;
    }
    const block = cidr(rule.cidrBlock);
    if (cidrContains(block, source)) return rule.action === "ACCEPT";
    if (cidrsOverlap(block, source)) {
      return [0, 1].every((half) =>
        admits(rules, subdivideCidr(source, source.prefix + 1, half), port),
      );
    }
  }
  return false;
}

const fleet = loadFleet("stacks/fleet.yaml").spec;
let plan: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(loadFleet("stacks/fleet.yaml"));
});

/** The ordered ingress rules of the security group `id` in `stack`. */
function ingressOf(stack: StackPlan, id: Json): Rule[] {
  const set = ofType(stack, "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet").find(
    (r) => r.inputs.securityGroupId === id,
  );
  if (set === undefined) throw new Error(`no rule set for security group ${JSON.stringify(id)}`);
  return set.inputs.ingresses as unknown as Rule[];
}

/** Where a tarsweb runs: the home region's, or the database's standby region's standby web. */
interface WebSite {
  readonly region: string;
  /** The web CLB's resource name in the region's infra stack. */
  readonly clb: string;
}

const HOME_WEB: WebSite = { region: fleet.homeRegion, clb: "tars-home-web-clb" };
const STANDBY_WEB: WebSite = { region: "shanghai", clb: "tars-standby-web-clb" };

/** tarsweb's way in: its Service, the CLB bound to it, and the security groups on both ends. */
function webPath(p: FleetPlan, site: WebSite = HOME_WEB) {
  const stack = regionOf(p, site.region);
  const service = stack.resources.find(
    (r) =>
      r.type === "kubernetes:core/v1:Service" &&
      at(r.inputs, "metadata", "name") === "tars-web" &&
      at(r.inputs, "spec", "type") === "LoadBalancer",
  ) as PlannedResource;
  // The Service names its CLB by id; the CLB is the region's infra stack's, which outputs its id.
  const lbId = at(
    service.inputs,
    "metadata",
    "annotations",
    "service.kubernetes.io/tke-existed-lbid",
  );
  if (lbId !== at(stack.outputs, "webLoadBalancer", "id"))
    throw new Error(`tarsweb's Service is bound to ${JSON.stringify(lbId)}, not the web CLB`);
  const clb = stack.resources.find((r) => r.name === site.clb) as PlannedResource;
  const [port] = at(service.inputs, "spec", "ports") as { port: number; targetPort: number }[];
  const cluster = (service.provider ?? "").replace(/^.*::/, "").replace(/-k8s$/, "");
  const nodePools = ofType(
    stack,
    "tencentcloud:index/kubernetesNodePool:KubernetesNodePool",
  ).filter((r) => (r.parent ?? "").endsWith(`$tarsfed:compute:TkeCluster::${cluster}`));
  const podGroups = [
    ...new Set(
      nodePools.flatMap(
        (r) => at(r.inputs, "autoScalingConfig", "orderlySecurityGroupIds") as string[],
      ),
    ),
  ];
  return {
    directAccess: at(
      service.inputs,
      "metadata",
      "annotations",
      "service.cloud.tencent.com/direct-access",
    ),
    port,
    clbRules: (at(clb.inputs, "securityGroups") as string[]).flatMap((id) => ingressOf(stack, id)),
    passToTarget: at(clb.inputs, "loadBalancerPassToTarget") === true,
    podRules: podGroups.map((id) => ingressOf(stack, id)),
  };
}

/** Whether a client in `source` reaches tarsweb through its CLB. */
function clientReaches(p: FleetPlan, source: string, site: WebSite = HOME_WEB): boolean {
  const path = webPath(p, site);
  const block = cidr(source);
  if (!admits(path.clbRules, block, path.port.port)) return false;
  return (
    path.passToTarget || path.podRules.every((rules) => admits(rules, block, path.port.targetPort))
  );
}

/** Whether the CLB's health checks from `source` reach tarsweb's pods. */
function healthCheckReaches(p: FleetPlan, source: string, site: WebSite = HOME_WEB): boolean {
  const path = webPath(p, site);
  return path.podRules.every((rules) => admits(rules, cidr(source), path.port.targetPort));
}

const fleetVpcs = fleet.regions.map((r) => r.vpcCidr);
const allowedCidrs = fleet.tars.webAllowedCidrs;
const nodeSubnets = fleetNodeSubnets(fleet);
const podRanges = fleetPodRanges(fleet);

describe("the rule evaluator", () => {
  const rules: Rule[] = [
    { action: "ACCEPT", cidrBlock: "10.1.0.0/16", protocol: "TCP", port: "3000" },
    { action: "DROP", cidrBlock: "10.1.2.0/24", protocol: "ALL", port: "ALL" },
    { action: "ACCEPT", cidrBlock: "10.0.0.0/8", protocol: "TCP", port: "80,2000-4000" },
    { action: "DROP", cidrBlock: "0.0.0.0/0", protocol: "ALL", port: "ALL" },
  ];

  it.each([
    ["10.1.2.0/24", 3000, true],
    ["10.9.0.0/16", 3000, true],
    ["10.9.0.0/16", 80, true],
    ["10.9.0.0/16", 81, false],
    ["0.0.0.0/0", 3000, false],
    ["11.0.0.0/8", 3000, false],
    ["8.0.0.0/5", 3000, false],
  ])("decides %s on port %d by the first matching rule: %s", (source, port, expected) => {
    expect(admits(rules, cidr(source), port)).toBe(expected);
  });

  it("drops what no rule matches", () => {
    expect(admits([], cidr("10.0.0.0/8"), 3000)).toBe(false);
  });
});

describe("tarsweb's reachability in the demo plan", () => {
  it("is checked for the demo's three VPCs, their node and pod subnets, and its allowed network", () => {
    expect([fleetVpcs, allowedCidrs]).toEqual([
      ["10.10.0.0/16", "10.20.0.0/16", "10.30.0.0/16"],
      ["10.0.0.0/8"],
    ]);
    // Two zones a region: a node subnet each; a pod subnet each per VPC-CNI cluster; gz2 is GR.
    expect([nodeSubnets.length, podRanges.length]).toEqual([6, 7]);
    expect(podRanges).toContain("172.24.0.0/16");
  });

  it("is a direct-access LoadBalancer Service on port 3000 behind a CLB the backends trust", () => {
    const path = webPath(plan);
    expect(path.directAccess).toBe("true");
    expect(path.port).toMatchObject({ port: 3000, targetPort: 3000 });
    expect(path.passToTarget).toBe(true);
    expect(path.podRules.length).toBeGreaterThan(0);
  });

  it.each(nodeSubnets)("admits the fleet's node subnet %s (nodes and tarsnode CVMs)", (source) => {
    expect(clientReaches(plan, source)).toBe(true);
  });

  it.each(["10.40.0.0/16", "10.0.0.0/13", "10.10.0.0/24"])(
    "admits %s, inside web.allowedCidrs and holding no fleet pod",
    (source) => {
      expect(clientReaches(plan, source)).toBe(true);
    },
  );

  it.each(podRanges)(
    "drops the fleet's pods in %s, even where web.allowedCidrs covers them",
    (source) => {
      expect(clientReaches(plan, source)).toBe(false);
    },
  );

  it.each(fleetVpcs)("does not admit the whole fleet VPC %s: its pods are refused", (source) => {
    expect(clientReaches(plan, source)).toBe(false);
  });

  it.each(["0.0.0.0/0", "203.0.113.7/32", "192.168.0.0/16", "172.16.0.0/12"])(
    "drops %s",
    (source) => {
      expect(clientReaches(plan, source)).toBe(false);
    },
  );

  it("admits nothing on its port beyond the fleet's node subnets and web.allowedCidrs", () => {
    const expected = [...nodeSubnets, ...allowedCidrs].map(cidr);
    const accepted = webPath(plan)
      .clbRules.filter((r) => r.action === "ACCEPT" && portMatches(r.port, 3000))
      .map((r) => cidr(r.cidrBlock));
    expect(accepted.filter((c) => !expected.some((e) => cidrContains(e, c)))).toEqual([]);
  });

  it.each(["100.64.0.0/10", "10.10.0.0/16"])(
    "admits the CLB's health checks from %s (the 100.64.0.0/10 range, or the VIP in the home VPC)",
    (source) => {
      expect(healthCheckReaches(plan, source)).toBe(true);
    },
  );

  it("reaches the pods directly, bypassing the CLB, from the home region and the health checks only", () => {
    const { podRules } = webPath(plan);
    const direct = (source: string) => podRules.every((r) => admits(r, cidr(source), 3000));
    expect(["10.10.0.0/16", "172.24.0.0/16", "100.64.0.0/10"].map(direct)).toEqual([
      true,
      true,
      true,
    ]);
    expect(["10.20.0.0/16", "10.30.0.0/16", "192.168.0.0/16", "0.0.0.0/0"].map(direct)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it("fails for a CLB whose backends check the client against the nodes' group", () => {
    const copy = structuredClone(plan);
    const clb = regionOf(copy, "guangzhou").resources.find((r) => r.name === "tars-home-web-clb");
    if (clb === undefined) throw new Error("no web CLB");
    delete (clb.inputs as Record<string, Json>).loadBalancerPassToTarget;
    // Only the home region's node subnets pass the nodes' group too.
    expect(nodeSubnets.map((s) => clientReaches(copy, s))).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(clientReaches(copy, "10.0.0.0/8")).toBe(false);
  });
});

describe("the standby tarsweb's reachability in the demo plan (standbyRegion: shanghai)", () => {
  it("is a direct-access LoadBalancer Service behind shanghai-infra's own web CLB", () => {
    expect(fleet.tars.db.mode === "tencentdb" && fleet.tars.db.standbyRegion).toBe("shanghai");
    const path = webPath(plan, STANDBY_WEB);
    expect(path.directAccess).toBe("true");
    expect(path.port).toMatchObject({ port: 3000, targetPort: 3000 });
    expect(path.passToTarget).toBe(true);
    expect(path.podRules.length).toBeGreaterThan(0);
    // Its own CLB, in its own VPC's subnet, not the home one.
    const infra = regionOf(plan, "shanghai");
    const clb = infra.resources.find((r) => r.name === STANDBY_WEB.clb) as PlannedResource;
    expect(at(clb.inputs, "networkType")).toBe("INTERNAL");
    expect(at(clb.inputs, "clbName")).toContain("sh1");
  });

  it("is output by shanghai-infra as webLoadBalancer, which the standby's Service is bound to", () => {
    const infra = plan.stacks.find((s) => s.name === "shanghai-infra");
    const lb = at(infra?.outputs ?? {}, "webLoadBalancer") as Record<string, Json>;
    expect(Object.keys(lb).sort()).toEqual(["address", "id"]);
    // tarsnode's download address stays the home tarsweb's: only home outputs webAddress.
    expect(Object.keys(infra?.outputs ?? {})).not.toContain("webAddress");
    const service = stackOf(plan, "shanghai").resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:Service" && at(r.inputs, "metadata", "name") === "tars-web",
    ) as PlannedResource;
    expect(at(service.inputs, "spec", "type")).toBe("LoadBalancer");
    expect(
      at(service.inputs, "metadata", "annotations", "service.kubernetes.io/tke-existed-lbid"),
    ).toEqual(lb.id);
  });

  it.each(nodeSubnets)("admits the fleet's node subnet %s", (source) => {
    expect(clientReaches(plan, source, STANDBY_WEB)).toBe(true);
  });

  it.each(["10.40.0.0/16", "10.0.0.0/13", "10.20.0.0/24"])(
    "admits %s, inside web.allowedCidrs and holding no fleet pod",
    (source) => {
      expect(clientReaches(plan, source, STANDBY_WEB)).toBe(true);
    },
  );

  it.each(podRanges)("drops the fleet's pods in %s", (source) => {
    expect(clientReaches(plan, source, STANDBY_WEB)).toBe(false);
  });

  it.each(["0.0.0.0/0", "203.0.113.7/32", "192.168.0.0/16", "172.16.0.0/12", ...fleetVpcs])(
    "drops %s",
    (source) => {
      expect(clientReaches(plan, source, STANDBY_WEB)).toBe(false);
    },
  );

  it("admits nothing on its port beyond the fleet's node subnets and web.allowedCidrs", () => {
    const expected = [...nodeSubnets, ...allowedCidrs].map(cidr);
    const accepted = webPath(plan, STANDBY_WEB)
      .clbRules.filter((r) => r.action === "ACCEPT" && portMatches(r.port, 3000))
      .map((r) => cidr(r.cidrBlock));
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.filter((c) => !expected.some((e) => cidrContains(e, c)))).toEqual([]);
  });

  it.each(["100.64.0.0/10", "10.20.0.0/16"])(
    "admits the CLB's health checks from %s (the 100.64.0.0/10 range, or the VIP in shanghai's VPC)",
    (source) => {
      expect(healthCheckReaches(plan, source, STANDBY_WEB)).toBe(true);
    },
  );

  it("fails without the node rule admitting the health checks on tarsweb's port", () => {
    const copy = structuredClone(plan);
    const infra = copy.stacks.find((s) => s.name === "shanghai-infra");
    const nodes = infra?.resources.find((r) => r.name === "shanghai-nodes-rules");
    if (nodes === undefined) throw new Error("no node rules in shanghai-infra");
    const inputs = nodes.inputs as Record<string, Json>;
    inputs.ingresses = (inputs.ingresses as unknown as Rule[]).filter(
      (r) => !(r.cidrBlock === "100.64.0.0/10" && r.port === "3000"),
    ) as unknown as Json;
    expect(healthCheckReaches(copy, "100.64.0.0/10", STANDBY_WEB)).toBe(false);
  });

  it("is the one other web CLB: the other regions have none", () => {
    const webClbs = plan.stacks.flatMap((s) =>
      ofType(s, "tencentcloud:index/clbInstance:ClbInstance")
        .filter((r) => r.name.includes("web"))
        .map((r) => `${s.name} ${r.name}`),
    );
    expect(webClbs).toEqual([
      "guangzhou-infra tars-home-web-clb",
      "shanghai-infra tars-standby-web-clb",
    ]);
  });
});

describe("the registry CLBs' health checks in the demo plan", () => {
  // The registry's LoadBalancer Service is a direct-access one in every cluster, so its CLB
  // probes the pods through the nodes' security group; TKE rolls such a workload by those probes.
  it.each(fleet.regions.map((r) => r.name))(
    "reach the registry pods of every cluster in %s on QueryObj's and RegistryObj's ports",
    (region) => {
      const stack = regionOf(plan, region);
      const groups = [
        ...new Set(
          ofType(stack, "tencentcloud:index/kubernetesNodePool:KubernetesNodePool").flatMap(
            (r) => at(r.inputs, "autoScalingConfig", "orderlySecurityGroupIds") as string[],
          ),
        ),
      ];
      expect(groups.length).toBeGreaterThan(0);
      for (const id of groups) {
        const rules = ingressOf(stack, id);
        expect([17890, 17891].map((port) => admits(rules, cidr("100.64.0.0/10"), port))).toEqual([
          true,
          true,
        ]);
        // The range is admitted on those ports only: tarsweb's only where tarsweb has a CLB, at
        // home and in the database's standby region.
        expect(admits(rules, cidr("100.64.0.0/10"), 3000)).toBe(
          [fleet.homeRegion, STANDBY_WEB.region].includes(region),
        );
      }
    },
  );
});
