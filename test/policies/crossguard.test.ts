/**
 * The CrossGuard adapter, exercised the way pulumi-policy tests its own policies: hand-built
 * validation arguments, the validations called directly, reported violations collected. The pack
 * itself (`policies/index.ts`) is never imported: constructing it starts a gRPC server.
 */
import * as path from "node:path";
import * as policy from "@pulumi/policy";
import {
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { type FleetSpec } from "../../fleet/model/model";
import {
  DEFAULT_FLEET_FILE,
  knownProps,
  toCrossGuard,
  type CrossGuardOptions,
} from "../../policies/crossguard";
import { UNKNOWN, type ResourceView } from "../../policies/rule";
import {
  noOpenTarsPorts,
  noPublicClusterEndpoint,
  noPublicLoadBalancer,
  rules,
  setDeploymentPdb,
  setStandbyInAnotherRegion,
  statefulResourcesProtected,
} from "../../policies/rules";
import { K8sType, TencentType } from "../../policies/tokens";
import { demo, resource, setDeployment, setPdb } from "./builders";

/**
 * The engine's props proxy: it throws when a value unknown during a preview is read. Exported by
 * `@pulumi/policy` at run time, but its typings (proxy.d.ts, marked internal) are stripped.
 */
const { unknownCheckingProxy } = policy as unknown as {
  unknownCheckingProxy: <T extends object>(props: T) => T;
};

/** What `args.notApplicable` throws, as the policy server's own sentinel does. */
class NotApplicable extends Error {}

// The engine's sentinels for values unknown during a preview (@pulumi/policy proxy.js).
const UNKNOWN_BOOLEAN = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const packDir = "/repo/policies";

function options(fleets: Record<string, FleetSpec> = {}, read: string[] = []): CrossGuardOptions {
  return {
    packDir,
    loadFleet: (file) => {
      read.push(file);
      const fleet = fleets[file];
      if (fleet === undefined) throw new Error(`ENOENT: no such file ${file}`);
      return fleet;
    },
  };
}

const common = (config: object) => ({
  stackTags: new Map<string, string>(),
  getConfig: <T extends object>() => config as T,
  notApplicable: (reason?: string): never => {
    throw new NotApplicable(reason);
  },
});

function policyResource(view: ResourceView, props: Record<string, unknown> = view.props) {
  return {
    type: view.type,
    props,
    urn: view.urn,
    name: view.name,
    opts: {
      protect: view.protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    ...(view.provider === null
      ? {}
      : {
          provider: {
            type: "pulumi:providers:kubernetes",
            props: {},
            urn: view.provider,
            name: view.provider.slice(view.provider.lastIndexOf("::") + 2),
          },
        }),
    isType: () => false,
  };
}

async function validateResource(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  view: ResourceView,
  props?: Record<string, unknown>,
  config: object = {},
): Promise<string[]> {
  if (!("validateResource" in policy) || policy.validateResource === undefined)
    throw new Error(`${policy.name} is not a resource policy`);
  const args: ResourceValidationArgs = {
    ...policyResource(view, props),
    ...common(config),
    asType: () => undefined,
  };
  const messages: string[] = [];
  const validations = [policy.validateResource].flat();
  for (const v of validations) await v(args, (message) => messages.push(message));
  return messages;
}

async function validateStack(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  views: ResourceView[],
  config: object = {},
): Promise<{ message: string; urn?: string }[]> {
  if (!("validateStack" in policy)) throw new Error(`${policy.name} is not a stack policy`);
  const resources = views.map((v): PolicyResource => ({
    ...policyResource(v),
    dependencies: [],
    propertyDependencies: {},
    asType: () => undefined,
  }));
  const args: StackValidationArgs = { resources, ...common(config) };
  const reported: { message: string; urn?: string }[] = [];
  await policy.validateStack(args, (message, urn) =>
    reported.push(urn === undefined ? { message } : { message, urn }),
  );
  return reported;
}

describe("toCrossGuard", () => {
  it("keeps every rule's name, description and enforcement level", () => {
    const policies = rules.map((r) => toCrossGuard(r, options()));
    expect(policies.map((p) => [p.name, p.description, p.enforcementLevel])).toEqual(
      rules.map((r) => [r.name, r.description, r.enforcementLevel]),
    );
    expect(new Set(policies.map((p) => p.name)).size).toBe(rules.length);
    for (const p of policies) expect(p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("offers fleetFile config only to the rules that read the fleet", () => {
    const configured = rules
      .map((r) => toCrossGuard(r, options()))
      .filter((p) => p.configSchema !== undefined);
    expect(configured.map((p) => p.name)).toEqual([
      "no-open-tars-ports",
      "set-standby-in-another-region",
      "region-loss-fits",
      "home-region-standby",
    ]);
    expect(configured[0].configSchema?.properties.fleetFile).toMatchObject({
      type: "string",
      default: DEFAULT_FLEET_FILE,
    });
  });

  it("reports a resource rule's findings, and nothing for a good resource or another type", async () => {
    const policy = toCrossGuard(statefulResourcesProtected, options());
    const vpc = resource(TencentType.Vpc, "guangzhou-vpc", { cidrBlock: "10.10.0.0/16" });
    expect(await validateResource(policy, vpc)).toEqual([
      "a region's VPC is not protected: register it with protect: true so no plan can delete or replace it",
    ]);
    expect(await validateResource(policy, { ...vpc, protect: true })).toEqual([]);
    expect(await validateResource(policy, { ...vpc, type: TencentType.ClbInstance })).toEqual([]);
  });

  it("skips values unknown during a preview instead of flagging or failing", async () => {
    const endpoint = resource(TencentType.KubernetesClusterEndpoint, "gz1-endpoint", {});
    const unknownInternet = unknownCheckingProxy({
      clusterId: UNKNOWN_STRING,
      clusterInternet: UNKNOWN_BOOLEAN,
    });
    expect(
      await validateResource(
        toCrossGuard(noPublicClusterEndpoint, options()),
        endpoint,
        unknownInternet,
      ),
    ).toEqual([]);
    // The registry's LB Service names its CLB by id, which a first preview does not know yet.
    const service = resource(K8sType.Service, "gz1-tars-registry-lb-service", {});
    const props = unknownCheckingProxy({
      metadata: {
        name: "tars-registry-lb",
        annotations: { "service.kubernetes.io/tke-existed-lbid": UNKNOWN_STRING },
      },
      spec: { type: "LoadBalancer" },
    });
    expect(
      await validateResource(toCrossGuard(noPublicLoadBalancer, options()), service, props),
    ).toEqual([]);
    expect(knownProps(props)).toEqual({
      metadata: {
        name: "tars-registry-lb",
        annotations: { "service.kubernetes.io/tke-existed-lbid": UNKNOWN },
      },
      spec: { type: "LoadBalancer" },
    });
  });

  it("reads the fleet file named in policy config, relative to the pack, once", async () => {
    const read: string[] = [];
    const other = path.resolve(packDir, "../stacks/other.yaml");
    const policy = toCrossGuard(noOpenTarsPorts, options({ [other]: demo }, read));
    const open = resource(TencentType.SecurityGroupRuleSet, "rules", {
      ingresses: [{ action: "ACCEPT", cidrBlock: "0.0.0.0/0", protocol: "TCP", port: "10001" }],
    });
    const config = { fleetFile: "../stacks/other.yaml" };
    const message =
      "ingress rule 1 accepts 0.0.0.0/0 on TCP 10001, which includes TARS servant ports (10001,10010,10011,10020)";
    expect(await validateResource(policy, open, undefined, config)).toEqual([message]);
    expect(await validateResource(policy, open, undefined, config)).toEqual([message]);
    expect(read).toEqual([other]);
  });

  it("runs a rule that can do without the fleet when the fleet file cannot be read", async () => {
    const policy = toCrossGuard(noOpenTarsPorts, options());
    const open = resource(TencentType.SecurityGroupRuleSet, "rules", {
      ingresses: [{ action: "ACCEPT", cidrBlock: "0.0.0.0/0", protocol: "TCP", port: "3000" }],
    });
    expect(await validateResource(policy, open)).toEqual([
      "ingress rule 1 accepts 0.0.0.0/0 on TCP 3000, which includes tarsweb (3000)",
    ]);
  });

  it("reports a stack rule's findings against the resource concerned", async () => {
    const deployment = setDeployment();
    const policy = toCrossGuard(setDeploymentPdb, options());
    expect(await validateStack(policy, [deployment, setPdb()])).toEqual([]);
    expect(await validateStack(policy, [deployment])).toEqual([
      {
        message:
          "Set Deployment tars/testapp-helloserver-app-gz-1 has no PodDisruptionBudget selecting its pods: a node drain may evict every replica at once",
        urn: deployment.urn,
      },
    ]);
  });

  it("gives stack rules the default fleet file, and is not applicable when it cannot be read", async () => {
    const fleetFile = path.resolve(packDir, DEFAULT_FLEET_FILE);
    const sameRegion = {
      ...demo,
      sets: demo.sets.map((s) => (s.id === "app.gz.1" ? { ...s, standby: "gz2" } : s)),
    };
    const deployment = setDeployment();
    const found = await validateStack(
      toCrossGuard(setStandbyInAnotherRegion, options({ [fleetFile]: sameRegion })),
      [deployment],
    );
    expect(found.map((f) => f.urn)).toEqual([deployment.urn]);
    await expect(
      validateStack(toCrossGuard(setStandbyInAnotherRegion, options()), [deployment]),
    ).rejects.toThrow(
      new NotApplicable(
        `cannot read the fleet file ${fleetFile}: ENOENT: no such file ${fleetFile}`,
      ),
    );
  });
});
