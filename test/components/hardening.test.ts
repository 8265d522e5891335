/**
 * The demo fleet's manifests, as `tarsfed manifests` writes them: every pod hardened or naming a
 * documented exception, NetworkPolicies in both namespaces of every cluster that admit what TARS
 * needs and no more, and namespaces carrying Pod Security labels.
 *
 * Connections are judged the way Kubernetes does: a pod selected by a policy of a direction is
 * isolated in it, and a connection needs an egress rule of the source and an ingress rule of the
 * destination that match the peer and the port; an ipBlock matches by address, minus its except.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planFleet } from "../../cli/plan/plan-fleet";
import { collectManifests } from "../../cli/manifests/collect";
import { type ManifestObject } from "../../cli/manifests/types";
import { cidrContains, parseCidr } from "../../fleet/network/cidr";
import {
  IMAGE_SECURITY,
  parseSecurityProfiles,
  SECURITY_PROFILES_ANNOTATION,
} from "../../fleet/k8s/pod-security";
import { loadFleet } from "../../fleet/model/load";
import { type FleetPlan, type Json } from "../../fleet/stacks/plan-document";
import { at, byName, ofType, regionOf, str } from "./helpers";

let plan: FleetPlan;
let objects: readonly ManifestObject[];
beforeAll(async () => {
  plan = await planFleet(loadFleet("stacks/fleet.yaml"));
  objects = collectManifests(plan).objects;
});

const CLUSTERS = ["gz1", "gz2", "sh1", "bj1"];
const POD_TEMPLATE: Record<string, (string | number)[]> = {
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  Job: ["spec", "template"],
};

function inCluster(cluster: string, kind: string): ManifestObject[] {
  return objects.filter((o) => o.cluster === cluster && o.kind === kind);
}

/** What in one pod template falls short of the defaults, beyond the exception it names. */
function shortfalls(template: Json): string[] {
  const spec = at(template, "spec");
  const profiles = parseSecurityProfiles(
    str(at(template, "metadata", "annotations", SECURITY_PROFILES_ANNOTATION)),
  );
  const found: string[] = [];
  if (at(spec, "automountServiceAccountToken") !== false) found.push("token");
  if (at(spec, "securityContext", "seccompProfile", "type") !== "RuntimeDefault")
    found.push("seccomp");
  const containers = [
    ...((at(spec, "initContainers") ?? []) as Json[]),
    ...(at(spec, "containers") as Json[]),
  ];
  for (const c of containers) {
    const name = str(at(c, "name"));
    const profile = profiles.get(name);
    if (profile === undefined) {
      found.push(`${name}: names no profile`);
      continue;
    }
    const row = IMAGE_SECURITY[profile];
    const sc = at(c, "securityContext");
    if (at(sc, "allowPrivilegeEscalation") !== false) found.push(`${name}: escalation`);
    if (JSON.stringify(at(sc, "capabilities", "drop")) !== '["ALL"]') found.push(`${name}: caps`);
    const nonRoot = at(sc, "runAsNonRoot") ?? at(spec, "securityContext", "runAsNonRoot");
    if (row.user !== "root" && nonRoot !== true) found.push(`${name}: root`);
    if (row.writablePaths !== null && at(sc, "readOnlyRootFilesystem") !== true)
      found.push(`${name}: writable root`);
  }
  return found;
}

describe("pods in the demo fleet's manifests", () => {
  it("are hardened, or name a documented exception, in every cluster", () => {
    const pods = objects.filter((o) => o.kind in POD_TEMPLATE);
    expect(pods.length).toBeGreaterThan(20);
    const problems = pods.flatMap((o) =>
      shortfalls(at(o.object, ...POD_TEMPLATE[o.kind])).map((p) => `${o.cluster}/${o.name} ${p}`),
    );
    expect(problems).toEqual([]);
  });
});

