/**
 * The NetworkPolicies of both namespaces in every cluster: nothing moves unless a policy here
 * admits it.
 *
 * - Both namespaces deny every connection by default (`default-deny`).
 * - Business pods (`tars`) reach DNS, the registries (their cluster's pods, and other clusters'
 *   registries by address), the framework services' ports, and the servants of the Sets the TARS
 *   registry may route them to (`set-routing.ts`); never MySQL or tarsweb.
 * - Framework pods (`tars-system`) reach DNS, each other, MySQL and the TARS ports of the fleet.
 * - The registry admits every TARS pod of its cluster, and the fleet's addresses on its ports
 *   (CVM nodes, other clusters' tarscli); tarsweb admits the fleet's node subnets and
 *   `tars.web.allowedCidrs` minus every pod address; the in-cluster database admits the
 *   framework's pods and, by address, other clusters.
 * - Pods of other clusters come by pod IP over CCN, and a policy cannot tell their namespace or
 *   Set: they are admitted by the fleet's address spaces on the ports above, minus this cluster's
 *   own pod addresses, which only the pod and namespace selectors admit.
 *
 * Probes need no rule: traffic from the pod's own node is always allowed. TKE enforces policies
 * only with its NetworkPolicy add-on installed.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 * @see https://www.tencentcloud.com/document/product/457/31424 (TKE: the NetworkPolicy add-on)
 */
import { type INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { type INetworkPolicyEgressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule";
import { type INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import { type INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import { cidrContains, parseCidr } from "../network/cidr";
import { WEB_PORT } from "../tars/framework";
import { type FleetSpec, type ServerSpec } from "../model/model";
import {
  FRAMEWORK_NAMESPACE,
  Labels,
  MANAGED_BY,
  SERVER_NAMESPACE,
  serverLabelName,
  setLabelValue,
} from "../model/naming";
import { type WorkloadSpec } from "../tars/placement";
import {
  ADMIN_REGISTRY_PORT,
  FRAMEWORK_SERVICE_PORT_RANGE,
  REGISTRY_PORTS,
  TARSCLI_RANDOM_PORT_RANGE,
  TARSNODE_PORTS,
} from "../network/ports";
import {
  CLB_HEALTH_CHECK_CIDR,
  clusterPodRanges,
  fleetNodeSubnets,
  fleetPodRanges,
} from "../network/security";
import { callerSets, reachableSets } from "../network/set-routing";
import { fleetAddressSpaces } from "../stacks/slice";
import { IN_CLUSTER_DB, MYSQL_PORT } from "./db-config";
import { frameworkLabels, REGISTRY_SERVICE, serverLabels } from "./servers";
import { type Spec } from "./types";
import { WEB } from "./web";

/** A NetworkPolicy as this project builds it. */
export type NetworkPolicy = Spec<INetworkPolicy>;

/** Name of the policy that isolates every pod of a namespace. */
export const DEFAULT_DENY = "default-deny";

/** Name of the framework pods' egress policy. */
export const FRAMEWORK_EGRESS = "tars-framework-egress";

/** Name of the business pods' common egress policy. */
export const SERVERS_EGRESS = "tars-servers-egress";

/**
 * The label the control plane puts on every namespace, with its name: what namespace selectors
 * match. @see https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-metadata-name
 */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Where cluster DNS runs. */
const DNS_NAMESPACE = "kube-system";

const tcp = (port: number): INetworkPolicyPort => ({ protocol: "TCP", port });
const tcpRange = (r: { from: number; to: number }): INetworkPolicyPort => ({
  protocol: "TCP",
  port: r.from,
  endPort: r.to,
});

/** The registry: QueryObj and RegistryObj (C++), and the Go registry's tarscli-chosen port. */
const REGISTRY_POLICY_PORTS = [
  tcp(REGISTRY_PORTS.query),
  tcp(REGISTRY_PORTS.registry),
  tcpRange(TARSCLI_RANDOM_PORT_RANGE),
];

/** tarsconfig … tarslog, tarsnotify among them, at their native ports. */
const FRAMEWORK_SERVICE_PORTS = [tcpRange(FRAMEWORK_SERVICE_PORT_RANGE)];

/** What the framework calls across the fleet: registries, services, admin registry, tarsnode. */
const FRAMEWORK_PEER_PORTS = [
  ...REGISTRY_POLICY_PORTS,
  tcp(ADMIN_REGISTRY_PORT),
  ...FRAMEWORK_SERVICE_PORTS,
  tcpRange({ from: TARSNODE_PORTS.nodeObj, to: TARSNODE_PORTS.local }),
  tcp(MYSQL_PORT),
];

/** Cluster DNS: both protocols on 53, in `kube-system`. */
function dnsEgress(): INetworkPolicyEgressRule {
  return {
    to: [namespaces(DNS_NAMESPACE)],
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
  };
}

/** Every pod of the named namespaces. */
function namespaces(...names: string[]): INetworkPolicyPeer {
  return {
    namespaceSelector: {
      matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: names }],
    },
  };
}

/**
 * One peer per CIDR, each without the `excluded` ranges it contains; a CIDR that an excluded
 * range covers is left out.
 */
export function ipBlocks(
  cidrs: readonly string[],
  excluded: readonly string[],
): INetworkPolicyPeer[] {
  const parse = (text: string) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(`validated fleet holds a bad CIDR: ${text}`);
    return parsed.cidr;
  };
  return cidrs.flatMap((cidr) => {
    const block = parse(cidr);
    if (excluded.some((e) => cidrContains(parse(e), block))) return [];
    const except = excluded.filter((e) => cidrContains(block, parse(e)));
    return [{ ipBlock: { cidr, ...(except.length === 0 ? {} : { except }) } }];
  });
}

/** The fleet's address spaces; without `cluster`'s own pods, which selectors admit instead. */
function fleetPeers(fleet: FleetSpec, cluster?: string): INetworkPolicyPeer[] {
  const own = cluster === undefined ? [] : clusterPodRanges(fleet, cluster);
  return ipBlocks(fleetAddressSpaces(fleet), own);
}

/** The CLB health checks of a direct-access Service (`CLB_HEALTH_CHECK_CIDR`). */
function healthChecks(): INetworkPolicyPeer {
  return { ipBlock: { cidr: CLB_HEALTH_CHECK_CIDR } };
}

function policy(
  name: string,
  namespace: string,
  podSelector: Readonly<Record<string, string>>,
  rules: Pick<NonNullable<INetworkPolicy["spec"]>, "ingress" | "egress">,
): NetworkPolicy {
  const policyTypes = [
    ...(rules.ingress === undefined ? [] : ["Ingress" as const]),
    ...(rules.egress === undefined ? [] : ["Egress" as const]),
  ];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace, labels: { [Labels.managedBy]: MANAGED_BY } },
    spec: { podSelector: { matchLabels: { ...podSelector } }, policyTypes, ...rules },
  };
}

