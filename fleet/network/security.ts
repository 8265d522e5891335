/**
 * Security-group rules: which ports are open to whom.
 *
 * TARS ports (registry, admin registry, framework services, tarsnode, tarscli's servant range
 * and the servers' servant ports) open only to the fleet's own address spaces: every VPC and GR
 * pod CIDR. Inside its own VPC a node accepts everything, as TKE needs for kubelet, node ports and
 * pod traffic. Everything else is dropped; nothing is ever open to 0.0.0.0/0.
 *
 * tarsweb: its CLB sends traffic straight to the pods (TKE direct access) with the client's own
 * source address, so the pods' security group (the nodes') would see, and drop, every client
 * outside the home region. The web CLB therefore lets its backends trust it
 * (`loadBalancerPassToTarget`: only the CLB's security group is checked), and that group admits
 * tarsweb's port as {@link webAccess} says, and nothing else. The CLB's health checks
 * do not pass the CLB's group: the home region's nodes admit them on tarsweb's port
 * ({@link CLB_HEALTH_CHECK_CIDR}, or the CLB's VIP, inside the home VPC).
 * @see https://www.tencentcloud.com/document/product/457/9084 (TKE security group rules)
 * @see https://www.tencentcloud.com/document/product/457/36837 (direct access keeps the source IP)
 * @see https://www.tencentcloud.com/document/product/214/14733 (CLB security groups; bypassing the
 * backends' groups works for ENI and CVM backends in the CLB's VPC)
 *
 * Who reaches tarsweb: the fleet's node subnets (TKE nodes and tarsnode CVMs, which download
 * `tarsnode.tgz` from it) and `tars.web.allowedCidrs`, and never a pod of the fleet, even when an
 * allowed network covers pod addresses: tarsweb can push binaries to every node. The in-cluster
 * database's CLB has a group of its own, the same as TencentDB's, and passes its traffic to the
 * pods like tarsweb's. The cluster API endpoints admit the fleet's VPCs only.
 */
import { carveSubnets, SubnetRole } from "./carve";
import { cidrsOverlap, parseCidr } from "./cidr";
import { MYSQL_PORT } from "../k8s/db-config";
import { WEB_PORT } from "../tars/framework";
import { type DbSpec, type FleetSpec, type RegionSpec } from "../model/model";
import { DbMode } from "../model/schema";
import {
  ADMIN_REGISTRY_PORT,
  FRAMEWORK_SERVICE_PORT_RANGE,
  REGISTRY_PORTS,
  TARSCLI_RANDOM_PORT_RANGE,
  TARSNODE_PORTS,
} from "./ports";

/** One rule of a Tencent Cloud security group, in the provider's spelling. */
export interface SecurityRule {
  readonly action: "ACCEPT" | "DROP";
  readonly cidrBlock: string;
  readonly protocol: "TCP" | "UDP" | "ALL";
  /** `ALL`, `80`, `80,443` or `80-90`. */
  readonly port: string;
  readonly description: string;
}

/** The whole IPv4 internet. */
export const ANYWHERE = "0.0.0.0/0";

/**
 * Where CLB health checks come from: 100.64.0.0/10, Tencent Cloud's reserved range, the default
 * for every CLB of accounts that had none on 2023-02-24. Older accounts may keep the CLB's VIP as
 * the source; the VIP lies in the CLB's own VPC, which that region's nodes admit anyway. Backends
 * with their own filtering (iptables and the like) must admit this range.
 * @see https://www.tencentcloud.com/document/product/214/53639 (the 100.64.0.0/10 change)
 * @see https://www.tencentcloud.com/document/product/214/44863 (health check source 100.64.0.0/10)
 */
export const CLB_HEALTH_CHECK_CIDR = "100.64.0.0/10";

/** Every TARS port group, as security-group port specs with what they are for. */
export function tarsPortSpecs(
  servantPorts: readonly number[],
): { port: string; description: string }[] {
  const specs = [
    {
      port: `${REGISTRY_PORTS.query},${REGISTRY_PORTS.registry},${ADMIN_REGISTRY_PORT}`,
      description: "TARS registry and admin registry",
    },
    {
      port: `${FRAMEWORK_SERVICE_PORT_RANGE.from}-${FRAMEWORK_SERVICE_PORT_RANGE.to}`,
      description: "TARS framework services",
    },
    { port: `${TARSNODE_PORTS.nodeObj}-${TARSNODE_PORTS.local}`, description: "tarsnode" },
    {
      port: `${TARSCLI_RANDOM_PORT_RANGE.from}-${TARSCLI_RANDOM_PORT_RANGE.to}`,
      description: "tarscli servant ports",
    },
  ];
  if (servantPorts.length > 0)
    specs.push({ port: servantPorts.join(","), description: "TARS servant ports" });
  return specs;
}

