/**
 * The framework database's A record, `db.<zone>`: in the home infra stack without a standby, in
 * the standby region's infra stack with one, so that a failover repoints it without touching the
 * lost region's stack (fleet/network/database-dns.ts, `databaseRecordPlan`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { DATABASE_RECORD_TTL_SECONDS } from "../fleet/network/database-dns";
import { ComponentType } from "./registry";

/** Arguments of {@link DatabaseDnsRecord}. */
export interface DatabaseDnsRecordArgs {
  /** Fleet name: the record resource is `<fleet>-db-record`, which `tarsfed failover` names. */
  readonly fleetName: string;
  /** The zone's id, from the `global` stack's outputs. */
  readonly zoneId: pulumi.Input<string>;
  /** The record's host label in the zone, `db`. */
  readonly subDomain: string;
  /** The serving instance's intranet IP. */
  readonly address: pulumi.Input<string>;
}

/**
 * `<fleet>-db-record`: an `A` record (`record_type` "A", `record_value` "such as IP",
 * `sub_domain`, `ttl` 1~86400 s; tencentcloudstack/terraform-provider-tencentcloud
 * website/docs/r/private_dns_record.html.markdown) with a short TTL. Only `zone_id` is ForceNew, so
 * repointing it is an update in place.
 * @see https://www.pulumi.com/registry/packages/tencentcloud/api-docs/privatednsrecord/
 */
export class DatabaseDnsRecord extends pulumi.ComponentResource {
  public readonly record: tencentcloud.PrivateDnsRecord;

  constructor(name: string, args: DatabaseDnsRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.DatabaseDnsRecord, name, {}, opts);
    this.record = new tencentcloud.PrivateDnsRecord(
      `${args.fleetName}-db-record`,
      {
        zoneId: args.zoneId,
        subDomain: args.subDomain,
        recordType: "A",
        recordValue: args.address,
        ttl: DATABASE_RECORD_TTL_SECONDS,
      },
      { parent: this },
    );
    this.registerOutputs({ recordId: this.record.id });
  }
}
