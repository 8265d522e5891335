/**
 * Clusters and machines in the demo plan: TKE clusters, node pools, endpoints (infra stacks),
 * Kubernetes providers (TARS stacks), CVM pools and their bootstrap.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { allClusters } from "../../fleet/model/model";
import { planFleet } from "../../cli/plan/plan-fleet";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { at, byName, ofType, stackOf, str } from "./helpers";

const fleet = loadFleet("stacks/fleet.yaml");
let plan: FleetPlan;
beforeAll(async () => {
  plan = await planFleet(fleet);
});

describe("TKE clusters", () => {
  it.each(allClusters(fleet.spec).map((c) => [c.name, c.region] as const))(
    "%s has a cluster, its node pools and an endpoint in its infra stack, a provider in its TARS stack",
    (name, region) => {
      const stack = stackOf(plan, `${region}-infra`);
      const spec = allClusters(fleet.spec).find((c) => c.name === name);
      const cluster = byName(stack, `${name}-cluster`);
      expect(cluster.inputs).toMatchObject({
        networkType: spec?.networkType,
        serviceCidr: spec?.serviceCidr,
        clusterVersion: spec?.kubernetesVersion,
        clusterDeployType: "MANAGED_CLUSTER",
        deletionProtection: true,
      });
      expect(cluster.protect).toBe(true);
      expect(cluster.inputs.workerConfigs).toBeUndefined();
      if (spec?.networkType === "GR") {
        expect(cluster.inputs.clusterCidr).toBe(spec.podCidr);
        expect(cluster.inputs.eniSubnetIds).toBeUndefined();
      } else {
        expect(cluster.inputs.eniSubnetIds).toHaveLength(2);
        expect(cluster.inputs.clusterCidr).toBeUndefined();
      }
      const pools = ofType(
        stack,
        "tencentcloud:index/kubernetesNodePool:KubernetesNodePool",
      ).filter((r) => r.name.startsWith(`${name}-`));
      expect(
        pools.map((p) => [
          p.name,
          p.inputs.minSize,
          p.inputs.maxSize,
          p.inputs.desiredCapacity,
          at(p.inputs, "autoScalingConfig", "instanceType"),
        ]),
      ).toEqual(
        (spec?.nodePools ?? []).map((p) => [
          `${name}-${p.name}`,
          p.minSize,
          p.maxSize,
          p.desiredSize,
          p.instanceType,
        ]),
      );
      for (const pool of pools) {
        expect(pool.inputs.clusterId).toBe(at(stack.outputs, "clusterIds", name));
        expect(at(pool.inputs, "autoScalingConfig", "orderlySecurityGroupIds")).toHaveLength(1);
        expect(at(pool.inputs, "labels", "tarsfed.io/node-pool")).toBe(
          pool.name.slice(name.length + 1),
        );
      }
      const endpoint = byName(stack, `${name}-endpoint`);
      expect(endpoint.inputs).toMatchObject({ clusterIntranet: true, clusterInternet: false });
      // The endpoint waits for the node pools: TKE opens access only once nodes exist.
      for (const pool of pools) expect(endpoint.dependencies).toContain(pool.urn);
      // The infra stack hands the kubeconfig to the TARS stack as a secret output.
      expect(at(stack.outputs, "kubeconfigs")).toBe("[secret]");
      expect(ofType(stack, "pulumi:providers:kubernetes")).toEqual([]);
      const provider = byName(stackOf(plan, region), `${name}-k8s`);
      expect(provider.type).toBe("pulumi:providers:kubernetes");
      expect(provider.inputs).toEqual({
        kubeconfig: "[secret]",
        enableServerSideApply: "true",
        enableConfigMapMutable: "true",
        enableSecretMutable: "true",
        deleteUnreachable: "false",
        clusterIdentifier: endpoint.inputs.clusterId,
      });
    },
  );

  it("names every pool at most 25 characters, as the provider requires", () => {
    for (const s of plan.stacks) {
      for (const pool of ofType(s, "tencentcloud:index/kubernetesNodePool:KubernetesNodePool")) {
        expect(str(pool.inputs.name).length).toBeLessThanOrEqual(25);
      }
    }
  });
});

describe("security groups", () => {
  it("open TARS ports to the fleet's own CIDRs only and drop the rest", () => {
    const rules = byName(stackOf(plan, "shanghai-infra"), "shanghai-nodes-rules");
    const ingress = rules.inputs.ingresses as {
      action: string;
      cidrBlock: string;
      port: string;
      protocol: string;
    }[];
    expect(ingress.filter((r) => r.action === "ACCEPT" && r.cidrBlock === "0.0.0.0/0")).toEqual([]);
    expect(ingress[ingress.length - 1]).toMatchObject({
      action: "DROP",
      cidrBlock: "0.0.0.0/0",
      port: "ALL",
    });
    expect(ingress.filter((r) => r.cidrBlock === "10.10.0.0/16").map((r) => r.port)).toEqual([
      "17890,17891,12000",
      "18193-18993",
      "19385-19387",
      "13000-16000",
      "10001,10010,10011,10020",
    ]);
    expect(ingress[0]).toMatchObject({
      action: "ACCEPT",
      cidrBlock: "10.20.0.0/16",
      protocol: "ALL",
    });
  });
});

describe("CVM pools", () => {
  it.each([
    ["guangzhou", "guangzhou-legacy", 2, ["gz1", "gz2"]],
    ["beijing", "beijing-fallback", 1, ["bj1"]],
  ] as const)(
    "%s: %s has its count of machines, bootstrapped against the region's registries",
    (region, pool, count, clusters) => {
      const stack = stackOf(plan, `${region}-infra`);
      const machines = ofType(stack, "tencentcloud:index/instance:Instance").filter((r) =>
        r.name.startsWith(`${pool}-`),
      );
      expect(machines.map((m) => m.name)).toEqual(
        Array.from({ length: count }, (_, i) => `${pool}-${i}`),
      );
      const registries = clusters.map((c) =>
        at(stack.outputs, "registryLoadBalancers", c, "address"),
      );
      const locator = `locator=tars.tarsregistry.QueryObj@${registries.map((ip) => `tcp -h ${str(ip)} -p 17890`).join(":")}`;
      for (const machine of machines) {
        const script = str(machine.inputs.userDataRaw);
        expect(script).toContain(locator);
        expect(script.startsWith("#!/bin/bash")).toBe(true);
        expect(machine.inputs).toMatchObject({
          allocatePublicIp: false,
          instanceChargeType: "POSTPAID_BY_HOUR",
        });
      }
    },
  );
});
