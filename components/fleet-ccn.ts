/**
 * The fleet's Cloud Connect Network and its bandwidth limit for every region pair.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { physicalName } from "../fleet/model/naming";
import { type BandwidthLimitSpec } from "../fleet/stacks/slice";
import { ComponentType } from "./registry";

/** Arguments of {@link FleetCcn}. */
export interface FleetCcnArgs {
  /** Fleet name; prefixes the CCN's cloud name. */
  readonly fleetName: string;
  /** One limit per region pair, in Mbps; from `network` in the fleet file. */
  readonly bandwidthLimits: readonly BandwidthLimitSpec[];
  /**
   * Tags on the CCN.
   *
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The CCN every region's VPC attaches to.
 *
 * It limits bandwidth per region pair (`INTER_REGION_LIMIT`), which pay-as-you-go CCNs support
 * and which matches how a failover moves traffic: between two regions.
 * @see https://www.tencentcloud.com/document/product/1003/30052
 */
export class FleetCcn extends pulumi.ComponentResource {
  public readonly ccn: tencentcloud.Ccn;
  public readonly ccnId: pulumi.Output<string>;

  constructor(name: string, args: FleetCcnArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.FleetCcn, name, {}, opts);
    this.ccn = new tencentcloud.Ccn(
      `${name}-ccn`,
      {
        name: physicalName("ccn", [args.fleetName]),
        description: `TARS Federation ${args.fleetName}`,
        qos: "AU",
        chargeType: "POSTPAID",
        bandwidthLimitType: "INTER_REGION_LIMIT",
        tags: { ...args.tags },
      },
      { parent: this, protect: true },
    );
    for (const limit of args.bandwidthLimits) {
      new tencentcloud.CcnBandwidthLimit(
        `${name}-bandwidth-${limit.regions.join("-")}`,
        {
          ccnId: this.ccn.id,
          region: limit.tencentRegions[0],
          dstRegion: limit.tencentRegions[1],
          bandwidthLimit: limit.mbps,
        },
        { parent: this },
      );
    }
    this.ccnId = this.ccn.id;
    this.registerOutputs({ ccnId: this.ccnId });
  }
}
