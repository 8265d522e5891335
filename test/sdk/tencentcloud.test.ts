// Checks that the vendored @pulumi/tencentcloud SDK (sdks/tencentcloud) has the shape of the SDK that
// `pulumi package add terraform-provider tencentcloudstack/tencentcloud 1.83.25` generates: tokens,
// property names, required-input validation, secrets, parameterization and the replacement knowledge.
// Runs without the provider schema file.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type * as TencentCloud from "@pulumi/tencentcloud";

type Sdk = typeof TencentCloud;

interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  id?: string;
}

const registrations: Registration[] = [];
let tc: Sdk;

/** Resolves with the value of an output (not a preview, so applies run under mocks). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => {
    output.apply((v) => {
      resolve(v);
      return v;
    });
  });
}

/** Waits until the resource is registered and returns what the mock monitor saw. */
async function registrationOf(resource: pulumi.CustomResource): Promise<Registration> {
  const urn = await valueOf(resource.urn);
  const name = urn.split("::").pop();
  const found = registrations.find((r) => r.name === name);
  if (!found) {
    throw new Error(`no registration for ${urn}`);
  }
  return found;
}

/** The static `__pulumiType` is `@internal` (stripped from the .d.ts) exactly as in generated SDKs. */
function tokenOf(cls: unknown): string {
  return (cls as { __pulumiType: string }).__pulumiType;
}

beforeAll(async () => {
  // Mocks first, then the SDK: its index registers resource modules with the runtime on load.
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        registrations.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          id: args.id,
        });
        // An empty state makes every output fall back to its input (with secretness preserved).
        return { id: args.id ?? `${args.name}-id`, state: {} };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs as Record<string, unknown>;
      },
    },
    "project",
    "stack",
    false,
  );
  tc = await import("@pulumi/tencentcloud");
});

describe("tokens", () => {
  it("uses the dynamic bridge's single `index` module for every resource", () => {
    const expected: Record<string, string> = {
      Vpc: "tencentcloud:index/vpc:Vpc",
      Subnet: "tencentcloud:index/subnet:Subnet",
      SecurityGroup: "tencentcloud:index/securityGroup:SecurityGroup",
      SecurityGroupRuleSet: "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet",
      Ccn: "tencentcloud:index/ccn:Ccn",
      CcnAttachmentV2: "tencentcloud:index/ccnAttachmentV2:CcnAttachmentV2",
      CcnBandwidthLimit: "tencentcloud:index/ccnBandwidthLimit:CcnBandwidthLimit",
      KubernetesCluster: "tencentcloud:index/kubernetesCluster:KubernetesCluster",
      KubernetesNodePool: "tencentcloud:index/kubernetesNodePool:KubernetesNodePool",
      KubernetesClusterEndpoint:
        "tencentcloud:index/kubernetesClusterEndpoint:KubernetesClusterEndpoint",
      Instance: "tencentcloud:index/instance:Instance",
      MysqlInstance: "tencentcloud:index/mysqlInstance:MysqlInstance",
      ClbInstance: "tencentcloud:index/clbInstance:ClbInstance",
      ClbListener: "tencentcloud:index/clbListener:ClbListener",
      Provider: "tencentcloud",
    };
    const actual = Object.fromEntries(
      Object.keys(expected).map((name) => [name, tokenOf(tc[name as keyof Sdk])]),
    );
    expect(actual).toEqual(expected);
  });

  it("registers a resource under its exact token and is recognised by isInstance", async () => {
    const vpc = new tc.Vpc("tok-vpc", { cidrBlock: "10.0.0.0/16", name: "tok-vpc" });
    const reg = await registrationOf(vpc);
    expect(reg.type).toBe("tencentcloud:index/vpc:Vpc");
    expect(tc.Vpc.isInstance(vpc)).toBe(true);
    expect(tc.Subnet.isInstance(vpc)).toBe(false);
  });

  it("registers the provider as pulumi:providers:tencentcloud", async () => {
    const provider = new tc.Provider("tok-provider", { region: "ap-singapore" });
    const reg = await registrationOf(provider);
    expect(reg.type).toBe("pulumi:providers:tencentcloud");
    expect(reg.inputs["region"]).toBe("ap-singapore");
    expect(tc.Provider.isInstance(provider)).toBe(true);
    expect(tc.Vpc.isInstance(provider)).toBe(false);
  });
});

