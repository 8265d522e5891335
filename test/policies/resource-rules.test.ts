/**
 * Every resource rule: what the fleet generates passes, and a copy with one field broken fails
 * with the message a user reads.
 */
import { describe, expect, it } from "vitest";
import { type ResourceRule, type ResourceView, UNKNOWN } from "../../policies/rule";
import {
  grClusterReachability,
  imagesPinned,
  noOpenTarsPorts,
  noPlaintextSecrets,
  noPublicClusterEndpoint,
  noPublicDatabase,
  noPublicLoadBalancer,
  resourceRequestsAndLimits,
  statefulResourcesProtected,
  tarsGracefulShutdown,
  tarsnodePackageVerified,
} from "../../policies/rules";
import { K8sType, TencentType } from "../../policies/tokens";
import { renderTarsnodeBootstrap } from "../../fleet/tars/tarsnode-bootstrap";
import { packageStoreClaim } from "../../fleet/k8s/base-services";
import {
  cluster,
  containerOf,
  demo,
  dig,
  nodeRuleSet,
  plain,
  resource,
  setDeployment,
  tarslogResource,
  webDeploymentResource,
  type JsonObject,
} from "./builders";

/** A tarsnode CVM as the CVM pool component creates it, its bootstrap fetching from `packageUrl`. */
function tarsnodeMachine(packageUrl = "http://10.10.9.249:3000/files/tarsnode.tgz"): ResourceView {
  const userDataRaw = renderTarsnodeBootstrap({
    registryEndpoints: [{ host: "10.10.9.7", port: 17890 }],
    packageUrl,
    packageSha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    fleetName: "demo",
    region: "guangzhou",
    pool: "legacy",
  });
  return resource(TencentType.Instance, "guangzhou-legacy-0", { userDataRaw });
}
const machine = tarsnodeMachine();
const script = (m: ResourceView) => String(m.props.userDataRaw);
const tarswebOnly =
  "only tarsweb's default at a private address (http://<address>:3000/files/tarsnode.tgz) may be plain http; name an https URL";

function changed(base: ResourceView, edit: (props: JsonObject) => void): ResourceView {
  const props = JSON.parse(JSON.stringify(base.props)) as JsonObject;
  edit(props);
  return { ...base, props };
}

const endpoint = resource(TencentType.KubernetesClusterEndpoint, "gz1-endpoint", {
  clusterId: "cls-sruncvcw",
  clusterInternet: false,
  clusterIntranet: true,
});
const mysql = resource(
  TencentType.MysqlInstance,
  "tars-db-mysql",
  { engineVersion: "5.7", internetService: 0, rootPassword: "[secret]" },
  { protect: true },
);
const clb = resource(TencentType.ClbInstance, "tars-home-web-clb", {
  clbName: "demo-gz1-tars-web",
  networkType: "INTERNAL",
});
const lbService = resource(K8sType.Service, "tars-home-web-service", {
  metadata: {
    name: "tars-web",
    namespace: "tars-system",
    annotations: { "service.kubernetes.io/tke-existed-lbid": "lb-zq956ina" },
  },
  spec: { type: "LoadBalancer", ports: [{ port: 3000 }] },
});
const configMap = resource(K8sType.ConfigMap, "gz1-meta", {
  metadata: { name: "testapp-helloserver-app-gz-1-meta", namespace: "tars" },
  data: { "_server_meta.yaml": "version: v1\napplication: TestApp\n" },
});
const vpc = resource(
  TencentType.Vpc,
  "guangzhou-vpc",
  { cidrBlock: "10.10.0.0/16" },
  { protect: true },
);
const latest = "ccr.ccs.tencentyun.com/demo/helloserver:latest";
const deployment = setDeployment();
const tarslog = tarslogResource();
const packageStore = resource(
  K8sType.PersistentVolumeClaim,
  "guangzhou-home-package-store",
  plain(packageStoreClaim("tars-system", demo.tars.packages)),
  { protect: true },
);

