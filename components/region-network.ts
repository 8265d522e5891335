/**
 * One region's network: its VPC, the carved subnets, security groups, and the CCN attachment.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type CarvedSubnet } from "../fleet/network/carve";
import { CloudTag, physicalName } from "../fleet/model/naming";
import {
  apiEndpointIngressRules,
  databaseIngressRules,
  nodeIngressRules,
  openEgressRules,
  webIngressRules,
  type SecurityRule,
  type WebAccess,
} from "../fleet/network/security";
import { ComponentType } from "./registry";
import { createSecurityGroup } from "./security-group";

/** Arguments of {@link RegionNetwork}. */
export interface RegionNetworkArgs {
  readonly fleetName: string;
  /** Fleet name of the region, e.g. `guangzhou`. */
  readonly region: string;
  /** Tencent Cloud region, e.g. `ap-guangzhou`; the CCN attachment names it. */
  readonly tencentRegion: string;
  readonly vpcCidr: string;
  /** Subnets carved from `vpcCidr` (`fleet/network/carve.ts`); their keys name the resources. */
  readonly subnets: readonly CarvedSubnet[];
  /** This region's own address spaces (VPC and GR pod CIDRs): trusted for everything. */
  readonly ownCidrs: readonly string[];
  /** Every address space of the fleet; TARS ports open to these only. */
  readonly fleetCidrs: readonly string[];
  /** Servant ports of every server in the fleet. */
  readonly servantPorts: readonly number[];
  /** The CCN to attach to, from the global stack. */
  readonly ccnId: pulumi.Input<string>;
  /** Networks allowed to reach the cluster API endpoints (`apiEndpointSources`). */
  readonly apiSources: readonly string[];
  /**
   * Who may reach tarsweb (`webAccess`); given in the regions whose tarsweb has a CLB (home, and
   * the database's standby region), which then get the web load balancer's security group.
   *
   * @default - no web security group
   */
  readonly webAccess?: WebAccess;
  /**
   * Rules admitting the health checks of direct-access CLBs to their pods on the nodes
   * (`nodeHealthCheckRules`: the registry's everywhere; tarsweb's behind a web CLB; at home the in-cluster database's).
   *
   * @default - none
   */
  readonly nodeHealthChecks?: readonly SecurityRule[];
  /**
   * Whether to create the framework database's security group (the home region: TencentDB's,
   * or the in-cluster database's CLB).
   *
   * @default false
   */
  readonly databaseSecurityGroup?: boolean;
}

/**
 * The VPC of a region and everything network-level in it.
 *
 * Subnet CIDRs come from the pure carve, so adding a zone or a cluster adds subnets and never
 * moves one. The VPC is protected: deleting it would take every cluster and machine with it.
 */
export class RegionNetwork extends pulumi.ComponentResource {
  public readonly vpc: tencentcloud.Vpc;
  /** Subnets by carve key, e.g. `node-ap-guangzhou-3`. */
  public readonly subnets: Readonly<Record<string, tencentcloud.Subnet>>;
  public readonly nodeSecurityGroup: tencentcloud.SecurityGroup;
  /** The cluster API endpoints' group: the fleet's VPCs only. */
  public readonly apiSecurityGroup: tencentcloud.SecurityGroup;
  public readonly webSecurityGroup?: tencentcloud.SecurityGroup;
  public readonly databaseSecurityGroup?: tencentcloud.SecurityGroup;
  public readonly ccnAttachment: tencentcloud.CcnAttachmentV2;

  constructor(name: string, args: RegionNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.RegionNetwork, name, {}, opts);
    const tags = tagsOf(args);
    this.vpc = new tencentcloud.Vpc(
      `${name}-vpc`,
      { name: physicalName("vpc", [args.fleetName, args.region]), cidrBlock: args.vpcCidr, tags },
      // Deleting the VPC would take every cluster and machine in it along.
      { parent: this, protect: true },
    );
    this.subnets = createSubnets(name, args, this.vpc, this);
    const group = (role: string, description: string, ingress: readonly SecurityRule[]) =>
      createSecurityGroup(
        `${name}-${role}`,
        {
          physicalName: physicalName("securityGroup", [args.fleetName, args.region, role]),
          description,
          ingress,
          egress: openEgressRules(),
          tags,
        },
        this,
      ).group;
    this.nodeSecurityGroup = group(
      "nodes",
      "TKE nodes and tarsnode CVMs: own region, TARS ports from the fleet",
      nodeIngressRules(
        args.ownCidrs,
        args.fleetCidrs,
        args.servantPorts,
        // Direct-access CLBs health-check their pods here (fleet/network/security.ts).
        args.nodeHealthChecks ?? [],
      ),
    );
    this.apiSecurityGroup = group(
      "api",
      "TKE API endpoints: the fleet's VPCs",
      apiEndpointIngressRules(args.apiSources),
    );
    if (args.webAccess !== undefined) {
      this.webSecurityGroup = group(
        "web",
        "tarsweb load balancer: fleet node subnets and tars.web.allowedCidrs, never fleet pods",
        webIngressRules(args.webAccess),
      );
    }
    if (args.databaseSecurityGroup === true) {
      this.databaseSecurityGroup = group(
        "database",
        "TARS framework database: MySQL from the fleet",
        databaseIngressRules(args.fleetCidrs),
      );
    }
    this.ccnAttachment = new tencentcloud.CcnAttachmentV2(
      `${name}-ccn-attachment`,
      {
        ccnId: args.ccnId,
        instanceId: this.vpc.id,
        instanceRegion: args.tencentRegion,
        instanceType: "VPC",
      },
      { parent: this },
    );
    this.registerOutputs({ vpcId: this.vpc.id, ccnAttachmentId: this.ccnAttachment.id });
  }
}

function tagsOf(args: RegionNetworkArgs): Record<string, string> {
  return { [CloudTag.fleet]: args.fleetName, [CloudTag.region]: args.region };
}

function createSubnets(
  name: string,
  args: RegionNetworkArgs,
  vpc: tencentcloud.Vpc,
  parent: pulumi.Resource,
): Record<string, tencentcloud.Subnet> {
  const subnets: Record<string, tencentcloud.Subnet> = {};
  for (const subnet of args.subnets) {
    subnets[subnet.key] = new tencentcloud.Subnet(
      `${name}-${subnet.key}`,
      {
        vpcId: vpc.id,
        availabilityZone: subnet.zone,
        cidrBlock: subnet.cidrBlock,
        name: physicalName("subnet", [args.fleetName, args.region, subnet.key]),
        tags: { ...tagsOf(args), "tarsfed-role": subnet.role },
      },
      { parent },
    );
  }
  return subnets;
}
