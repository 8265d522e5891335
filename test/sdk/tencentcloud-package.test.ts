// Package-level checks of the vendored @pulumi/tencentcloud SDK: the parameterization block the
// Node.js language host reads, the `config` module, and the lazily loaded exports.
import * as pulumi from "@pulumi/pulumi";
import pkg from "@pulumi/tencentcloud/package.json";
import type * as TencentCloud from "@pulumi/tencentcloud";
import { beforeAll, describe, expect, it, vi } from "vitest";

type Sdk = typeof TencentCloud;

let tc: Sdk;

beforeAll(async () => {
  vi.resetModules();
  await pulumi.runtime.setMocks(
    {
      newResource: (args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult => ({
        id: `${args.name}-id`,
        state: {},
      }),
      call: (args: pulumi.runtime.MockCallArgs): Record<string, unknown> =>
        args.inputs as Record<string, unknown>,
    },
    "project",
    "stack",
    false,
  );
  pulumi.runtime.setAllConfig({
    "tencentcloud:region": "ap-singapore",
    "tencentcloud:allowedAccountIds": '["100000000001"]',
    "tencentcloud:assumeRole":
      '{"roleArn":"qcs::cam::uin/1:roleName/r","sessionName":"s","sessionDuration":7200}',
  });
  tc = await import("@pulumi/tencentcloud");
});

describe("package.json", () => {
  it("carries the parameterization block of a dynamic-bridge SDK", () => {
    expect(pkg.name).toBe("@pulumi/tencentcloud");
    expect(pkg.version).toBe("1.83.25");
    expect(pkg.main).toBe("bin/index.js");
    expect(pkg.pulumi.resource).toBe(true);
    expect(pkg.pulumi.name).toBe("terraform-provider");
    expect(pkg.pulumi.version).toBe("1.1.3");
    expect(pkg.pulumi.parameterization.name).toBe("tencentcloud");
    expect(pkg.pulumi.parameterization.version).toBe(pkg.version);
    const decoded: unknown = JSON.parse(
      Buffer.from(pkg.pulumi.parameterization.value, "base64").toString("utf8"),
    );
    expect(decoded).toEqual({
      remote: { url: "registry.opentofu.org/tencentcloudstack/tencentcloud", version: "1.83.25" },
    });
  });
});

describe("module layout", () => {
  it("exports the resource classes, Provider, types, config and the replacement map", () => {
    const names = Object.keys(tc);
    for (const name of [
      "Vpc",
      "Subnet",
      "SecurityGroup",
      "SecurityGroupRuleSet",
      "Ccn",
      "CcnAttachmentV2",
      "CcnBandwidthLimit",
      "KubernetesCluster",
      "KubernetesNodePool",
      "KubernetesClusterEndpoint",
      "Instance",
      "MysqlInstance",
      "ClbInstance",
      "ClbListener",
      "Provider",
      "config",
      "types",
      "replaceOnChangesByType",
    ]) {
      expect(names).toContain(name);
    }
    expect(typeof tc.KubernetesNodePool.get).toBe("function");
    expect(typeof tc.Provider.prototype.terraformConfig).toBe("function");
  });

  it("reads tencentcloud:* configuration through the config module", () => {
    expect(tc.config.region).toBe("ap-singapore");
    expect(tc.config.allowedAccountIds).toEqual(["100000000001"]);
    expect(tc.config.assumeRole).toEqual({
      roleArn: "qcs::cam::uin/1:roleName/r",
      sessionName: "s",
      sessionDuration: 7200,
    });
    expect(tc.config.secretKey).toBeUndefined();
  });
});