// [rule, good resource, broken resource, every message of the broken one]
const cases: [ResourceRule, ResourceView, ResourceView, string[]][] = [
  [
    noPublicClusterEndpoint,
    endpoint,
    changed(endpoint, (p) => (p.clusterInternet = true)),
    [
      "the cluster API endpoint is open to the internet (clusterInternet: true); use the intranet endpoint, reached over CCN",
    ],
  ],
  [
    noPublicClusterEndpoint,
    cluster("gz1"),
    changed(cluster("gz1"), (p) =>
      Object.assign(p, { clusterInternet: true, clusterInternetSecurityGroup: "sg-1" }),
    ),
    [
      "the cluster API endpoint is open to the internet (clusterInternet: true) (a security group narrows it but the API server is still published); use the intranet endpoint, reached over CCN",
    ],
  ],
  [
    noPublicDatabase,
    mysql,
    changed(mysql, (p) => (p.internetService = 1)),
    [
      "the database has a public address (internetService: 1); set internetService: 0 and reach it over the VPC and CCN",
    ],
  ],
  [
    noPublicLoadBalancer,
    clb,
    changed(clb, (p) => (p.networkType = "OPEN")),
    [
      "the load balancer is public (networkType: OPEN); tarsfed load balancers front TARS and admin ports and must be INTERNAL",
    ],
  ],
  [
    noPublicLoadBalancer,
    lbService,
    changed(lbService, (p) => delete dig(p, "metadata").annotations),
    [
      "Service tars-system/tars-web is of type LoadBalancer without service.kubernetes.io/tke-existed-lbid or service.kubernetes.io/qcloud-loadbalancer-internal-subnetid: TKE would create a public load balancer for it",
    ],
  ],
  [
    noOpenTarsPorts,
    nodeRuleSet(),
    changed(nodeRuleSet(), (p) => (dig(p, "ingresses", 1).cidrBlock = "0.0.0.0/0")),
    [
      "ingress rule 2 accepts 0.0.0.0/0 on TCP 17890,17891,12000, which includes TARS registry and admin registry (17890,17891,12000)",
    ],
  ],
  [
    noOpenTarsPorts,
    nodeRuleSet(),
    changed(
      nodeRuleSet(),
      (p) =>
        (p.ingresses = [{ action: "accept", ipv6CidrBlock: "::/0", protocol: "ALL", port: "ALL" }]),
    ),
    [
      "ingress rule 1 accepts ::/0 on ALL ALL, which includes TARS registry and admin registry (17890,17891,12000), TARS framework services (18193-18993), tarsnode (19385-19387), tarscli servant ports (13000-16000), TARS servant ports (10001,10010,10011,10020), tarsweb (3000), TARS framework database (3306)",
    ],
  ],
  [
    noOpenTarsPorts,
    resource(TencentType.SecurityGroupLiteRule, "lite", {
      ingresses: ["ACCEPT#0.0.0.0/0#443#TCP", "ACCEPT#0.0.0.0/0#ALL#ICMP"],
    }),
    resource(TencentType.SecurityGroupLiteRule, "lite", {
      ingresses: ["ACCEPT#0.0.0.0/0#3000-3306#TCP"],
    }),
    [
      "ingress rule 1 accepts 0.0.0.0/0 on TCP 3000-3306, which includes tarsweb (3000), TARS framework database (3306)",
    ],
  ],
  [
    imagesPinned,
    deployment,
    changed(deployment, (p) => (containerOf(p).image = latest)),
    [`container helloserver: image "${latest}" uses the latest tag, pin a version tag or a digest`],
  ],
  [
    imagesPinned,
    deployment,
    changed(
      deployment,
      (p) =>
        (dig(p, "spec", "template", "spec").initContainers = [{ name: "wait", image: "busybox" }]),
    ),
    ['init container wait: image "busybox" has no tag, pin a version tag or a digest'],
  ],
  [
    resourceRequestsAndLimits,
    deployment,
    changed(deployment, (p) => {
      delete dig(containerOf(p), "resources", "requests").cpu;
      delete dig(containerOf(p), "resources").limits;
    }),
    [
      "container helloserver has no resources.requests.cpu, resources.limits.cpu, resources.limits.memory",
    ],
  ],
  [
    tarsGracefulShutdown,
    deployment,
    changed(deployment, (p) => delete containerOf(p).lifecycle),
    [
      "container helloserver sets TARS_PRESTOP_WAITTIME but has no preStop hook running tarscli prestop: its pods stop while still registered",
    ],
  ],
  [
    tarsGracefulShutdown,
    deployment,
    changed(deployment, (p) => {
      delete containerOf(p).lifecycle;
      containerOf(p).env = [];
    }),
    [
      "no container has the preStop hook tarscli prestop: pods stop while still registered, and callers see errors",
    ],
  ],
  [
    tarsGracefulShutdown,
    deployment,
    changed(
      deployment,
      (p) => (dig(p, "spec", "template", "spec").terminationGracePeriodSeconds = 80),
    ),
    [
      "terminationGracePeriodSeconds 80 is not longer than container helloserver's TARS_PRESTOP_WAITTIME 80: pods are killed before they have drained",
    ],
  ],
  [
    tarsGracefulShutdown,
    webDeploymentResource(),
    changed(
      deployment,
      (p) => delete dig(p, "spec", "template", "spec").terminationGracePeriodSeconds,
    ),
    [
      "terminationGracePeriodSeconds 30 (Kubernetes' default) is not longer than container helloserver's TARS_PRESTOP_WAITTIME 80: pods are killed before they have drained",
    ],
  ],
  [
    tarsGracefulShutdown,
    tarslog,
    changed(
      tarslog,
      (p) => (dig(p, "spec", "template", "spec").terminationGracePeriodSeconds = 60),
    ),
    [
      "terminationGracePeriodSeconds 60 is not longer than container tarslog's TARS_PRESTOP_WAITTIME 80: pods are killed before they have drained",
    ],
  ],
  [
    statefulResourcesProtected,
    tarslog,
    { ...tarslog, protect: false },
    [
      "a StatefulSet and its volumes is not protected: register it with protect: true so no plan can delete or replace it",
    ],
  ],
  [
    statefulResourcesProtected,
    packageStore,
    { ...packageStore, protect: false },
    [
      "a volume claim (the package store) is not protected: register it with protect: true so no plan can delete or replace it",
    ],
  ],
  [
    statefulResourcesProtected,
    vpc,
    { ...vpc, protect: false },
    [
      "a region's VPC is not protected: register it with protect: true so no plan can delete or replace it",
    ],
  ],
  [
    statefulResourcesProtected,
    mysql,
    { ...mysql, protect: false },
    [
      "the framework database is not protected: register it with protect: true so no plan can delete or replace it",
    ],
  ],
  [
    noPlaintextSecrets,
    deployment,
    changed(
      deployment,
      (p) =>
        (containerOf(p).env = [
          { name: "DB_PASS", value: "hunter2" },
          { name: "DSN", value: "[secret]" },
          {
            name: "ROOT_PASSWORD",
            valueFrom: { secretKeyRef: { name: "tars-db", key: "ROOT_PASSWORD" } },
          },
        ]),
    ),
    [
      "container helloserver: environment variable DB_PASS looks like a secret by its name; take it from a Secret with valueFrom.secretKeyRef",
      "container helloserver: environment variable DSN holds a Pulumi secret in clear; take it from a Secret with valueFrom.secretKeyRef",
    ],
  ],
  [
    noPlaintextSecrets,
    configMap,
    changed(
      configMap,
      (p) =>
        (p.data = {
          kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n",
          "tls.pem": "-----BEGIN RSA PRIVATE KEY-----\nMII…",
          api_token: "abc",
        }),
    ),
    [
      "ConfigMap tars/testapp-helloserver-app-gz-1-meta: key kubeconfig holds a kubeconfig; use a Secret",
      "ConfigMap tars/testapp-helloserver-app-gz-1-meta: key tls.pem holds a private key; use a Secret",
      "ConfigMap tars/testapp-helloserver-app-gz-1-meta: key api_token looks like a secret by its name; use a Secret",
    ],
  ],
  [
    noPlaintextSecrets,
    configMap,
    changed(configMap, (p) => (p.data = "[secret]")),
    [
      "ConfigMap tars/testapp-helloserver-app-gz-1-meta: data holds a Pulumi secret in clear; use a Secret",
    ],
  ],
  [
    tarsnodePackageVerified,
    machine,
    changed(machine, (p) => (p.userDataRaw = script(machine).replace(/^PACKAGE_SHA256=.*\n/m, ""))),
    [
      "the tarsnode bootstrap names no package sha256 (PACKAGE_SHA256): it would unpack and run an unverified package as root",
    ],
  ],
  [
    tarsnodePackageVerified,
    tarsnodeMachine("https://tars-1250000000.cos-internal.ap-guangzhou.tencentcos.cn/tarsnode.tgz"),
    changed(
      machine,
      (p) => (p.userDataRaw = script(machine).replace("sha256sum --check --status", "true")),
    ),
    [
      "the tarsnode bootstrap does not check the package's sha256 (sha256sum --check) before unpacking it",
    ],
  ],
  [
    tarsnodePackageVerified,
    machine,
    tarsnodeMachine("http://mirror.example.com/tars/tarsnode.tgz"),
    [`the tarsnode package comes from http://mirror.example.com/tars/tarsnode.tgz: ${tarswebOnly}`],
  ],
  [
    tarsnodePackageVerified,
    machine,
    tarsnodeMachine("http://203.0.113.9:3000/files/tarsnode.tgz"),
    [`the tarsnode package comes from http://203.0.113.9:3000/files/tarsnode.tgz: ${tarswebOnly}`],
  ],
  [
    grClusterReachability,
    cluster("gz1"),
    cluster("gz2", "GR"),
    [
      "networkType is GR: its pod IPs are not routable over CCN, so TARS callers in other regions cannot reach its servers; use VPC-CNI unless every caller is local",
    ],
  ],
  [
    grClusterReachability,
    cluster("gz1"),
    cluster("gz2", null),
    [
      "networkType is not set, so TKE uses GR: its pod IPs are not routable over CCN, so TARS callers in other regions cannot reach its servers; use VPC-CNI unless every caller is local",
    ],
  ],
];