const DROP_ALL: SecurityRule = {
  action: "DROP",
  cidrBlock: ANYWHERE,
  protocol: "ALL",
  port: "ALL",
  description: "everything else",
};

/**
 * Ingress of nodes and CVM machines: anything from their own region's address spaces, TARS
 * ports from the rest of the fleet, then `extra` (see {@link webHealthCheckRules}), nothing else.
 */
export function nodeIngressRules(
  ownCidrs: readonly string[],
  fleetCidrs: readonly string[],
  servantPorts: readonly number[],
  extra: readonly SecurityRule[] = [],
): SecurityRule[] {
  const own = ownCidrs.map((cidrBlock): SecurityRule => ({
    action: "ACCEPT",
    cidrBlock,
    protocol: "ALL",
    port: "ALL",
    description: "own region",
  }));
  const others = fleetCidrs.filter((c) => !ownCidrs.includes(c));
  const tars = others.flatMap((cidrBlock) =>
    tarsPortSpecs(servantPorts).map(({ port, description }): SecurityRule => ({
      action: "ACCEPT",
      cidrBlock,
      protocol: "TCP",
      port,
      description,
    })),
  );
  return [...own, ...tars, ...extra, DROP_ALL];
}

/**
 * The nodes behind a web CLB (home, and the standby region's) admit its health checks on
 * tarsweb's port: with direct pod
 * access the CLB probes the pods themselves, from {@link CLB_HEALTH_CHECK_CIDR}.
 */
export function webHealthCheckRules(): SecurityRule[] {
  return [healthCheckRule(WEB_PORT, "tarsweb CLB health checks")];
}

/**
 * Every region's nodes admit the registry CLB's health checks on QueryObj's and RegistryObj's
 * ports: the registry Service is a direct-access one too, so the CLB probes the pods, and TKE
 * rolls a direct-access workload by the CLB's health status, so a dropped probe stalls every
 * registry rollout (`maxUnavailable: 0`).
 * @see https://cloud.tencent.com/document/product/457/41897 (direct access: rolling updates follow
 * the CLB's health checks)
 */
export function registryHealthCheckRules(): SecurityRule[] {
  return [
    healthCheckRule(
      `${REGISTRY_PORTS.query},${REGISTRY_PORTS.registry}`,
      "registry CLB health checks",
    ),
  ];
}

/**
 * What a region's nodes admit from the CLBs' health checks: the registry's ports everywhere;
 * tarsweb's port where tarsweb has a CLB (`webLb`: home, and the database's standby region, whose
 * standby tarsweb has one); at home MySQL's when the database runs in the cluster behind a
 * direct-access CLB of its own.
 */
export function nodeHealthCheckRules(db: DbSpec, isHome: boolean, webLb: boolean): SecurityRule[] {
  const web = webLb ? webHealthCheckRules() : [];
  if (!isHome) return [...registryHealthCheckRules(), ...web];
  return [
    ...registryHealthCheckRules(),
    ...web,
    ...(db.mode === DbMode.InCluster
      ? [healthCheckRule(MYSQL_PORT, "in-cluster database CLB health checks")]
      : []),
  ];
}

function healthCheckRule(port: number | string, description: string): SecurityRule {
  return {
    action: "ACCEPT",
    cidrBlock: CLB_HEALTH_CHECK_CIDR,
    protocol: "TCP",
    port: String(port),
    description,
  };
}

/** Egress of nodes: anywhere (image pulls, cloud APIs). */
export function openEgressRules(): SecurityRule[] {
  return [
    {
      action: "ACCEPT",
      cidrBlock: ANYWHERE,
      protocol: "ALL",
      port: "ALL",
      description: "anywhere",
    },
  ];
}

/**
 * Ingress of the framework database, TencentDB's or the in-cluster database's CLB: MySQL from the
 * fleet only (every region's registries and framework services connect to it).
 */
export function databaseIngressRules(fleetCidrs: readonly string[]): SecurityRule[] {
  return onlyTcpFrom(fleetCidrs, MYSQL_PORT, "TARS framework database");
}

/** Who may reach tarsweb, and the pod addresses inside those networks that may not. */
export interface WebAccess {
  /** The fleet's node subnets, then `tars.web.allowedCidrs`, without repeats. */
  readonly sources: readonly string[];
  /** The fleet's pod address ranges that lie inside an allowed network: refused first. */
  readonly excluded: readonly string[];
}

