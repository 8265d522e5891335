/**
 * CVM machines running tarsnode beside the clusters: fallback capacity managed from tarsweb.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type CvmPoolSpec } from "../fleet/model/model";
import { CloudTag, physicalName } from "../fleet/model/naming";
import { REGISTRY_PORTS } from "../fleet/network/ports";
import {
  defaultTarsnodePackageUrl,
  downloadsFromTarsweb,
  renderTarsnodeBootstrap,
} from "../fleet/tars/tarsnode-bootstrap";
import { ComponentType } from "./registry";

/** Arguments of {@link CvmPool}. */
export interface CvmPoolArgs {
  readonly fleetName: string;
  /** The validated pool: count, instance type, image, zones, package source and its sha256. */
  readonly pool: CvmPoolSpec;
  readonly vpcId: pulumi.Input<string>;
  /** Node subnet of each of the pool's zones. */
  readonly subnetIdsByZone: Readonly<Record<string, pulumi.Input<string>>>;
  readonly securityGroupId: pulumi.Input<string>;
  /** QueryObj addresses of the region's registries (their internal CLB VIPs). */
  readonly registryAddresses: readonly pulumi.Input<string>[];
  /**
   * Host of the home region's tarsweb.
   *
   * The machines download `http://<webAddress>:3000/files/tarsnode.tgz` unless the pool names
   * its own `tarsnodePackageUrl`; either way they unpack it only if its sha256 is the pool's.
   */
  readonly webAddress: pulumi.Input<string>;
  /**
   * What the machines reach first at boot, in their own (infra) stack: the registries' CLBs and,
   * when the pool downloads from tarsweb in this stack, tarsweb's. Every machine is created after
   * them. The registries and tarsweb behind them are the TARS stack's, applied later; the
   * bootstrap waits for them, retrying forever (`wait_for` in `fleet/tars/tarsnode-script.ts`).
   *
   * @default - no ordering beyond the inputs' own
   */
  readonly fetchesFrom?: readonly pulumi.Resource[];
}

/**
 * `count` machines, spread round-robin over the pool's zones, each on its own host and
 * bootstrapped into tarsnode.
 *
 * Machine `i` is named `${name}-${i}`: machines of a pool are interchangeable, so growing the
 * pool adds the next index and shrinking it removes the last. The machines share a HOST spread
 * placement group (`${name}-placement-group`), so no two of them run on the same physical
 * machine. The bootstrap script is user data, which cloud-init runs at first boot: it installs a
 * systemd unit that waits for the package (unpacked only when its sha256 is the pool's
 * `tarsnodePackageSha256`) and a registry and runs again at every boot; later
 * registry changes reach tarsnode through the registry itself.
 */
export class CvmPool extends pulumi.ComponentResource {
  public readonly placementGroup: tencentcloud.PlacementGroup;
  public readonly instances: readonly tencentcloud.Instance[];

  constructor(name: string, args: CvmPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.CvmPool, name, {}, opts);
    this.placementGroup = createPlacementGroup(name, args, this);
    const script = renderScript(args);
    this.instances = Array.from({ length: args.pool.count }, (_, i) =>
      createInstance(name, i, args, script, this.placementGroup, this),
    );
    this.registerOutputs({ privateIps: this.instances.map((m) => m.privateIp) });
  }
}

function tagsOf(args: CvmPoolArgs): Record<string, string> {
  return { [CloudTag.fleet]: args.fleetName, [CloudTag.cvmPool]: args.pool.name };
}

/**
 * A spread placement group at HOST level: each machine on a different physical machine
 * (`type` HOST; the provider's default strategy SPREAD and affinity 1).
 * @see https://github.com/tencentcloudstack/terraform-provider-tencentcloud/blob/f6970a90038400958503a0edab62c6c463baa7b0/website/docs/r/placement_group.html.markdown
 * @see https://www.tencentcloud.com/document/api/213/33264 (CreateDisasterRecoverGroup: HOST, SW, RACK)
 */
function createPlacementGroup(
  name: string,
  args: CvmPoolArgs,
  parent: pulumi.Resource,
): tencentcloud.PlacementGroup {
  const { pool } = args;
  return new tencentcloud.PlacementGroup(
    `${name}-placement-group`,
    {
      name: physicalName("placementGroup", [args.fleetName, pool.region, pool.name]),
      type: "HOST",
      tags: tagsOf(args),
    },
    { parent },
  );
}

function renderScript(args: CvmPoolArgs): pulumi.Output<string> {
  const { pool } = args;
  // Only a pool that downloads from tarsweb reads (and so waits for) its address.
  const packageUrl = downloadsFromTarsweb(pool)
    ? pulumi.output(args.webAddress).apply(defaultTarsnodePackageUrl)
    : pulumi.output(pool.tarsnodePackageUrl ?? "");
  return pulumi.all([pulumi.all([...args.registryAddresses]), packageUrl]).apply(([hosts, url]) =>
    renderTarsnodeBootstrap({
      registryEndpoints: hosts.map((host) => ({ host, port: REGISTRY_PORTS.query })),
      packageUrl: url,
      packageSha256: pool.tarsnodePackageSha256,
      fleetName: args.fleetName,
      region: pool.region,
      pool: pool.name,
    }),
  );
}

function createInstance(
  name: string,
  i: number,
  args: CvmPoolArgs,
  script: pulumi.Output<string>,
  placementGroup: tencentcloud.PlacementGroup,
  parent: pulumi.Resource,
): tencentcloud.Instance {
  const { pool } = args;
  const zone = pool.zones[i % pool.zones.length];
  const subnetId = args.subnetIdsByZone[zone];
  if (subnetId === undefined)
    throw new Error(`CVM pool ${pool.name}: no node subnet in zone ${zone}`);
  return new tencentcloud.Instance(
    `${name}-${i}`,
    {
      instanceName: physicalName("instance", [args.fleetName, pool.region, pool.name, String(i)]),
      hostname: physicalName("hostname", [args.fleetName, pool.name, String(i)]),
      availabilityZone: zone,
      imageId: pool.imageId,
      instanceType: pool.instanceType,
      instanceChargeType: "POSTPAID_BY_HOUR",
      vpcId: args.vpcId,
      subnetId,
      orderlySecurityGroups: [args.securityGroupId],
      placementGroupId: placementGroup.id,
      systemDiskType: "CLOUD_PREMIUM",
      systemDiskSize: pool.systemDiskSizeGiB,
      allocatePublicIp: false,
      internetMaxBandwidthOut: 0,
      userDataRaw: script,
      tags: tagsOf(args),
    },
    {
      parent,
      // The bootstrap waits for what it fetches, but a machine created first would only idle.
      dependsOn: [...(args.fetchesFrom ?? [])],
      // User data runs at first boot only: a later change (a registry added to the region) would
      // touch running machines for nothing. tarsnode follows registry changes itself (v3.0.16+).
      ignoreChanges: ["userDataRaw"],
    },
  );
}