describe("property names", () => {
  it("sends camelCase, pluralised and flattened inputs for a node pool", async () => {
    const args: TencentCloud.KubernetesNodePoolArgs = {
      clusterId: "cls-123",
      vpcId: "vpc-123",
      name: "np-a",
      minSize: 1,
      maxSize: 3,
      subnetIds: ["subnet-1"],
      autoScalingConfig: {
        instanceType: "S5.MEDIUM4",
        orderlySecurityGroupIds: ["sg-1", "sg-2"],
        dataDisks: [{ diskType: "CLOUD_PREMIUM", diskSize: 50 }],
      },
      taints: [{ key: "dedicated", value: "tars", effect: "NoSchedule" }],
      terminationPolicies: ["OLDEST_INSTANCE"],
      timeouts: { create: "40m" },
    };
    const pool = new tc.KubernetesNodePool("names-pool", args);
    const reg = await registrationOf(pool);
    expect(reg.type).toBe("tencentcloud:index/kubernetesNodePool:KubernetesNodePool");
    expect(reg.name).toBe("names-pool");
    expect(reg.inputs).toEqual({
      clusterId: "cls-123",
      vpcId: "vpc-123",
      name: "np-a",
      minSize: 1,
      maxSize: 3,
      subnetIds: ["subnet-1"],
      autoScalingConfig: {
        instanceType: "S5.MEDIUM4",
        orderlySecurityGroupIds: ["sg-1", "sg-2"],
        dataDisks: [{ diskType: "CLOUD_PREMIUM", diskSize: 50 }],
      },
      taints: [{ key: "dedicated", value: "tars", effect: "NoSchedule" }],
      terminationPolicies: ["OLDEST_INSTANCE"],
      timeouts: { create: "40m" },
    });
    expect(await valueOf(pool.autoScalingConfig)).toMatchObject({ instanceType: "S5.MEDIUM4" });
  });

  it("uses the generated names for a cluster's nested blocks", async () => {
    const workerConfig: TencentCloud.types.input.KubernetesClusterWorkerConfig = {
      instanceType: "S5.MEDIUM4",
      subnetId: "subnet-1",
      keyIds: ["skey-1"],
      dataDisks: [{ diskType: "CLOUD_SSD", diskSize: 100 }],
    };
    const cluster = new tc.KubernetesCluster("names-cluster", {
      vpcId: "vpc-123",
      clusterCidr: "172.16.0.0/16",
      clusterMaxPodNum: 64,
      networkType: "GR",
      workerConfigs: [workerConfig],
      clusterAudit: { enabled: true },
      tags: { app: "tars" },
    });
    const reg = await registrationOf(cluster);
    expect(reg.type).toBe("tencentcloud:index/kubernetesCluster:KubernetesCluster");
    expect(Object.keys(reg.inputs).sort()).toEqual(
      [
        "clusterAudit",
        "clusterCidr",
        "clusterMaxPodNum",
        "networkType",
        "tags",
        "vpcId",
        "workerConfigs",
      ].sort(),
    );
    expect(reg.inputs["workerConfigs"]).toEqual([workerConfig]);
  });

  it("builds security group rule sets from ingresses/egresses", async () => {
    const ingress: TencentCloud.types.input.SecurityGroupRuleSetIngress = {
      action: "ACCEPT",
      cidrBlock: "10.0.0.0/8",
      protocol: "TCP",
      port: "17890",
    };
    const rules = new tc.SecurityGroupRuleSet("names-rules", {
      securityGroupId: "sg-123",
      ingresses: [ingress],
      egresses: [{ action: "ACCEPT", cidrBlock: "0.0.0.0/0" }],
    });
    const reg = await registrationOf(rules);
    expect(reg.inputs).toEqual({
      securityGroupId: "sg-123",
      ingresses: [ingress],
      egresses: [{ action: "ACCEPT", cidrBlock: "0.0.0.0/0" }],
    });
  });

  it("leaves `name` unset under mocks (auto-naming is the engine's job)", async () => {
    const sg = new tc.SecurityGroup("names-sg", { description: "no name" });
    const reg = await registrationOf(sg);
    expect(reg.inputs).toEqual({ description: "no name" });
  });
});

describe("required inputs", () => {
  it("throws the generated message for a missing required property", () => {
    expect(() => new tc.Vpc("v", {} as never)).toThrow("Missing required property 'cidrBlock'");
    expect(
      () =>
        new tc.KubernetesNodePool("np", {
          clusterId: "cls-1",
          vpcId: "vpc-1",
          minSize: 0,
          maxSize: 1,
        } as never),
    ).toThrow("Missing required property 'autoScalingConfig'");
    expect(
      () => new tc.MysqlInstance("db", { instanceName: "db", memSize: 1000 } as never),
    ).toThrow("Missing required property 'volumeSize'");
  });

  it("accepts a resource whose inputs are all optional without args", async () => {
    const ccn = new tc.Ccn("req-ccn");
    const reg = await registrationOf(ccn);
    expect(reg.type).toBe("tencentcloud:index/ccn:Ccn");
  });

  it("reads existing resources through get() without validating inputs", async () => {
    const vpc = tc.Vpc.get("req-imported", "vpc-abc");
    expect(await valueOf(vpc.id)).toBe("vpc-abc");
    const reg = registrations.find((r) => r.name === "req-imported");
    expect(reg?.id).toBe("vpc-abc");
    expect(reg?.type).toBe("tencentcloud:index/vpc:Vpc");
  });
});