describe("namespaces in the demo fleet's manifests", () => {
  it.each(CLUSTERS)(
    "%s: both namespaces enforce baseline, audit restricted, pinned to v1.30",
    (c) => {
      const labels = inCluster(c, "Namespace").map((n) => [
        n.name,
        at(n.object, "metadata", "labels", "pod-security.kubernetes.io/enforce"),
        at(n.object, "metadata", "labels", "pod-security.kubernetes.io/audit"),
        at(n.object, "metadata", "labels", "pod-security.kubernetes.io/enforce-version"),
      ]);
      expect(labels).toEqual([
        ["tars-system", "baseline", "restricted", "v1.30"],
        ["tars", "baseline", "restricted", "v1.30"],
      ]);
    },
  );
});

/** A pod or an address, as a connection end. */
type End =
  { readonly namespace: string; readonly labels: Record<string, string> } | { readonly ip: string };

function ipIn(ip: string, cidr: string): boolean {
  const outer = parseCidr(cidr);
  const inner = parseCidr(`${ip}/32`);
  return outer.ok && inner.ok && cidrContains(outer.cidr, inner.cidr);
}

function selects(selector: Json, labels: Record<string, string>): boolean {
  const match = (at(selector, "matchLabels") ?? {}) as Record<string, string>;
  const exprs = (at(selector, "matchExpressions") ?? []) as { key: string; values: string[] }[];
  return (
    Object.entries(match).every(([k, v]) => labels[k] === v) &&
    exprs.every((e) => e.values.includes(labels[e.key]))
  );
}

/** Whether `peer` of a policy in `namespace` matches the other end. */
function peerMatches(peer: Json, namespace: string, other: End): boolean {
  const block = at(peer, "ipBlock");
  if (block !== null) {
    if (!("ip" in other)) return false;
    const except = (at(block, "except") ?? []) as string[];
    return ipIn(other.ip, str(at(block, "cidr"))) && !except.some((e) => ipIn(other.ip, e));
  }
  if (!("namespace" in other)) return false;
  const nsSelector = at(peer, "namespaceSelector");
  const nsOk =
    nsSelector === null
      ? other.namespace === namespace
      : selects(nsSelector, { "kubernetes.io/metadata.name": other.namespace });
  const podSelector = at(peer, "podSelector");
  return nsOk && (podSelector === null || selects(podSelector, other.labels));
}

function portMatches(ports: Json, port: number): boolean {
  if (ports === null) return true;
  return (ports as { port: number; endPort?: number; protocol: string }[]).some(
    (p) => p.protocol === "TCP" && port >= p.port && port <= (p.endPort ?? p.port),
  );
}

/** Whether the direction's policies of `pod` (in `cluster`) admit the other end on `port`. */
function admits(
  cluster: string,
  pod: End,
  direction: "ingress" | "egress",
  other: End,
  port: number,
) {
  if (!("namespace" in pod)) return true;
  const type = direction === "ingress" ? "Ingress" : "Egress";
  const applying = inCluster(cluster, "NetworkPolicy").filter(
    (p) =>
      p.namespace === pod.namespace &&
      selects(at(p.object, "spec", "podSelector"), pod.labels) &&
      (at(p.object, "spec", "policyTypes") as string[]).includes(type),
  );
  if (applying.length === 0) return true;
  const peersKey = direction === "ingress" ? "from" : "to";
  return applying.some((p) =>
    ((at(p.object, "spec", direction) ?? []) as Json[]).some((rule) => {
      const peers = at(rule, peersKey) as Json[] | null;
      const peerOk =
        peers === null || peers.some((peer) => peerMatches(peer, String(p.namespace), other));
      return peerOk && portMatches(at(rule, "ports"), port);
    }),
  );
}

/** Whether `from` may open a TCP connection to `to` on `port` in `cluster`. */
function connects(cluster: string, from: End, to: End, port: number): boolean {
  return admits(cluster, from, "egress", to, port) && admits(cluster, to, "ingress", from, port);
}

const pod = (namespace: string, labels: Record<string, string>): End => ({ namespace, labels });
const server = (name: string, set: string) =>
  pod("tars", { "app.kubernetes.io/name": name, "tarsfed.io/set": set });
const framework = (name: string) => pod("tars-system", { "app.kubernetes.io/name": name });
const hello = (set: string) => server("testapp-helloserver", set);
const order = (set: string) => server("testapp-orderserver", set);

