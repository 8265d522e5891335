/**
 * One region's VPC attached to the database's Private DNS zone, in the region's infra stack, so
 * the clusters there resolve the database's name (fleet/network/database-dns.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { ComponentType } from "./registry";

/** Arguments of {@link DatabaseDnsAttachment}. */
export interface DatabaseDnsAttachmentArgs {
  /** The zone's id, from the `global` stack's outputs. */
  readonly zoneId: pulumi.Input<string>;
  /** The region's VPC. */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's Tencent Cloud region, e.g. `ap-guangzhou`. */
  readonly tencentRegion: string;
}

/**
 * `${name}-dns-attachment`: `tencentcloud_private_dns_zone_vpc_attachment` with one `vpc_set`
 * (`uniq_vpc_id`, `region`; every input ForceNew; tencentcloudstack/terraform-provider-tencentcloud
 * website/docs/r/private_dns_zone_vpc_attachment.html.markdown).
 * @see https://www.pulumi.com/registry/packages/tencentcloud/api-docs/privatednszonevpcattachment/
 */
export class DatabaseDnsAttachment extends pulumi.ComponentResource {
  public readonly attachment: tencentcloud.PrivateDnsZoneVpcAttachment;

  constructor(
    name: string,
    args: DatabaseDnsAttachmentArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(ComponentType.DatabaseDnsAttachment, name, {}, opts);
    this.attachment = new tencentcloud.PrivateDnsZoneVpcAttachment(
      `${name}-dns-attachment`,
      {
        zoneId: args.zoneId,
        vpcSet: { uniqVpcId: args.vpcId, region: args.tencentRegion },
      },
      { parent: this },
    );
    this.registerOutputs({ attachmentId: this.attachment.id });
  }
}