/** Who may reach tarsweb: {@link WebAccess} of the fleet. */
export function webAccess(fleet: FleetSpec): WebAccess {
  const allowed = fleet.tars.webAllowedCidrs;
  const inAllowed = (range: string) => allowed.some((a) => overlaps(a, range));
  return {
    sources: [...new Set([...fleetNodeSubnets(fleet), ...allowed])],
    excluded: fleetPodRanges(fleet).filter(inAllowed),
  };
}

/**
 * Ingress of tarsweb's load balancer: the fleet's pods refused, then its node subnets and the
 * allowed networks on tarsweb's port, nothing else.
 *
 * With `loadBalancerPassToTarget` on the web CLB this group is the only one its traffic meets.
 */
export function webIngressRules(access: WebAccess): SecurityRule[] {
  const refused = access.excluded.map((cidrBlock): SecurityRule => ({
    action: "DROP",
    cidrBlock,
    protocol: "ALL",
    port: "ALL",
    description: "fleet pods never reach tarsweb",
  }));
  return [...refused, ...onlyTcpFrom(access.sources, WEB_PORT, "tarsweb")];
}

/**
 * Who may reach the cluster API endpoints: the fleet's VPCs, from which `tarsfed up` runs reach
 * the intranet endpoint over the VPC or CCN (DESIGN.md, "The program's shape").
 */
export function apiEndpointSources(fleet: FleetSpec): string[] {
  return fleet.regions.map((r) => r.vpcCidr);
}

/**
 * Ingress of the cluster API endpoints' security group: TCP from `sources`, nothing else. The
 * group decides who, on any TCP port: what the endpoint serves is the API server.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/kubernetes_cluster_endpoint
 * (`cluster_intranet_security_group`)
 */
export function apiEndpointIngressRules(sources: readonly string[]): SecurityRule[] {
  return [
    ...sources.map((cidrBlock): SecurityRule => ({
      action: "ACCEPT",
      cidrBlock,
      protocol: "TCP",
      port: "ALL",
      description: "Kubernetes API from the fleet",
    })),
    DROP_ALL,
  ];
}

/** A region's subnets, carved as its network carves them. */
function regionSubnets(region: RegionSpec) {
  return carveSubnets({ vpcCidr: region.vpcCidr, zones: region.zones, clusters: region.clusters });
}

/** Every node subnet of the fleet (TKE nodes and CVM machines), region by region. */
export function fleetNodeSubnets(fleet: FleetSpec): string[] {
  return fleet.regions.flatMap((r) =>
    regionSubnets(r)
      .filter((s) => s.role === SubnetRole.Node)
      .map((s) => s.cidrBlock),
  );
}

/** The pod addresses of one cluster: its VPC-CNI pod subnets, or its GR pod CIDR. */
export function clusterPodRanges(fleet: FleetSpec, cluster: string): string[] {
  const region = fleet.regions.find((r) => r.clusters.some((c) => c.name === cluster));
  const spec = region?.clusters.find((c) => c.name === cluster);
  if (region === undefined || spec === undefined) throw new Error(`no cluster ${cluster}`);
  if (spec.podCidr !== undefined) return [spec.podCidr];
  return regionSubnets(region)
    .filter((s) => s.role === SubnetRole.Pod && s.cluster === cluster)
    .map((s) => s.cidrBlock);
}

/** Every pod address range of the fleet, cluster by cluster. */
export function fleetPodRanges(fleet: FleetSpec): string[] {
  return fleet.regions.flatMap((r) => r.clusters.flatMap((c) => clusterPodRanges(fleet, c.name)));
}

function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x.ok && y.ok && cidrsOverlap(x.cidr, y.cidr);
}

/** One TCP port from each of `sources`, everything else dropped. */
function onlyTcpFrom(
  sources: readonly string[],
  port: number,
  description: string,
): SecurityRule[] {
  return [
    ...sources.map((cidrBlock): SecurityRule => ({
      action: "ACCEPT",
      cidrBlock,
      protocol: "TCP",
      port: String(port),
      description,
    })),
    DROP_ALL,
  ];
}

/** Where tarsweb may be reached from: the fleet's VPCs, then `tars.web.allowedCidrs`, deduplicated. */
export function webSources(vpcCidrs: readonly string[], allowedCidrs: readonly string[]): string[] {
  return [...new Set([...vpcCidrs, ...allowedCidrs])];
}
