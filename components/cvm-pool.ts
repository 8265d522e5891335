/**
 * CVM machines running tarsnode beside the clusters: fallback capacity managed from tarsweb.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type CvmPoolSpec } from "../fleet/model";
import { CloudTag, physicalName } from "../fleet/naming";
import { REGISTRY_PORTS } from "../fleet/ports";
import { renderTarsnodeBootstrap } from "../fleet/tarsnode-bootstrap";
import { ComponentType } from "./registry";

/** Arguments of {@link CvmPool}. */
export interface CvmPoolArgs {
  readonly fleetName: string;
  /** The validated pool: count, instance type, image and zones. */
  readonly pool: CvmPoolSpec;
  readonly vpcId: pulumi.Input<string>;
  /** Node subnet of each of the pool's zones. */
  readonly subnetIdsByZone: Readonly<Record<string, pulumi.Input<string>>>;
  readonly securityGroupId: pulumi.Input<string>;
  /** QueryObj addresses of the region's registries (their internal CLB VIPs). */
  readonly registryAddresses: readonly pulumi.Input<string>[];
  /** Where the machines download tarsnode from. */
  readonly packageUrl: pulumi.Input<string>;
}

/**
 * `count` machines, spread round-robin over the pool's zones, each bootstrapped into tarsnode.
 *
 * Machine `i` is named `${name}-${i}`: machines of a pool are interchangeable, so growing the
 * pool adds the next index and shrinking it removes the last. The bootstrap script is user data,
 * which runs at first boot; later registry changes reach tarsnode through the registry itself.
 */
export class CvmPool extends pulumi.ComponentResource {
  public readonly instances: readonly tencentcloud.Instance[];

  constructor(name: string, args: CvmPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.CvmPool, name, {}, opts);
    const pool = args.pool;
    const script = pulumi
      .all([pulumi.all([...args.registryAddresses]), args.packageUrl])
      .apply(([hosts, packageUrl]) =>
        renderTarsnodeBootstrap({
          registryEndpoints: hosts.map((host) => ({ host, port: REGISTRY_PORTS.query })),
          packageUrl,
          fleetName: args.fleetName,
          region: pool.region,
          pool: pool.name,
        }),
      );
    const instances: tencentcloud.Instance[] = [];
    for (let i = 0; i < pool.count; i++) {
      const zone = pool.zones[i % pool.zones.length];
      const subnetId = args.subnetIdsByZone[zone];
      if (subnetId === undefined)
        throw new Error(`CVM pool ${pool.name}: no node subnet in zone ${zone}`);
      instances.push(
        new tencentcloud.Instance(
          `${name}-${i}`,
          {
            instanceName: physicalName("instance", [
              args.fleetName,
              pool.region,
              pool.name,
              String(i),
            ]),
            hostname: physicalName("hostname", [args.fleetName, pool.name, String(i)]),
            availabilityZone: zone,
            imageId: pool.imageId,
            instanceType: pool.instanceType,
            instanceChargeType: "POSTPAID_BY_HOUR",
            vpcId: args.vpcId,
            subnetId,
            orderlySecurityGroups: [args.securityGroupId],
            systemDiskType: "CLOUD_PREMIUM",
            systemDiskSize: pool.systemDiskSizeGiB,
            allocatePublicIp: false,
            internetMaxBandwidthOut: 0,
            userDataRaw: script,
            tags: { [CloudTag.fleet]: args.fleetName, [CloudTag.cvmPool]: pool.name },
          },
          // User data runs at first boot only: a later change (a registry added to the region) would
          // touch running machines for nothing. tarsnode follows registry changes itself (v3.0.16+).
          { parent: this, ignoreChanges: ["userDataRaw"] },
        ),
      );
    }
    this.instances = instances;
    this.registerOutputs({ privateIps: instances.map((m) => m.privateIp) });
  }
}
