/**
 * The hardening rules: pod-security-context, namespace-pod-security, namespaces-isolated and
 * cluster-endpoint-security-group. What the fleet generates passes; a copy with one field broken
 * fails with the message a user reads; the demo plan, broken, makes the rule name the resource.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planFleet } from "../../cli/plan/plan-fleet";
import { DEFAULT_FLEET } from "../../cli/context";
import { loadFleet } from "../../fleet/model/load";
import { type FleetPlan } from "../../fleet/stacks/plan-document";
import { evaluatePolicies } from "../../policies/evaluate";
import { type ResourceView } from "../../policies/rule";
import {
  clusterEndpointSecurityGroup,
  namespacePodSecurity,
  namespacesIsolated,
  podSecurityContext,
} from "../../policies/rules";
import { K8sType, TencentType } from "../../policies/tokens";
import {
  containerOf,
  dig,
  k8sProvider,
  plain,
  resource,
  setDeployment,
  type JsonObject,
} from "./builders";
import { defaultDenyPolicy } from "../../fleet/k8s/network-policies";
import { podSecurityLabels } from "../../fleet/k8s/pod-security";
import { webDeployment } from "../../fleet/k8s/web";
import { demo } from "./builders";

function changed(base: ResourceView, edit: (props: JsonObject) => void): ResourceView {
  const props = JSON.parse(JSON.stringify(base.props)) as JsonObject;
  edit(props);
  return { ...base, props };
}

const podSpec = (props: JsonObject) => dig(props, "spec", "template", "spec");
const annotations = (props: JsonObject) =>
  dig(props, "spec", "template", "metadata", "annotations");
const securityContext = (props: JsonObject) => dig(containerOf(props), "securityContext");

describe("pod-security-context", () => {
  const deployment = setDeployment();
  const web = resource(K8sType.Deployment, "tars-home-web", plain(webDeployment(demo)));
  const container = "container helloserver";

  it("passes a Set Deployment and tarsweb as the fleet generates them", () => {
    expect(podSecurityContext.check(deployment, {})).toEqual([]);
    expect(podSecurityContext.check(web, {})).toEqual([]);
  });

  it.each<[string, (p: JsonObject) => void, string]>([
    [
      "a service-account token",
      (p) => (podSpec(p).automountServiceAccountToken = true),
      "pods mount a service-account token: set automountServiceAccountToken: false",
    ],
    [
      "privilege escalation",
      (p) => delete securityContext(p).allowPrivilegeEscalation,
      `${container} allows privilege escalation: set allowPrivilegeEscalation: false`,
    ],
    [
      "a privileged container",
      (p) => (securityContext(p).privileged = true),
      `${container} is privileged`,
    ],
    [
      "capabilities kept",
      (p) => (securityContext(p).capabilities = {}),
      `${container} keeps its capabilities: drop ALL`,
    ],
    [
      "an added capability",
      (p) => (securityContext(p).capabilities = { drop: ["ALL"], add: ["NET_ADMIN"] }),
      `${container} adds NET_ADMIN: only NET_BIND_SERVICE may come back`,
    ],
    [
      "no seccomp profile",
      (p) => delete podSpec(p).securityContext,
      `${container} has no seccomp profile: set seccompProfile.type RuntimeDefault`,
    ],
    [
      "a seccomp profile of Unconfined",
      (p) => (securityContext(p).seccompProfile = { type: "Unconfined" }),
      `${container} has no seccomp profile: set seccompProfile.type RuntimeDefault`,
    ],
    [
      "root without a named exception",
      (p) => delete annotations(p)["tarsfed.io/security-profiles"],
      `${container} may run as root: set runAsNonRoot: true, or name an exception that needs root in tarsfed.io/security-profiles`,
    ],
    [
      "a writable root the tarscli exception does not allow",
      (p) => (securityContext(p).readOnlyRootFilesystem = false),
      `${container} has a writable root filesystem: set readOnlyRootFilesystem: true, or name an exception that needs one in tarsfed.io/security-profiles`,
    ],
    [
      "root claimed through a non-root row",
      (p) => (annotations(p)["tarsfed.io/security-profiles"] = "helloserver=mysql-client"),
      `${container} may run as root: set runAsNonRoot: true, or name an exception that needs root in tarsfed.io/security-profiles`,
    ],
  ])("fails with %s", (_case, edit, message) => {
    expect(podSecurityContext.check(changed(deployment, edit), {})).toEqual([message]);
  });

  it("accepts a non-root container without any annotation", () => {
    const nonRoot = changed(deployment, (p) => {
      delete annotations(p)["tarsfed.io/security-profiles"];
      Object.assign(securityContext(p), { runAsNonRoot: true, runAsUser: 10001 });
    });
    expect(podSecurityContext.check(nonRoot, {})).toEqual([]);
  });
});

describe("namespace-pod-security", () => {
  const namespace = (labels: Record<string, string>) =>
    resource(K8sType.Namespace, "gz1-ns-tars", { metadata: { name: "tars", labels } });

  it("passes the namespaces as the fleet labels them", () => {
    expect(namespacePodSecurity.check(namespace(podSecurityLabels("tars", "1.30.0")), {})).toEqual(
      [],
    );
  });

  it.each<[string, Record<string, string>, string]>([
    ["no label", {}, "no label"],
    ["privileged", { "pod-security.kubernetes.io/enforce": "privileged" }, '"privileged"'],
  ])("fails with %s", (_case, labels, got) => {
    expect(namespacePodSecurity.check(namespace(labels), {})).toEqual([
      `namespace enforces no Pod Security level (pod-security.kubernetes.io/enforce: ${got}): set baseline or restricted`,
    ]);
  });
});

describe("namespaces-isolated", () => {
  const deployment = setDeployment();
  const deny = (namespace: string, provider = k8sProvider("gz1")) =>
    resource(K8sType.NetworkPolicy, `deny-${namespace}`, plain(defaultDenyPolicy(namespace)), {
      provider,
    });
  const finding = {
    resource: deployment.urn,
    message:
      "namespace tars has no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules): its pods accept and open any connection",
  };

  it("passes a workload whose namespace denies by default in its cluster", () => {
    expect(namespacesIsolated.check({ resources: [deployment, deny("tars")] })).toEqual([]);
  });

  it.each<[string, ResourceView[]]>([
    ["no policy", [deployment]],
    ["a default deny in another namespace", [deployment, deny("tars-system")]],
    ["a default deny in another cluster", [deployment, deny("tars", k8sProvider("gz2"))]],
    [
      "a policy that admits something",
      [
        deployment,
        changed(deny("tars"), (p) => (dig(p, "spec").ingress = [{ from: [{ podSelector: {} }] }])),
      ],
    ],
    [
      "a policy for ingress only",
      [deployment, changed(deny("tars"), (p) => (dig(p, "spec").policyTypes = ["Ingress"]))],
    ],
  ])("fails with %s", (_case, resources) => {
    expect(namespacesIsolated.check({ resources })).toEqual([finding]);
  });
});

describe("cluster-endpoint-security-group", () => {
  const endpoint = (props: JsonObject) =>
    resource(TencentType.KubernetesClusterEndpoint, "gz1-endpoint", {
      clusterId: "cls-sruncvcw",
      clusterIntranet: true,
      clusterInternet: false,
      ...props,
    });

  it("passes an intranet endpoint with a security group, and an endpoint without intranet access", () => {
    const withGroup = endpoint({ clusterIntranetSecurityGroup: "sg-qo8kfrqc" });
    expect(clusterEndpointSecurityGroup.check(withGroup, {})).toEqual([]);
    expect(clusterEndpointSecurityGroup.check(endpoint({ clusterIntranet: false }), {})).toEqual(
      [],
    );
  });

  it("fails for an intranet endpoint without one", () => {
    expect(clusterEndpointSecurityGroup.check(endpoint({}), {})).toEqual([
      "the intranet API endpoint has no security group (clusterIntranetSecurityGroup): everything routed to its subnet reaches the API server; give it one that admits the fleet's VPCs",
    ]);
  });
});

describe("the hardening rules on the demo plan", () => {
  let demoPlan: FleetPlan;
  const fleet = loadFleet(DEFAULT_FLEET).spec;
  beforeAll(async () => {
    demoPlan = await planFleet(loadFleet(DEFAULT_FLEET));
  });

  const RULES = [
    "pod-security-context",
    "namespace-pod-security",
    "namespaces-isolated",
    "cluster-endpoint-security-group",
  ];

  /** The findings of the hardening rules over `plan`, as `stack rule resource-name`. */
  function findings(plan: FleetPlan): string[] {
    return evaluatePolicies(plan, fleet).stacks.flatMap((s) =>
      s.violations
        .filter((v) => RULES.includes(v.policy))
        .map((v) => `${s.name} ${v.policy} ${(v.resource ?? "").replace(/^.*::/, "")}`),
    );
  }

  function edited(stack: string, edit: (plan: FleetPlan["stacks"][number]) => void): FleetPlan {
    const plan = JSON.parse(JSON.stringify(demoPlan)) as FleetPlan;
    const found = plan.stacks.find((s) => s.name === stack);
    if (found === undefined) throw new Error(`no stack ${stack}`);
    edit(found);
    return plan;
  }

  it("finds nothing in the demo plan", () => {
    expect(findings(demoPlan)).toEqual([]);
  });

  it("names what breaks each rule", () => {
    const byNameIn = (s: FleetPlan["stacks"][number], name: string) => {
      const r = s.resources.find((x) => x.name === name);
      if (r === undefined) throw new Error(`no ${name}`);
      return r.inputs as JsonObject;
    };
    const infra = edited("shanghai-infra", (s) => {
      delete byNameIn(s, "sh1-endpoint").clusterIntranetSecurityGroup;
    });
    expect(findings(infra)).toEqual([
      "shanghai-infra cluster-endpoint-security-group sh1-endpoint",
    ]);
    const plan = edited("shanghai", (s) => {
      const byName = (name: string) => byNameIn(s, name);
      dig(byName("sh1-ns-tars"), "metadata").labels = {};
      podSpec(byName("sh1-tars-registry")).automountServiceAccountToken = true;
      const deny = s.resources.findIndex((r) => r.name === "sh1-tars-default-deny-servers");
      (s.resources as unknown[]).splice(deny, 1);
    });
    expect(findings(plan)).toEqual([
      "shanghai pod-security-context sh1-tars-registry",
      "shanghai namespace-pod-security sh1-ns-tars",
      "shanghai namespaces-isolated sh1-testapp-helloserver-app-sh-1-deployment",
    ]);
  });
});
