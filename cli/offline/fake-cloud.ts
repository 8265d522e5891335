/**
 * What the cloud would answer, offline: ids and computed outputs of the resources this project
 * creates, deterministic so plans and diffs are stable.
 *
 * Ids have the real shapes (`vpc-…`, `cls-…`, `lb-…`) and addresses are taken from inside the
 * subnet the resource sits in, so a plan reads like the real deployment.
 */
import { createHash } from "node:crypto";
import { cidrSize, formatCidr, parseCidr } from "../../fleet/network/cidr";

type State = Record<string, unknown>;

/** Eight base-36 characters derived from `seed`, like Tencent Cloud's id suffixes. */
export function fakeSuffix(seed: string): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < 8; i++) out += (digest[i] % 36).toString(36);
  return out;
}

/** An address inside `cidr`, away from the reserved first and last ones, picked by `seed`. */
export function addressInCidr(cidr: string, seed: string): string {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) return "10.0.0.10";
  const size = cidrSize(parsed.cidr);
  const offset =
    size <= 8 ? 1 : 4 + (createHash("sha256").update(seed).digest().readUInt32BE(0) % (size - 8));
  const address = formatCidr({ base: (parsed.cidr.base + offset) >>> 0, prefix: 32 });
  return address.slice(0, address.indexOf("/"));
}

/** Remembers what was created so later resources can refer to it (a subnet's CIDR by id). */
export class FakeCloud {
  private readonly subnetCidrs = new Map<string, string>();

  private address(subnetId: unknown, seed: string): string {
    const cidr = typeof subnetId === "string" ? this.subnetCidrs.get(subnetId) : undefined;
    return addressInCidr(cidr ?? "10.0.0.0/24", seed);
  }