describe("secrets", () => {
  it("wraps MySQL rootPassword in a secret and keeps other inputs plain", async () => {
    const db = new tc.MysqlInstance("sec-db", {
      instanceName: "tars-db",
      memSize: 4000,
      volumeSize: 200,
      rootPassword: "s3cret!",
    });
    expect(await pulumi.isSecret(db.rootPassword)).toBe(true);
    expect(await pulumi.isSecret(db.instanceName)).toBe(false);
    // The raw registration carries the secret signature for rootPassword only.
    const { inputs } = await registrationOf(db);
    expect(inputs["rootPassword"]).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: "s3cret!",
    });
    expect(inputs["instanceName"]).toBe("tars-db");
  });

  it("wraps the CVM password and the provider credentials in secrets", async () => {
    const vm = new tc.Instance("sec-vm", { instanceType: "S5.SMALL2", password: "pw" });
    expect(await pulumi.isSecret(vm.password)).toBe(true);
    const provider = new tc.Provider("sec-provider", {
      secretId: "AKID",
      secretKey: "key",
      securityToken: "token",
    });
    expect(await pulumi.isSecret(provider.secretKey)).toBe(true);
    expect(await pulumi.isSecret(provider.securityToken)).toBe(true);
    expect(await pulumi.isSecret(provider.secretId)).toBe(false);
  });

  it("marshals non-string provider settings as JSON strings", async () => {
    const provider = new tc.Provider("json-provider", {
      region: "ap-guangzhou",
      assumeRole: {
        roleArn: "qcs::cam::uin/1:roleName/deployer",
        sessionName: "ci",
        sessionDuration: 3600,
      },
      allowedAccountIds: ["100000000001"],
      enablePodOidc: false,
    });
    const reg = await registrationOf(provider);
    expect(reg.inputs["region"]).toBe("ap-guangzhou");
    expect(JSON.parse(reg.inputs["assumeRole"] as string)).toEqual({
      roleArn: "qcs::cam::uin/1:roleName/deployer",
      sessionName: "ci",
      sessionDuration: 3600,
    });
    expect(reg.inputs["allowedAccountIds"]).toBe('["100000000001"]');
    expect(reg.inputs["enablePodOidc"]).toBe("false");
  });
});

describe("replacement knowledge", () => {
  it("has one entry per resource token", () => {
    const tokens = [
      tc.Vpc,
      tc.Subnet,
      tc.SecurityGroup,
      tc.SecurityGroupRuleSet,
      tc.Ccn,
      tc.CcnAttachmentV2,
      tc.CcnBandwidthLimit,
      tc.KubernetesCluster,
      tc.KubernetesNodePool,
      tc.KubernetesClusterEndpoint,
      tc.Instance,
      tc.MysqlInstance,
      tc.ClbInstance,
      tc.ClbListener,
      tc.PlacementGroup,
      tc.MysqlDrInstance,
      tc.MysqlDrInstanceToMater,
      tc.PrivateDnsZone,
      tc.PrivateDnsRecord,
      tc.PrivateDnsZoneVpcAttachment,
    ].map(tokenOf);
    expect(Object.keys(tc.replaceOnChangesByType).sort()).toEqual([...tokens].sort());
  });

  it("lists ForceNew paths, including nested ones, and not in-place updates", () => {
    const byType = tc.replaceOnChangesByType;
    // From the provider's resource_tc_placement_group.go (schema supplement): type and affinity.
    expect(byType["tencentcloud:index/placementGroup:PlacementGroup"]).toEqual([
      "affinity",
      "type",
    ]);
    expect(byType["tencentcloud:index/vpc:Vpc"]).toContain("cidrBlock");
    expect(byType["tencentcloud:index/vpc:Vpc"]).not.toContain("name");
    const cluster = byType["tencentcloud:index/kubernetesCluster:KubernetesCluster"];
    expect(cluster).toContain("networkType");
    expect(cluster).toContain("vpcId");
    expect(cluster).toContain("workerConfigs.subnetId");
    expect(cluster).not.toContain("deletionProtection");
    expect(cluster).not.toContain("tags");
    const pool = byType["tencentcloud:index/kubernetesNodePool:KubernetesNodePool"];
    expect(pool).toContain("autoScalingConfig.instanceType");
    expect(pool).toContain("clusterId");
    expect(pool).not.toContain("maxSize");
    expect(pool).not.toContain("autoScalingConfig.orderlySecurityGroupIds");
  });

  it("matches the per-resource exports and is frozen", () => {
    expect(tc.vpcReplaceOnChanges).toEqual(tc.replaceOnChangesByType[tokenOf(tc.Vpc)]);
    expect(tc.kubernetesNodePoolReplaceOnChanges).toEqual(
      tc.replaceOnChangesByType[tokenOf(tc.KubernetesNodePool)],
    );
    expect(tc.kubernetesClusterReplaceOnChanges).toEqual(
      tc.replaceOnChangesByType[tokenOf(tc.KubernetesCluster)],
    );
    expect(Object.isFrozen(tc.replaceOnChangesByType)).toBe(true);
    expect(Object.isFrozen(tc.vpcReplaceOnChanges)).toBe(true);
    for (const paths of Object.values(tc.replaceOnChangesByType)) {
      expect(Object.isFrozen(paths)).toBe(true);
      expect([...paths].sort()).toEqual(paths);
    }
  });
});