const named = cases.map(([rule, ...rest]) => [rule.name, rule, ...rest] as const);

describe("resource rules", () => {
  it.each(named)("%s passes what the fleet generates", (_name, rule, good) => {
    expect(rule.resourceTypes).toContain(good.type);
    expect(rule.check(good, { fleet: demo })).toEqual([]);
  });

  it.each(named)("fails %s on a broken copy", (_name, rule, _good, bad, messages) => {
    expect(rule.resourceTypes).toContain(bad.type);
    expect(rule.check(bad, { fleet: demo })).toEqual(messages);
  });

  it("fails no-open-tars-ports on a servant port only when the fleet says it is one", () => {
    const open = changed(nodeRuleSet(), (p) => {
      p.ingresses = [{ action: "ACCEPT", cidrBlock: "0.0.0.0/0", protocol: "TCP", port: "10010" }];
    });
    expect(noOpenTarsPorts.check(open, {})).toEqual([]);
    expect(noOpenTarsPorts.check(open, { fleet: demo })).toEqual([
      "ingress rule 1 accepts 0.0.0.0/0 on TCP 10010, which includes TARS servant ports (10001,10010,10011,10020)",
    ]);
  });

  it("leaves a CVM whose user data is not the tarsnode bootstrap, or not known yet, alone", () => {
    for (const userDataRaw of ["#!/bin/sh\ncurl http://x/a.sh | sh\n", UNKNOWN, undefined]) {
      const other = resource(TencentType.Instance, "bastion", { userDataRaw });
      expect(tarsnodePackageVerified.check(other, {})).toEqual([]);
    }
  });

  it("leaves workloads that are not TARS ones to the other rules", () => {
    expect(tarsGracefulShutdown.check(webDeploymentResource(), {})).toEqual([]);
  });
});