/** Every pod of `namespace` isolated both ways: only what another policy admits moves. */
export function defaultDenyPolicy(namespace: string): NetworkPolicy {
  return policy(DEFAULT_DENY, namespace, {}, { ingress: [], egress: [] });
}

/** Framework pods reach DNS, each other, and the fleet's TARS ports and MySQL. */
export function frameworkEgressPolicy(fleet: FleetSpec): NetworkPolicy {
  return policy(
    FRAMEWORK_EGRESS,
    FRAMEWORK_NAMESPACE,
    {},
    {
      egress: [
        dnsEgress(),
        { to: [{ podSelector: {} }] },
        { to: fleetPeers(fleet), ports: FRAMEWORK_PEER_PORTS },
      ],
    },
  );
}

/** The registry admits every TARS pod of its cluster, the fleet on its ports, and health checks. */
export function registryPolicy(fleet: FleetSpec): NetworkPolicy {
  return policy(REGISTRY_SERVICE, FRAMEWORK_NAMESPACE, frameworkLabels(REGISTRY_SERVICE).selector, {
    ingress: [
      { from: [namespaces(SERVER_NAMESPACE, FRAMEWORK_NAMESPACE)] },
      { from: fleetPeers(fleet), ports: REGISTRY_POLICY_PORTS },
      { from: [healthChecks()], ports: [tcp(REGISTRY_PORTS.query), tcp(REGISTRY_PORTS.registry)] },
    ],
  });
}

/**
 * Business pods reach DNS, the registries and the framework services; the Set policies add the
 * servants. Never MySQL or tarsweb: no rule names their ports or pods.
 */
