/**
 * The Private DNS zone of the framework database's name, in the `global` stack: one zone for the
 * fleet, which every region's infra stack attaches to its VPC (`DatabaseDnsAttachment`) and one
 * infra stack holds the record of (`DatabaseDnsRecord`): fleet/network/database-dns.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { ComponentType } from "./registry";

/** Arguments of {@link DatabaseDnsZone}. */
export interface DatabaseDnsZoneArgs {
  /** Fleet name, for the zone's remark. */
  readonly fleetName: string;
  /** The zone's domain (`tars.db.dnsZone`), e.g. `tarsfed-demo.com`. */
  readonly domain: string;
  /**
   * Tags on the zone.
   *
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * `${name}-zone`: a Private DNS zone with no VPC of its own; the infra stacks attach theirs.
 *
 * `dns_forward_status` DISABLED: a name of the zone without a record answers the zone's SOA
 * instead of the public DNS ("If subdomain recursive DNS is not enabled, the SOA record will be
 * returned", https://www.tencentcloud.com/document/product/1097/40566), so no public name can
 * stand in for the database's. No `vpc_set` here: the provider computes it when unset ("Optional;
 * the provider computes a value"), so the infra stacks' attachments are no drift of the zone. The
 * zone is protected: deleting it unresolves the database's name in every cluster.
 * @see https://www.pulumi.com/registry/packages/tencentcloud/api-docs/privatednszone/
 */
export class DatabaseDnsZone extends pulumi.ComponentResource {
  public readonly zone: tencentcloud.PrivateDnsZone;
  public readonly zoneId: pulumi.Output<string>;

  constructor(name: string, args: DatabaseDnsZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.DatabaseDnsZone, name, {}, opts);
    this.zone = new tencentcloud.PrivateDnsZone(
      `${name}-zone`,
      {
        domain: args.domain,
        remark: `TARS Federation ${args.fleetName}: the framework database's name`,
        dnsForwardStatus: "DISABLED",
        tags: { ...args.tags },
      },
      { parent: this, protect: true },
    );
    this.zoneId = this.zone.id;
    this.registerOutputs({ zoneId: this.zoneId });
  }
}