describe("NetworkPolicies in the demo fleet's manifests", () => {
  it.each(CLUSTERS)("%s: both namespaces deny by default", (cluster) => {
    const denies = inCluster(cluster, "NetworkPolicy")
      .filter((p) => p.name === "default-deny")
      .map((p) => [p.namespace, at(p.object, "spec")]);
    const deny = { podSelector: { matchLabels: {} }, policyTypes: ["Ingress", "Egress"] };
    expect(denies).toEqual([
      ["tars-system", { ...deny, ingress: [], egress: [] }],
      ["tars", { ...deny, ingress: [], egress: [] }],
    ]);
  });

  it("lets a business pod reach its registry, DNS and tarsnotify", () => {
    expect(connects("gz1", hello("app.gz.1"), framework("tars-registry"), 17890)).toBe(true);
    expect(connects("gz1", hello("app.gz.1"), framework("tars-registry"), 13500)).toBe(true);
    expect(connects("gz1", hello("app.gz.1"), framework("tars-tarsnotify"), 18593)).toBe(true);
    expect(connects("gz1", hello("app.gz.1"), pod("kube-system", {}), 53)).toBe(true);
  });

  it("lets business pods reach their region's base services, and callers of other regions by address", () => {
    for (const [service, port] of [
      ["tars-tarsconfig", 18193],
      ["tars-tarsstat", 18293],
      ["tars-tarsproperty", 18493],
      ["tars-tarslog", 18993],
    ] as const) {
      expect(connects("sh1", hello("app.sh.1"), framework(service), port)).toBe(true);
      // 10.10.68.5: a gz1 pod whose calls fall back to shanghai's services.
      expect(connects("sh1", { ip: "10.10.68.5" }, framework(service), port)).toBe(true);
      expect(connects("sh1", { ip: "192.168.1.1" }, framework(service), port)).toBe(false);
    }
    // A port the service does not serve stays closed.
    expect(connects("sh1", hello("app.sh.1"), framework("tars-tarsstat"), 18193)).toBe(false);
  });

  it("lets the base services reach MySQL, and tarsweb reach the query services", () => {
    // TencentDB in the home VPC, from shanghai over CCN.
    for (const service of ["tars-tarsconfig", "tars-tarsstat", "tars-tarsproperty"]) {
      expect(connects("sh1", framework(service), { ip: "10.10.8.40" }, 3306)).toBe(true);
    }
    expect(connects("gz1", framework("tars-web"), framework("tars-tarsquerystat"), 18393)).toBe(
      true,
    );
    expect(connects("gz1", framework("tars-web"), framework("tars-tarsqueryproperty"), 18693)).toBe(
      true,
    );
  });

  it("keeps business pods off MySQL and tarsweb, in the cluster and by address", () => {
    expect(connects("gz1", hello("app.gz.1"), framework("tars-web"), 3000)).toBe(false);
    expect(connects("gz1", hello("app.gz.1"), framework("tars-db"), 3306)).toBe(false);
    // TencentDB in the home VPC, and the web CLB's address.
    expect(connects("gz1", hello("app.gz.1"), { ip: "10.10.8.40" }, 3306)).toBe(false);
    expect(connects("gz1", hello("app.gz.1"), { ip: "10.10.8.41" }, 3000)).toBe(false);
  });

  it("lets business pods call the servants of their own Set, not another Set's", () => {
    expect(connects("gz1", hello("app.gz.1"), order("app.gz.1"), 10010)).toBe(true);
    expect(connects("gz1", order("app.gz.1"), hello("app.gz.1"), 10001)).toBe(true);
    // sh1 runs app.sh.1 and app.gz.1's warm standby side by side.
    expect(connects("sh1", hello("app.sh.1"), order("app.gz.1"), 10010)).toBe(false);
    expect(connects("sh1", hello("app.sh.1"), order("app.sh.1"), 10010)).toBe(true);
    // A servant port the callee does not serve is closed.
    expect(connects("gz1", hello("app.gz.1"), order("app.gz.1"), 10001)).toBe(false);
  });

  it("admits pods of other regions on servant ports by pod IP over CCN, and this cluster's only by Set", () => {
    // 10.20.66.5: a VPC-CNI pod of sh1; 10.10.68.5: a pod of gz1 itself.
    expect(connects("gz1", { ip: "10.20.66.5" }, hello("app.gz.1"), 10001)).toBe(true);
    expect(connects("gz1", { ip: "10.10.68.5" }, hello("app.gz.1"), 10001)).toBe(false);
    expect(connects("gz1", hello("app.gz.1"), { ip: "10.20.66.5" }, 10020)).toBe(true);
    expect(connects("gz1", { ip: "192.168.1.1" }, hello("app.gz.1"), 10001)).toBe(false);
  });

  it("lets the framework reach MySQL and the registry reach the database, and CVMs reach the registry", () => {
    expect(connects("gz1", framework("tars-registry"), { ip: "10.10.8.40" }, 3306)).toBe(true);
    expect(connects("gz1", framework("tars-web"), framework("tars-registry"), 17890)).toBe(true);
    expect(connects("bj1", { ip: "10.30.8.20" }, framework("tars-registry"), 17891)).toBe(true);
    expect(connects("gz1", { ip: "100.64.1.1" }, framework("tars-registry"), 17890)).toBe(true);
  });

  it("opens tarsweb to node subnets, allowed networks and health checks, never to fleet pods", () => {
    expect(connects("gz1", { ip: "10.30.8.20" }, framework("tars-web"), 3000)).toBe(true);
    expect(connects("gz1", { ip: "10.40.0.1" }, framework("tars-web"), 3000)).toBe(true);
    expect(connects("gz1", { ip: "100.64.1.1" }, framework("tars-web"), 3000)).toBe(true);
    expect(connects("gz1", { ip: "10.20.66.5" }, framework("tars-web"), 3000)).toBe(false);
    expect(connects("gz1", { ip: "192.168.1.1" }, framework("tars-web"), 3000)).toBe(false);
  });

  it("keeps business pods off tarsweb on both ends: either end's policies alone refuse it", () => {
    const kept = objects;
    const without = (name: string) =>
      objects.filter((o) => !(o.kind === "NetworkPolicy" && o.name === name));
    try {
      // tarsweb's own policy gone: the business pod's egress policies still name no such port.
      objects = without("tars-web");
      expect(connects("gz1", hello("app.gz.1"), framework("tars-web"), 3000)).toBe(false);
      // With no policy at all, it would connect: the judgement above is the policies' doing.
      objects = objects.filter((o) => o.kind !== "NetworkPolicy");
      expect(connects("gz1", hello("app.gz.1"), framework("tars-web"), 3000)).toBe(true);
    } finally {
      objects = kept;
    }
  });
});