export function serversEgressPolicy(fleet: FleetSpec, cluster: string): NetworkPolicy {
  const registry = {
    namespaceSelector: namespaces(FRAMEWORK_NAMESPACE).namespaceSelector,
    podSelector: { matchLabels: frameworkLabels(REGISTRY_SERVICE).selector },
  };
  return policy(
    SERVERS_EGRESS,
    SERVER_NAMESPACE,
    {},
    {
      egress: [
        dnsEgress(),
        { to: [registry] },
        { to: [namespaces(FRAMEWORK_NAMESPACE)], ports: FRAMEWORK_SERVICE_PORTS },
        {
          to: fleetPeers(fleet, cluster),
          ports: [...REGISTRY_POLICY_PORTS, ...FRAMEWORK_SERVICE_PORTS],
        },
      ],
    },
  );
}

/** A framework service run by tarscli (tarsnotify, ...): its servants, from TARS pods and the fleet. */
export function frameworkServicePolicy(
  fleet: FleetSpec,
  workload: {
    readonly name: string;
    readonly selector: Readonly<Record<string, string>>;
    readonly servants: readonly { readonly port: number }[];
  },
): NetworkPolicy {
  return policy(workload.name, FRAMEWORK_NAMESPACE, workload.selector, {
    ingress: [
      {
        from: [namespaces(SERVER_NAMESPACE, FRAMEWORK_NAMESPACE), ...fleetPeers(fleet)],
        ports: workload.servants.map((s) => tcp(s.port)),
      },
    ],
  });
}

/**
 * tarsweb: its port from the fleet's node subnets (nodes and CVMs) and `tars.web.allowedCidrs`
 * without any pod address of the fleet, and the CLB's health checks.
 */
export function webPolicy(fleet: FleetSpec): NetworkPolicy {
  const pods = fleetPodRanges(fleet);
  return policy(WEB, FRAMEWORK_NAMESPACE, frameworkLabels(WEB).selector, {
    ingress: [
      {
        from: [
          ...ipBlocks(fleetNodeSubnets(fleet), pods),
          ...ipBlocks(fleet.tars.webAllowedCidrs, pods),
          healthChecks(),
        ],
        ports: [tcp(WEB_PORT)],
      },
    ],
  });
}

/** The in-cluster database: MySQL from the framework's pods, other clusters, and health checks. */
export function inClusterDbPolicy(fleet: FleetSpec, cluster: string): NetworkPolicy {
  return policy(IN_CLUSTER_DB, FRAMEWORK_NAMESPACE, frameworkLabels(IN_CLUSTER_DB).selector, {
    ingress: [
      {
        from: [{ podSelector: {} }, ...fleetPeers(fleet, cluster), healthChecks()],
        ports: [tcp(MYSQL_PORT)],
      },
    ],
  });
}

/** Pods of `server` in the Sets `sets`, by their labels. */
function setPods(server: ServerSpec | undefined, sets: readonly string[]): INetworkPolicyPeer {
  return {
    podSelector: {
      ...(server === undefined
        ? {}
        : { matchLabels: { [Labels.name]: serverLabelName(server.id) } }),
      matchExpressions: [{ key: Labels.tarsSet, operator: "In", values: sets.map(setLabelValue) }],
    },
  };
}

/**
 * One server in one Set: its servants admit the Sets whose callers the registry may route to
 * them, and it reaches the servants the registry may route it to; other clusters by address, on
 * the same ports.
 */
export function setWorkloadPolicy(fleet: FleetSpec, w: WorkloadSpec): NetworkPolicy {
  const others = fleetPeers(fleet, w.cluster);
  const ports = (server: ServerSpec) => server.servants.map((s) => tcp(s.port));
  const callees = fleet.servers
    .map((server) => ({ server, sets: reachableSets(w.set.id, server) }))
    .filter((c) => c.sets.length > 0);
  const egress: INetworkPolicyEgressRule[] = callees.map((c) => ({
    to: [setPods(c.server, c.sets)],
    ports: ports(c.server),
  }));
  egress.push({
    to: others,
    ports: [...new Set(callees.flatMap((c) => c.server.servants.map((s) => s.port)))].map(tcp),
  });
  const { selector } = serverLabels(w.server.id, w.server.app, w.server.server, w.set.id);
  return policy(w.name, SERVER_NAMESPACE, selector, {
    ingress: [
      {
        from: [setPods(undefined, callerSets(fleet, w.server, w.set.id)), ...others],
        ports: ports(w.server),
      },
    ],
    egress,
  });
}