describe("database disaster-recovery resources (schema supplement)", () => {
  // Read from the provider's tencentcloud/services/cdb/resource_tc_mysql_dr_instance{,_to_mater}.go and
  // tencentcloud/services/privatedns/resource_tc_private_dns_{zone,record,zone_vpc_attachment}.go at
  // commit f6970a90038400958503a0edab62c6c463baa7b0.
  it("has the classes under the dynamic bridge's tokens", () => {
    expect(tokenOf(tc.MysqlDrInstance)).toBe("tencentcloud:index/mysqlDrInstance:MysqlDrInstance");
    expect(tokenOf(tc.MysqlDrInstanceToMater)).toBe(
      "tencentcloud:index/mysqlDrInstanceToMater:MysqlDrInstanceToMater",
    );
    expect(tokenOf(tc.PrivateDnsZone)).toBe("tencentcloud:index/privateDnsZone:PrivateDnsZone");
    expect(tokenOf(tc.PrivateDnsRecord)).toBe(
      "tencentcloud:index/privateDnsRecord:PrivateDnsRecord",
    );
    expect(tokenOf(tc.PrivateDnsZoneVpcAttachment)).toBe(
      "tencentcloud:index/privateDnsZoneVpcAttachment:PrivateDnsZoneVpcAttachment",
    );
  });

  it("lists exactly their ForceNew inputs as replace-on-change paths", () => {
    const byType = tc.replaceOnChangesByType;
    // master_instance_id and master_region are not ForceNew: Update refuses to change them instead.
    expect(byType[tokenOf(tc.MysqlDrInstance)]).toEqual(["chargeType", "diskType"]);
    expect(byType[tokenOf(tc.MysqlDrInstanceToMater)]).toEqual([]);
    expect(byType[tokenOf(tc.PrivateDnsZone)]).toEqual(["domain"]);
    expect(byType[tokenOf(tc.PrivateDnsRecord)]).toEqual(["zoneId"]);
    expect(byType[tokenOf(tc.PrivateDnsZoneVpcAttachment)]).toEqual([
      "accountVpcSet",
      "accountVpcSet.region",
      "accountVpcSet.uin",
      "accountVpcSet.uniqVpcId",
      "vpcSet",
      "vpcSet.region",
      "vpcSet.uniqVpcId",
      "zoneId",
    ]);
    expect(tc.privateDnsRecordReplaceOnChanges).toEqual(byType[tokenOf(tc.PrivateDnsRecord)]);
  });

  it("rejects a DR replica without its master and sends camelCase inputs", async () => {
    expect(
      () => new tc.MysqlDrInstance("dr-missing", {} as unknown as TencentCloud.MysqlDrInstanceArgs),
    ).toThrow("Missing required property 'instanceName'");
    const dr = new tc.MysqlDrInstance("dr", {
      masterInstanceId: "cdb-master1",
      masterRegion: "ap-guangzhou",
      instanceName: "tars-db-dr",
      memSize: 4000,
      volumeSize: 200,
      slaveDeployMode: 1,
      firstSlaveZone: "ap-shanghai-2",
    });
    const reg = await registrationOf(dr);
    expect(reg.inputs).toMatchObject({
      masterInstanceId: "cdb-master1",
      masterRegion: "ap-guangzhou",
      instanceName: "tars-db-dr",
      slaveDeployMode: 1,
      firstSlaveZone: "ap-shanghai-2",
    });
  });

  it("flattens the attachment's single vpc_set block into an object", async () => {
    const attachment = new tc.PrivateDnsZoneVpcAttachment("att", {
      zoneId: "zone-1",
      vpcSet: { uniqVpcId: "vpc-1", region: "ap-singapore" },
    });
    const reg = await registrationOf(attachment);
    expect(reg.inputs["vpcSet"]).toEqual({ uniqVpcId: "vpc-1", region: "ap-singapore" });
    expect(() => new tc.PrivateDnsRecord("rec-missing", { zoneId: "zone-1" } as never)).toThrow(
      "Missing required property 'recordType'",
    );
  });
});