describe("cluster API endpoints in the demo plan", () => {
  it.each([
    ["guangzhou", "gz1"],
    ["guangzhou", "gz2"],
    ["shanghai", "sh1"],
    ["beijing", "bj1"],
  ])(
    "%s: %s's intranet endpoint is behind its region's API group, which admits the fleet's VPCs",
    (region, cluster) => {
      const stack = regionOf(plan, region);
      const endpoint = byName(stack, `${cluster}-endpoint`);
      const rules = byName(stack, `${region}-api-rules`);
      expect(endpoint.inputs.clusterIntranetSecurityGroup).toBe(rules.inputs.securityGroupId);
      expect(endpoint.inputs.clusterInternet).toBe(false);
      const ingress = rules.inputs.ingresses as {
        action: string;
        cidrBlock: string;
        port: string;
      }[];
      expect(ingress.map((r) => `${r.action} ${r.cidrBlock} ${r.port}`)).toEqual([
        "ACCEPT 10.10.0.0/16 ALL",
        "ACCEPT 10.20.0.0/16 ALL",
        "ACCEPT 10.30.0.0/16 ALL",
        "DROP 0.0.0.0/0 ALL",
      ]);
      expect(
        ofType(stack, "tencentcloud:index/kubernetesClusterEndpoint:KubernetesClusterEndpoint")
          .length,
      ).toBe(region === "guangzhou" ? 2 : 1);
    },
  );
});