  /** The id and output state of a new resource of `type` named `name` with `inputs`. */
  create(type: string, name: string, inputs: State): { id: string; state: State } {
    const seed = `${type}::${name}`;
    const suffix = fakeSuffix(seed);
    const with_ = (id: string, extra: State = {}) => ({ id, state: { ...inputs, ...extra } });
    switch (type) {
      case "tencentcloud:index/vpc:Vpc":
        return with_(`vpc-${suffix}`, {
          isDefault: false,
          defaultRouteTableId: `rtb-${suffix}`,
          createTime: "2026-01-01 00:00:00",
        });
      case "tencentcloud:index/subnet:Subnet": {
        const id = `subnet-${suffix}`;
        if (typeof inputs.cidrBlock === "string") this.subnetCidrs.set(id, inputs.cidrBlock);
        return with_(id, { isDefault: false, createTime: "2026-01-01 00:00:00" });
      }
      case "tencentcloud:index/securityGroup:SecurityGroup":
        return with_(`sg-${suffix}`);
      case "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet":
        return with_(String(inputs.securityGroupId), { version: "1" });
      case "tencentcloud:index/ccn:Ccn":
        return with_(`ccn-${suffix}`, { state: "AVAILABLE", instanceCount: 0 });
      case "tencentcloud:index/ccnAttachmentV2:CcnAttachmentV2":
        return with_(
          `${String(inputs.ccnId)}#VPC#${String(inputs.instanceRegion)}#${String(inputs.instanceId)}`,
          { state: "ACTIVE" },
        );
      case "tencentcloud:index/ccnBandwidthLimit:CcnBandwidthLimit":
        return with_(
          `${String(inputs.ccnId)}#${String(inputs.region)}#${String(inputs.dstRegion)}`,
        );
      case "tencentcloud:index/kubernetesCluster:KubernetesCluster":
        return with_(`cls-${suffix}`, { clusterNodeNum: 0, domain: "tke.tencentcloudapi.com" });
      case "tencentcloud:index/kubernetesNodePool:KubernetesNodePool":
        return with_(`${String(inputs.clusterId)}#np-${suffix}`, {
          status: "normal",
          autoScalingGroupId: `asg-${suffix}`,
        });
      case "tencentcloud:index/kubernetesClusterEndpoint:KubernetesClusterEndpoint":
        return this.endpoint(inputs);
      case "tencentcloud:index/instance:Instance":
        return with_(`ins-${suffix}`, {
          privateIp: this.address(inputs.subnetId, seed),
          instanceStatus: "RUNNING",
        });
      case "tencentcloud:index/mysqlInstance:MysqlInstance":
        return with_(`cdb-${suffix}`, {
          intranetIp: this.address(inputs.subnetId, seed),
          status: 1,
          // GTID on ("`1` - Enabled", website/docs/r/mysql_instance.html.markdown), as the
          // standby's DR replica needs (fleet/network/database-placement.ts).
          gtid: 1,
        });
      // Shapes from the provider's docs at f6970a90 (website/docs/r/<type>.html.markdown, Import):
      // DR instances are `cdb-…`; the promotion's id is the DR instance id (resource_tc_mysql_dr_instance_to_mater.go
      // d.SetId(instanceId)); zones `zone-…`; records `<zoneId>#<numeric record id>`; VPC attachments
      // `<zoneId>#<uniqVpcId>`. A DR instance's port defaults to 3306 (`intranet_port` Default).
      case "tencentcloud:index/mysqlDrInstance:MysqlDrInstance":
        return with_(`cdb-${suffix}`, {
          intranetIp: this.address(inputs.subnetId, seed),
          intranetPort: inputs.intranetPort ?? 3306,
        });
      case "tencentcloud:index/mysqlDrInstanceToMater:MysqlDrInstanceToMater":
        return with_(String(inputs.instanceId));
      case "tencentcloud:index/privateDnsZone:PrivateDnsZone":
        return with_(`zone-${suffix}`);
      case "tencentcloud:index/privateDnsRecord:PrivateDnsRecord": {
        const recordId = createHash("sha256").update(seed).digest().readUInt32BE(0) % 10_000_000;
        return with_(`${String(inputs.zoneId)}#${recordId}`);
      }
      case "tencentcloud:index/privateDnsZoneVpcAttachment:PrivateDnsZoneVpcAttachment": {
        const vpc = (inputs.vpcSet ?? inputs.accountVpcSet ?? {}) as { uniqVpcId?: unknown };
        return with_(`${String(inputs.zoneId)}#${String(vpc.uniqVpcId)}`);
      }
      case "tencentcloud:index/clbInstance:ClbInstance":
        return with_(`lb-${suffix}`, { clbVips: [this.address(inputs.subnetId, seed)] });
      case "tencentcloud:index/clbListener:ClbListener":
        return with_(`${String(inputs.clbId)}#lbl-${suffix}`, { listenerId: `lbl-${suffix}` });
      case "random:index/randomPassword:RandomPassword": {
        // New keepers are a new password, as the provider replaces the resource.
        const keepers = inputs.keepers === undefined ? "" : `::${JSON.stringify(inputs.keepers)}`;
        const result = `offline-${keepers === "" ? suffix : fakeSuffix(seed + keepers)}-Aa1_`;
        return with_("none", { result, bcryptHash: "offline" });
      }
      default:
        return this.generic(type, name, inputs, suffix);
    }
  }

  private endpoint(inputs: State): { id: string; state: State } {
    const clusterId = String(inputs.clusterId);
    const address = this.address(inputs.clusterIntranetSubnetId, `endpoint::${clusterId}`);
    const kubeconfig = [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{ name: ${clusterId}, cluster: { server: "https://${address}" } }]`,
      `users: [{ name: admin, user: { token: offline-${fakeSuffix(clusterId)} } }]`,
      `contexts: [{ name: ${clusterId}, context: { cluster: ${clusterId}, user: admin } }]`,
      `current-context: ${clusterId}`,
    ].join("\n");
    return {
      id: clusterId,
      state: {
        ...inputs,
        pgwEndpoint: address,
        kubeConfigIntranet: kubeconfig,
        kubeConfig: "",
        userName: "admin",
        password: "offline",
      },
    };
  }

  private generic(
    type: string,
    name: string,
    inputs: State,
    suffix: string,
  ): { id: string; state: State } {
    if (type.startsWith("pulumi:providers:")) return { id: `${name}-${suffix}`, state: inputs };
    if (type.startsWith("kubernetes:")) {
      const metadata = (inputs.metadata ?? {}) as { name?: string; namespace?: string };
      return {
        id: [metadata.namespace, metadata.name ?? name].filter(Boolean).join("/"),
        state: inputs,
      };
    }
    return { id: `${name}-${suffix}`, state: inputs };
  }
}
