/**
 * Every validation rule, each with the exact problem lines a user sees.
 *
 * Rows mutate a small valid fleet (test/fixtures/small-fleet.yaml) and expect the full output of
 * `tarsfed validate`: file, line, column, field path and message, every problem of the file.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { parseFleet } from "../../fleet/model/load";

const base = readFileSync(path.join(__dirname, "..", "fixtures", "small-fleet.yaml"), "utf8");

function edit(edits: readonly (readonly [string, string])[]): string {
  let text = base;
  for (const [from, to] of edits) {
    expect(text, `the base fleet should contain ${JSON.stringify(from)}`).toContain(from);
    text = text.replace(from, to);
  }
  return text;
}

function problems(text: string): string[] {
  try {
    parseFleet(text, "fleet.yaml");
    return [];
  } catch (error) {
    if (error instanceof FleetError) return error.message.split("\n");
    throw error;
  }
}

const rows: [string, [string, string][], string[]][] = [
  [
    "fleet name",
    [["name: small", "name: Small_Fleet"]],
    [
      'fleet.yaml:2:7 name: must be a lowercase DNS label of at most 24 characters (a-z, 0-9, -), got "Small_Fleet"',
    ],
  ],
  [
    "home region unknown",
    [["homeRegion: gz", "homeRegion: hk"]],
    ['fleet.yaml:3:13 homeRegion: unknown region "hk", expected one of "gz" or "sh"'],
  ],
  [
    "home region without cluster",
    [
      ["homeRegion: gz\n", "homeRegion: sh\n"],
      [
        '    zones: [ap-shanghai-2]\n    clusters:\n      sh1:\n        kubernetesVersion: "1.30.0"\n        networkType: GR\n        serviceCidr: 172.21.0.0/20\n        podCidr: 172.24.0.0/16\n        nodePools:\n          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 1 }\n',
        "    zones: [ap-shanghai-2]\n",
      ],
    ],
    [
      "fleet.yaml:27:3 regions.sh.clusters: the home region needs a cluster: its first cluster runs the framework database Job, tarsweb and tarsnotify",
      'fleet.yaml:32:38 sets["app.gz.1"].standby: unknown cluster "sh1", expected one of "gz1"',
      'fleet.yaml:33:24 sets["app.sh.1"].cluster: unknown cluster "sh1", expected one of "gz1"',
    ],
  ],
  [
    "tars version latest",
    [["version: v1.1.3", "version: latest"]],
    [
      'fleet.yaml:5:12 tars.version: must be a pinned base-service tag such as "v1.1.3", got "latest"',
    ],
  ],
  [
    "framework image unpinned",
    [["version: v1.1.3", "version: v1.1.3\n  frameworkImage: tarscloud/framework"]],
    [
      'fleet.yaml:6:19 tars.frameworkImage: image "tarscloud/framework" has no tag, pin a version tag or a digest',
    ],
  ],
  [
    "cvm pools without the framework images nobody publishes",
    [
      [
        "  images:\n    tarsAdminRegistry: ccr.ccs.tencentyun.com/small/tarsadminregistry:v2.4.3\n    tarspatch: ccr.ccs.tencentyun.com/small/tarspatch:v2.4.3\n",
        "",
      ],
    ],
    [
      'fleet.yaml:4:1 tars.images.tarsAdminRegistry: is required: regions.gz.cvm.legacy runs tarsnode, which needs tarsAdminRegistry, and no public registry publishes its image; name a pinned image you built (see the README\'s image table), e.g. "ccr.ccs.tencentyun.com/<namespace>/tarsadminregistry:v2.4.3"',
      'fleet.yaml:4:1 tars.images.tarspatch: is required: regions.gz.cvm.legacy runs tarsnode, which needs tarspatch, and no public registry publishes its image; name a pinned image you built (see the README\'s image table), e.g. "ccr.ccs.tencentyun.com/<namespace>/tarspatch:v2.4.3"',
    ],
  ],
  [
    "a framework image unpinned, another missing",
    [
      [
        "    tarspatch: ccr.ccs.tencentyun.com/small/tarspatch:v2.4.3\n",
        "    tarsweb: ccr.ccs.tencentyun.com/tarsbase/tarsweb\n",
      ],
    ],
    [
      'fleet.yaml:8:3 tars.images.tarspatch: is required: regions.gz.cvm.legacy runs tarsnode, which needs tarspatch, and no public registry publishes its image; name a pinned image you built (see the README\'s image table), e.g. "ccr.ccs.tencentyun.com/<namespace>/tarspatch:v2.4.3"',
      'fleet.yaml:10:14 tars.images.tarsweb: image "ccr.ccs.tencentyun.com/tarsbase/tarsweb" has no tag, pin a version tag or a digest',
    ],
  ],
  [
    "image registry invalid",
    [["version: v1.1.3", "version: v1.1.3\n  imageRegistry: Bad Registry"]],
    [
      'fleet.yaml:6:18 tars.imageRegistry: not an image reference, got "Bad Registry/tarsregistry:v1.1.3", expected registry/repository:tag',
    ],
  ],
  [
    "engine 8.0",
    [['engineVersion: "5.7"', 'engineVersion: "8.0"']],
    [
      'fleet.yaml:6:41 tars.db.engineVersion: must be "5.7", got "8.0": MySQL 8 defaults (caching_sha2_password, forced SSL) break the TARS framework',
    ],
  ],
  [
    "in-cluster image",
    [['db: { mode: tencentdb, engineVersion: "5.7" }', "db: { mode: in-cluster, image: mysql }"]],
    ['fleet.yaml:6:34 tars.db.image: image "mysql" has no tag, pin a version tag or a digest'],
  ],
  [
    "tencentdb client image not pinned",
    [
      [
        'db: { mode: tencentdb, engineVersion: "5.7" }',
        'db: { mode: tencentdb, engineVersion: "5.7", clientImage: mysql:latest }',
      ],
    ],
    [
      'fleet.yaml:6:61 tars.db.clientImage: image "mysql:latest" uses the latest tag, pin a version tag or a digest',
    ],
  ],
  [
    "db mode unknown",
    [['db: { mode: tencentdb, engineVersion: "5.7" }', "db: { mode: rds }"]],
    ['fleet.yaml:6:15 tars.db.mode: must be tencentdb or in-cluster, got "rds"'],
  ],
  [
    "bandwidth three regions",
    [["regions: [gz, sh], mbps: 200", "regions: [gz, sh, bj], mbps: 200"]],
    ["fleet.yaml:13:18 network.bandwidth[0].regions: must name exactly two regions, got 3"],
  ],
  [
    "bandwidth unknown region",
    [["regions: [gz, sh], mbps: 200", "regions: [gz, hk], mbps: 200"]],
    [
      'fleet.yaml:13:23 network.bandwidth[0].regions[1]: unknown region "hk", expected one of "gz" or "sh"',
    ],
  ],
  [
    "bandwidth same region",
    [["regions: [gz, sh], mbps: 200", "regions: [gz, gz], mbps: 200"]],
    [
      'fleet.yaml:13:18 network.bandwidth[0].regions: must name two different regions, got "gz" twice',
    ],
  ],
  [
    "bandwidth duplicate pair",
    [
      [
        "    - { regions: [gz, sh], mbps: 200 }",
        "    - { regions: [gz, sh], mbps: 200 }\n    - { regions: [sh, gz], mbps: 300 }",
      ],
    ],
    [
      "fleet.yaml:14:18 network.bandwidth[1].regions: the pair sh, gz already has a limit at network.bandwidth[0]",
    ],
  ],
  [
    "bandwidth mbps zero",
    [["regions: [gz, sh], mbps: 200", "regions: [gz, sh], mbps: 0"]],
    ["fleet.yaml:13:34 network.bandwidth[0].mbps: must be a whole number from 1 to 100000, got 0"],
  ],
  [
    "region name",
    [["  sh:\n    tencentRegion", "  Shang_Hai:\n    tencentRegion"]],
    [
      'fleet.yaml:13:23 network.bandwidth[0].regions[1]: unknown region "sh", expected one of "gz" or "Shang_Hai"',
      'fleet.yaml:27:3 regions.Shang_Hai: region name must be a lowercase DNS label of at most 20 characters (a-z, 0-9, -), got "Shang_Hai"',
    ],
  ],
  [
    "region named global",
    [["  sh:\n    tencentRegion", "  global:\n    tencentRegion"]],
    [
      'fleet.yaml:13:23 network.bandwidth[0].regions[1]: unknown region "sh", expected one of "gz" or "global"',
      'fleet.yaml:27:3 regions.global: region name "global" is taken by the stack that holds the CCN',
    ],
  ],
  [
    "tencent region format",
    [["tencentRegion: ap-shanghai", "tencentRegion: Shanghai"]],
    [
      'fleet.yaml:28:20 regions.sh.tencentRegion: must be a Tencent Cloud region such as "ap-guangzhou", got "Shanghai"',
    ],
  ],
  [
    "tencent region twice",
    [["tencentRegion: ap-shanghai", "tencentRegion: ap-guangzhou"]],
    [
      "fleet.yaml:28:20 regions.sh.tencentRegion: ap-guangzhou is already used by region gz; each fleet region needs its own Tencent Cloud region",
      'fleet.yaml:30:13 regions.sh.zones[0]: zone "ap-shanghai-2" is not in ap-guangzhou, expected ap-guangzhou-<number>',
    ],
  ],
  [
    "zones empty",
    [["zones: [ap-shanghai-2]", "zones: []"]],
    ["fleet.yaml:30:12 regions.sh.zones: must list at least one availability zone"],
  ],
  [
    "zone twice",
    [["zones: [ap-shanghai-2]", "zones: [ap-shanghai-2, ap-shanghai-2]"]],
    ["fleet.yaml:30:28 regions.sh.zones[1]: zone ap-shanghai-2 is listed twice"],
  ],
  [
    "zone of other region",
    [["zones: [ap-shanghai-2]", "zones: [ap-beijing-2]"]],
    [
      'fleet.yaml:30:13 regions.sh.zones[0]: zone "ap-beijing-2" is not in ap-shanghai, expected ap-shanghai-<number>',
    ],
  ],
  [
    "zone number",
    [["zones: [ap-shanghai-2]", "zones: [ap-shanghai-17]"]],
    [
      'fleet.yaml:30:13 regions.sh.zones[0]: zone "ap-shanghai-17" must end in a zone number from 1 to 16, e.g. ap-shanghai-3',
    ],
  ],
  [
    "cluster name",
    [["      gz1:\n", "      GZ-1:\n"]],
    [
      'fleet.yaml:20:7 regions.gz.clusters.GZ-1: cluster name must be a lowercase DNS label of at most 20 characters (a-z, 0-9, -), got "GZ-1"',
      'fleet.yaml:40:24 sets["app.gz.1"].cluster: unknown cluster "gz1", expected one of "GZ-1" or "sh1"',
      'fleet.yaml:41:38 sets["app.sh.1"].standby: unknown cluster "gz1", expected one of "GZ-1" or "sh1"',
    ],
  ],
  [
    "cluster name reused",
    [["      sh1:\n", "      gz1:\n"]],
    [
      "fleet.yaml:32:7 regions.sh.clusters.gz1: cluster name gz1 is already used at regions.gz.clusters.gz1; cluster names are fleet-wide",
      'fleet.yaml:40:38 sets["app.gz.1"].standby: unknown cluster "sh1", expected one of "gz1"',
      'fleet.yaml:41:24 sets["app.sh.1"].cluster: unknown cluster "sh1", expected one of "gz1"',
    ],
  ],
  [
    "kubernetes version number",
    [
      [
        'kubernetesVersion: "1.30.0"\n        serviceCidr: 172.20',
        "kubernetesVersion: 1.30\n        serviceCidr: 172.20",
      ],
    ],
    [
      'fleet.yaml:21:28 regions.gz.clusters.gz1.kubernetesVersion: must be a quoted version such as "1.30.0", got 1.3 (YAML read it as a number)',
    ],
  ],
  [
    "kubernetes version format",
    [
      [
        'kubernetesVersion: "1.30.0"\n        serviceCidr: 172.20',
        'kubernetesVersion: "v1.30"\n        serviceCidr: 172.20',
      ],
    ],
    [
      'fleet.yaml:21:28 regions.gz.clusters.gz1.kubernetesVersion: must be a version such as "1.30.0", got "v1.30"',
    ],
  ],
  [
    "kubernetes version old",
    [
      [
        'kubernetesVersion: "1.30.0"\n        serviceCidr: 172.20',
        'kubernetesVersion: "1.20.6"\n        serviceCidr: 172.20',
      ],
    ],
    [
      'fleet.yaml:21:28 regions.gz.clusters.gz1.kubernetesVersion: must be 1.24.0 or newer (containerd), got "1.20.6"',
    ],
  ],
  [
    "network type unknown",
    [["networkType: GR", "networkType: Calico"]],
    ['fleet.yaml:34:22 regions.sh.clusters.sh1.networkType: must be VPC-CNI or GR, got "Calico"'],
  ],
  [
    "GR without podCidr",
    [["        podCidr: 172.24.0.0/16\n", ""]],
    [
      "fleet.yaml:32:7 regions.sh.clusters.sh1.podCidr: GR clusters need a podCidr (the container CIDR, outside every VPC)",
    ],
  ],
  [
    "VPC-CNI with podCidr",
    [
      [
        "serviceCidr: 172.20.0.0/20\n",
        "serviceCidr: 172.20.0.0/20\n        podCidr: 172.25.0.0/16\n",
      ],
    ],
    [
      "fleet.yaml:23:18 regions.gz.clusters.gz1.podCidr: podCidr applies only to GR clusters; VPC-CNI pods take IPs from subnets carved from vpcCidr",
    ],
  ],
  [
    "no node pools",
    [
      [
        "        nodePools:\n          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }",
        "        nodePools: {}",
      ],
    ],
    [
      "fleet.yaml:23:20 regions.gz.clusters.gz1.nodePools: must define at least one node pool: TKE opens cluster access only once nodes exist",
    ],
  ],
  [
    "node pool name",
    [
      [
        "          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }",
        "          General_Pool: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }",
      ],
    ],
    [
      'fleet.yaml:24:11 regions.gz.clusters.gz1.nodePools.General_Pool: node pool name must be a lowercase DNS label of at most 20 characters (a-z, 0-9, -), got "General_Pool"',
    ],
  ],
  [
    "node pool instance type",
    [
      [
        "general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 2 }",
        "general: { instanceType: SA5.HUGE, minSize: 1, maxSize: 4, desiredSize: 2 }",
      ],
    ],
    [
      'fleet.yaml:24:36 regions.gz.clusters.gz1.nodePools.general.instanceType: unreadable instance type "SA5.HUGE", expected FAMILY.SIZE<memoryGiB> such as S5.LARGE8 (SIZE: SMALL, MEDIUM, LARGE, <n>XLARGE)',
    ],
  ],
  [
    "node pool min above max",
    [["minSize: 1, maxSize: 4, desiredSize: 2", "minSize: 5, maxSize: 4, desiredSize: 4"]],
    [
      "fleet.yaml:24:60 regions.gz.clusters.gz1.nodePools.general.minSize: minSize 5 is above maxSize 4",
      "fleet.yaml:24:88 regions.gz.clusters.gz1.nodePools.general.desiredSize: desiredSize 4 is below minSize 5",
    ],
  ],
  [
    "node pool desired below min",
    [["minSize: 1, maxSize: 4, desiredSize: 2", "minSize: 3, maxSize: 4, desiredSize: 2"]],
    [
      "fleet.yaml:24:88 regions.gz.clusters.gz1.nodePools.general.desiredSize: desiredSize 2 is below minSize 3",
    ],
  ],
  [
    "node pool desired above max",
    [["minSize: 1, maxSize: 4, desiredSize: 2", "minSize: 1, maxSize: 4, desiredSize: 6"]],
    [
      "fleet.yaml:24:88 regions.gz.clusters.gz1.nodePools.general.desiredSize: desiredSize 6 is above maxSize 4",
    ],
  ],
  [
    "node pool size type",
    [["minSize: 1, maxSize: 4, desiredSize: 2", "minSize: one, maxSize: 4, desiredSize: 2"]],
    [
      'fleet.yaml:24:60 regions.gz.clusters.gz1.nodePools.general.minSize: expected a number, got "one"',
    ],
  ],
  [
    "node pool missing field",
    [["minSize: 1, maxSize: 4, desiredSize: 2", "minSize: 1, maxSize: 4"]],
    [
      "fleet.yaml:24:11 regions.gz.clusters.gz1.nodePools.general.desiredSize: missing, expected a number",
    ],
  ],
  [
    "cvm pool name",
    [["      legacy: {", "      Legacy_1: {"]],
    [
      'fleet.yaml:26:7 regions.gz.cvm.Legacy_1: CVM pool name must be a lowercase DNS label of at most 20 characters (a-z, 0-9, -), got "Legacy_1"',
    ],
  ],
  [
    "cvm instance type",
    [["instanceType: S5.LARGE8", "instanceType: S5.LARGE2"]],
    [
      'fleet.yaml:26:41 regions.gz.cvm.legacy.instanceType: unreadable instance type "S5.LARGE2", 2 GiB for 4 vCPU is outside 1 to 32 GiB per vCPU (probably a typo)',
    ],
  ],
  [
    "cvm image id",
    [["imageId: img-eb30mz89", "imageId: ubuntu-22"]],
    [
      'fleet.yaml:26:61 regions.gz.cvm.legacy.imageId: must be a CVM image id such as "img-eb30mz89", got "ubuntu-22"',
    ],
  ],
  [
    "cvm zone and zones",
    [["zone: ap-guangzhou-3,", "zone: ap-guangzhou-3, zones: [ap-guangzhou-6],"]],
    ["fleet.yaml:26:104 regions.gz.cvm.legacy.zones: give zone or zones, not both"],
  ],
  [
    "cvm no zone",
    [[", zone: ap-guangzhou-3,", ","]],
    ["fleet.yaml:26:7 regions.gz.cvm.legacy: needs zone (one zone) or zones (spread over several)"],
  ],
  [
    "cvm zone not in region",
    [["zone: ap-guangzhou-3,", "zone: ap-guangzhou-4,"]],
    [
      'fleet.yaml:26:81 regions.gz.cvm.legacy.zone: zone "ap-guangzhou-4" is not a zone of this region, expected one of "ap-guangzhou-3" or "ap-guangzhou-6"',
    ],
  ],
  [
    "cvm in region without cluster",
    [
      [
        '    zones: [ap-shanghai-2]\n    clusters:\n      sh1:\n        kubernetesVersion: "1.30.0"\n        networkType: GR\n        serviceCidr: 172.21.0.0/20\n        podCidr: 172.24.0.0/16\n        nodePools:\n          general: { instanceType: SA5.2XLARGE16, minSize: 1, maxSize: 4, desiredSize: 1 }\n',
        "    zones: [ap-shanghai-2]\n    cvm:\n      spare: { count: 1, instanceType: S5.LARGE8, imageId: img-eb30mz89, zone: ap-shanghai-2, tarsnodePackageSha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 }\n",
      ],
    ],
    [
      "fleet.yaml:31:5 regions.sh.cvm: CVM pools need a cluster in their region: tarsnode registers with the region's cluster registries",
      'fleet.yaml:34:38 sets["app.gz.1"].standby: unknown cluster "sh1", expected one of "gz1"',
      'fleet.yaml:35:24 sets["app.sh.1"].cluster: unknown cluster "sh1", expected one of "gz1"',
    ],
  ],
  [
    "cidr syntax",
    [["vpcCidr: 10.20.0.0/16", "vpcCidr: 10.20.0/16"]],
    ['fleet.yaml:29:14 regions.sh.vpcCidr: not an IPv4 CIDR, got "10.20.0/16"'],
  ],
  [
    "cidr host bits",
    [["vpcCidr: 10.20.0.0/16", "vpcCidr: 10.20.1.0/16"]],
    [
      'fleet.yaml:29:14 regions.sh.vpcCidr: "10.20.1.0/16" has host bits set, did you mean 10.20.0.0/16',
    ],
  ],
  [
    "cidr public",
    [["vpcCidr: 10.20.0.0/16", "vpcCidr: 8.8.0.0/16"]],
    [
      "fleet.yaml:29:14 regions.sh.vpcCidr: vpcCidr 8.8.0.0/16 is not private, expected a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
    ],
  ],
  [
    "vpc prefix",
    [["vpcCidr: 10.20.0.0/16", "vpcCidr: 10.20.0.0/24"]],
    ["fleet.yaml:29:14 regions.sh.vpcCidr: vpcCidr must be a /12 to /18, got /24"],
  ],
  [
    "service prefix",
    [["serviceCidr: 172.21.0.0/20", "serviceCidr: 172.21.0.0/16"]],
    [
      "fleet.yaml:35:22 regions.sh.clusters.sh1.serviceCidr: serviceCidr must be a /17 to /27, got /16",
    ],
  ],
  [
    "pod prefix",
    [["podCidr: 172.24.0.0/16", "podCidr: 172.24.0.0/26"]],
    ["fleet.yaml:36:18 regions.sh.clusters.sh1.podCidr: podCidr must be a /12 to /24, got /26"],
  ],
  [
    "allowed cidr",
    [["allowedCidrs: [192.168.0.0/16]", "allowedCidrs: [192.168.0.0/40]"]],
    ['fleet.yaml:7:25 tars.web.allowedCidrs[0]: not an IPv4 CIDR, got "192.168.0.0/40"'],
  ],
  [
    "overlap vpc",
    [["vpcCidr: 10.20.0.0/16", "vpcCidr: 10.10.128.0/17"]],
    [
      "fleet.yaml:29:14 regions.sh.vpcCidr: 10.10.128.0/17 overlaps regions.gz.vpcCidr (10.10.0.0/16); every VPC, service and pod CIDR in the fleet must be disjoint, or CCN drops the route",
    ],
  ],
  [
    "overlap service pod",
    [["serviceCidr: 172.21.0.0/20", "serviceCidr: 172.24.16.0/20"]],
    [
      "fleet.yaml:36:18 regions.sh.clusters.sh1.podCidr: 172.24.0.0/16 overlaps regions.sh.clusters.sh1.serviceCidr (172.24.16.0/20); every VPC, service and pod CIDR in the fleet must be disjoint, or CCN drops the route",
    ],
  ],
  [
    "set id",
    [["  app.sh.1: { cluster: sh1, standby: gz1 }", "  app.sh.x: { cluster: sh1, standby: gz1 }"]],
    [
      'fleet.yaml:41:3 sets["app.sh.x"]: Set id must be setName.setArea.setGroup (lowercase letters . lowercase letters . digits or *), got "app.sh.x"',
      'fleet.yaml:47:30 servers["Shop.CartServer"].replicas["app.sh.1"]: unknown Set "app.sh.1", expected one of "app.gz.1" or "app.sh.x"',
    ],
  ],
  [
    "set part too long",
    [
      [
        "  app.sh.1: { cluster: sh1, standby: gz1 }",
        "  averyveryverylongname.sh.1: { cluster: sh1, standby: gz1 }",
      ],
    ],
    [
      'fleet.yaml:41:3 sets["averyveryverylongname.sh.1"]: setName is longer than the 16 characters TARS stores, got "averyveryverylongname.sh.1"',
      'fleet.yaml:47:30 servers["Shop.CartServer"].replicas["app.sh.1"]: unknown Set "app.sh.1", expected one of "app.gz.1" or "averyveryverylongname.sh.1"',
    ],
  ],
  [
    "set unknown cluster",
    [["app.sh.1: { cluster: sh1, standby: gz1 }", "app.sh.1: { cluster: sh9, standby: gz1 }"]],
    [
      'fleet.yaml:41:24 sets["app.sh.1"].cluster: unknown cluster "sh9", expected one of "gz1" or "sh1"',
    ],
  ],
  [
    "set unknown standby",
    [["app.sh.1: { cluster: sh1, standby: gz1 }", "app.sh.1: { cluster: sh1, standby: bj1 }"]],
    [
      'fleet.yaml:41:38 sets["app.sh.1"].standby: unknown cluster "bj1", expected one of "gz1" or "sh1"',
    ],
  ],
  [
    "set standby same",
    [["app.sh.1: { cluster: sh1, standby: gz1 }", "app.sh.1: { cluster: sh1, standby: sh1 }"]],
    ['fleet.yaml:41:38 sets["app.sh.1"].standby: standby must differ from cluster, both are "sh1"'],
  ],
  [
    "warm without standby",
    [["app.sh.1: { cluster: sh1, standby: gz1 }", "app.sh.1: { cluster: sh1, warmStandby: true }"]],
    [
      'fleet.yaml:41:42 sets["app.sh.1"].warmStandby: warmStandby needs a standby cluster (set standby)',
    ],
  ],
  [
    "failed over without standby",
    [["app.sh.1: { cluster: sh1, standby: gz1 }", "app.sh.1: { cluster: sh1, failedOver: true }"]],
    [
      'fleet.yaml:41:41 sets["app.sh.1"].failedOver: failedOver needs a standby cluster to run in (set standby)',
    ],
  ],
  [
    "set unknown field",
    [
      [
        "app.sh.1: { cluster: sh1, standby: gz1 }",
        "app.sh.1: { cluster: sh1, standby: gz1, standbye: gz1 }",
      ],
    ],
    ['fleet.yaml:41:43 sets["app.sh.1"].standbye: unknown field, did you mean standby?'],
  ],
  [
    "server id",
    [["  Shop.CartServer:", "  Shop-CartServer:"]],
    [
      'fleet.yaml:43:3 servers.Shop-CartServer: server must be App.Server (letters and digits, each starting with a letter), got "Shop-CartServer"',
    ],
  ],
  [
    "server case clash",
    [
      [
        "servers:\n",
        "servers:\n  shop.cartserver:\n    image: ccr.ccs.tencentyun.com/demo/cart:1.0.0\n    servants: { CartObj: { port: 10020 } }\n    replicas: { app.gz.1: 1 }\n",
      ],
    ],
    [
      'fleet.yaml:47:3 servers["Shop.CartServer"]: server Shop.CartServer differs from shop.cartserver only in letter case; their Kubernetes names would clash',
    ],
  ],
  [
    "image latest",
    [["cart:1.0.0", "cart:latest"]],
    [
      'fleet.yaml:44:12 servers["Shop.CartServer"].image: image "ccr.ccs.tencentyun.com/demo/cart:latest" uses the latest tag, pin a version tag or a digest',
    ],
  ],
  [
    "image untagged",
    [["cart:1.0.0", "cart"]],
    [
      'fleet.yaml:44:12 servers["Shop.CartServer"].image: image "ccr.ccs.tencentyun.com/demo/cart" has no tag, pin a version tag or a digest',
    ],
  ],
  [
    "image bad digest",
    [["cart:1.0.0", "cart@sha256:abc"]],
    [
      'fleet.yaml:44:12 servers["Shop.CartServer"].image: bad digest in image "ccr.ccs.tencentyun.com/demo/cart@sha256:abc", expected @sha256:<64 hex digits>',
    ],
  ],
  [
    "servants empty",
    [["servants: { CartObj: { port: 10020 } }", "servants: {}"]],
    ['fleet.yaml:45:15 servers["Shop.CartServer"].servants: must define at least one servant'],
  ],
  [
    "servant name",
    [["servants: { CartObj: { port: 10020 } }", "servants: { Cart-Obj: { port: 10020 } }"]],
    [
      'fleet.yaml:45:17 servers["Shop.CartServer"].servants.Cart-Obj: servant name must be letters and digits starting with a letter (at most 63), got "Cart-Obj"',
    ],
  ],
  [
    "servant reserved port",
    [["servants: { CartObj: { port: 10020 } }", "servants: { CartObj: { port: 19385 } }"]],
    [
      'fleet.yaml:45:34 servers["Shop.CartServer"].servants.CartObj.port: port 19385 is reserved for tarsnode, choose another',
    ],
  ],
  [
    "servant duplicate port",
    [
      [
        "servants: { CartObj: { port: 10020 } }",
        "servants: { CartObj: { port: 10020 }, AdminObj: { port: 10020 } }",
      ],
    ],
    [
      'fleet.yaml:45:61 servers["Shop.CartServer"].servants.AdminObj.port: port 10020 is already used by servant CartObj',
    ],
  ],
  [
    "servant port range",
    [["servants: { CartObj: { port: 10020 } }", "servants: { CartObj: { port: 70000 } }"]],
    [
      'fleet.yaml:45:34 servers["Shop.CartServer"].servants.CartObj.port: must be a whole number from 1 to 65535, got 70000',
    ],
  ],
  [
    "cpu quantity",
    [["cpu: 500m", "cpu: half"]],
    [
      'fleet.yaml:46:23 servers["Shop.CartServer"].resources.cpu: not a CPU quantity, got "half", expected cores such as 2 or 0.5, or millicores such as 500m',
    ],
  ],
  [
    "memory quantity",
    [["memory: 512Mi", "memory: 512MB"]],
    [
      'fleet.yaml:46:37 servers["Shop.CartServer"].resources.memory: not a memory quantity, got "512MB", expected a number with Ki, Mi, Gi or Ti such as 512Mi',
    ],
  ],
  [
    "replicas unknown set",
    [["replicas: { app.gz.1: 2, app.sh.1: 1 }", "replicas: { app.gz.1: 2, app.hk.1: 1 }"]],
    [
      'fleet.yaml:47:30 servers["Shop.CartServer"].replicas["app.hk.1"]: unknown Set "app.hk.1", expected one of "app.gz.1" or "app.sh.1"',
    ],
  ],
  [
    "replicas zero",
    [["replicas: { app.gz.1: 2, app.sh.1: 1 }", "replicas: { app.gz.1: 0, app.sh.1: 1 }"]],
    [
      'fleet.yaml:47:27 servers["Shop.CartServer"].replicas["app.gz.1"]: must be a whole number from 1 to 1000, got 0',
    ],
  ],
  [
    "missing regions",
    [["regions:\n  gz:", "regionz:\n  gz:"]],
    [
      "fleet.yaml:2:1 regions: missing, expected a map",
      'fleet.yaml:3:13 homeRegion: unknown region "gz", expected a defined name, but none is defined',
      'fleet.yaml:13:19 network.bandwidth[0].regions[0]: unknown region "gz", expected a defined name, but none is defined',
      'fleet.yaml:13:23 network.bandwidth[0].regions[1]: unknown region "sh", expected a defined name, but none is defined',
      "fleet.yaml:14:1 regionz: unknown field, did you mean regions?",
      'fleet.yaml:40:24 sets["app.gz.1"].cluster: unknown cluster "gz1", expected a defined name, but none is defined',
      'fleet.yaml:40:38 sets["app.gz.1"].standby: unknown cluster "sh1", expected a defined name, but none is defined',
      'fleet.yaml:41:24 sets["app.sh.1"].cluster: unknown cluster "sh1", expected a defined name, but none is defined',
      'fleet.yaml:41:38 sets["app.sh.1"].standby: unknown cluster "gz1", expected a defined name, but none is defined',
    ],
  ],
  [
    "unknown top-level field",
    [["name: small", "name: small\nowner: platform"]],
    [
      "fleet.yaml:3:1 owner: unknown field, expected name, homeRegion, tars, network, regions, sets or servers",
    ],
  ],
  [
    "wrong type",
    [["  web: { allowedCidrs: [192.168.0.0/16] }", "  web: [192.168.0.0/16]"]],
    ["fleet.yaml:7:8 tars.web: expected a map, got a list"],
  ],
  [
    "yaml duplicate key",
    [["name: small", "name: small\nname: other"]],
    ['fleet.yaml:3:1: invalid YAML: map keys must be unique: "name" appears twice in this map'],
  ],
  [
    "yaml syntax",
    [["name: small", "name: [small"]],
    ["fleet.yaml:2:7: invalid YAML: this flow list is not closed, expected a ] before line 3"],
  ],
  [
    "deployment name too long",
    [
      [
        "  Shop.CartServer:",
        "  Shop.CartServerWithAnExtraordinarilyLongNameForTestingNamesThatOverflow:",
      ],
    ],
    [
      'fleet.yaml:47:17 servers["Shop.CartServerWithAnExtraordinarilyLongNameForTestingNamesThatOverflow"].replicas["app.gz.1"]: Deployment name "shop-cartserverwithanextraordinarilylongnamefortestingnamesthatoverflow-app-gz-1" has 80 characters, at most 63 allowed; shorten the server or Set name',
      'fleet.yaml:47:30 servers["Shop.CartServerWithAnExtraordinarilyLongNameForTestingNamesThatOverflow"].replicas["app.sh.1"]: Deployment name "shop-cartserverwithanextraordinarilylongnamefortestingnamesthatoverflow-app-sh-1" has 80 characters, at most 63 allowed; shorten the server or Set name',
    ],
  ],
];

describe("validation rules", () => {
  it("accepts the base fleet", () => {
    expect(problems(base)).toEqual([]);
  });

  it.each(rows)("fails on %s", (_name, edits, expected) => {
    expect(problems(edit(edits))).toEqual(expected);
  });

  it("fails on an empty file with one clear line", () => {
    expect(() => parseFleet("", "empty.yaml")).toThrow(
      "empty.yaml:1:1: the file is empty, expected a fleet map with name, homeRegion and regions",
    );
  });
});
