/**
 * The securityContext defaults and their exceptions, on the pods the fleet model builds.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type IPodSpec } from "kubernetes-models/v1/PodSpec";
import { loadFleet } from "../../fleet/model/load";
import { homeFrameworkServices } from "../../fleet/tars/framework";
import { dbInitJob, inClusterDbStatefulSet } from "../../fleet/k8s/database";
import {
  containerSecurityContext,
  hardenPod,
  IMAGE_SECURITY,
  ImageProfile,
  isException,
  namespaceLevel,
  parseSecurityProfiles,
  podSecurityLabels,
  SECURITY_PROFILES_ANNOTATION,
  writableVolumeName,
} from "../../fleet/k8s/pod-security";
import { registryDeployment } from "../../fleet/k8s/registry";
import { frameworkWorkload, serverWorkload } from "../../fleet/k8s/servers";
import { tarscliDeployment } from "../../fleet/k8s/tarscli";
import { webDeployment } from "../../fleet/k8s/web";
import { placeWorkloads } from "../../fleet/tars/placement";

const fleet = loadFleet("stacks/fleet.yaml").spec;

interface Template {
  readonly metadata?: { readonly annotations?: Record<string, string> };
  readonly spec?: IPodSpec;
}

/** Every pod template the model builds for the demo fleet, by a readable name. */
function templates(): [string, Template][] {
  const out: [string, Template][] = [
    ["registry", registryDeployment(fleet).spec.template],
    ["tarsweb", webDeployment(fleet).spec.template],
    [
      "db init Job",
      dbInitJob("tarscloud/framework:v2.4.3", "mysql:5.7.44", "0123456789ab", []).spec.template,
    ],
    [
      "in-cluster MySQL",
      inClusterDbStatefulSet({
        mode: "in-cluster",
        storageGb: 50,
        storageClass: "cbs",
        image: "mysql:5.7.44",
      }).spec.template,
    ],
  ];
  for (const service of homeFrameworkServices(fleet)) {
    out.push([service.server, tarscliDeployment(frameworkWorkload(fleet, service)).spec.template]);
  }
  for (const w of placeWorkloads(fleet)) {
    out.push([w.name, tarscliDeployment(serverWorkload(fleet, w)).spec.template]);
  }
  return out;
}

/** What falls short of the defaults in one pod template, allowing only the named exceptions. */
function shortfalls(template: Template): string[] {
  const spec = template.spec as IPodSpec;
  const profiles = parseSecurityProfiles(
    template.metadata?.annotations?.[SECURITY_PROFILES_ANNOTATION] ?? "",
  );
  const found: string[] = [];
  if (spec.automountServiceAccountToken !== false) found.push("service-account token");
  if (spec.securityContext?.seccompProfile?.type !== "RuntimeDefault") found.push("seccomp");
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const row = IMAGE_SECURITY[profiles.get(c.name) ?? ImageProfile.Mysql];
    if (!profiles.has(c.name)) found.push(`${c.name}: no profile`);
    if (sc.allowPrivilegeEscalation !== false) found.push(`${c.name}: escalation`);
    if (sc.privileged === true) found.push(`${c.name}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) found.push(`${c.name}: capabilities`);
    const nonRoot = sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
    if (nonRoot !== true && row.user !== "root") found.push(`${c.name}: root`);
    if (sc.readOnlyRootFilesystem !== true && row.writablePaths !== null)
      found.push(`${c.name}: writable root`);
  }
  return found;
}

describe("pods of the demo fleet", () => {
  it.each(templates())("%s is hardened, or names its exception", (_name, template) => {
    expect(shortfalls(template)).toEqual([]);
  });

  it("fails for a pod that mounts a token or keeps its capabilities (the check can fail)", () => {
    const [, template] = templates()[0];
    const spec = structuredClone(template.spec as IPodSpec);
    spec.automountServiceAccountToken = true;
    delete spec.containers[0].securityContext?.capabilities;
    expect(shortfalls({ ...template, spec })).toEqual([
      "service-account token",
      "tars-cppregistry: capabilities",
    ]);
  });

  it("runs a server as root without capabilities, on a read-only root with tarscli's folders writable", () => {
    const [first] = placeWorkloads(fleet);
    const pod = tarscliDeployment(serverWorkload(fleet, first)).spec.template;
    const container = pod.spec?.containers[0];
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: false,
    });
    expect(container?.volumeMounts?.map((m) => m.mountPath)).toEqual([
      "/tars/bin/_server_meta.yaml",
      "/tars/conf",
      "/tars/data",
      "/tars/log",
      "/tmp",
    ]);
    expect(pod.metadata?.annotations?.[SECURITY_PROFILES_ANNOTATION]).toBe(
      `${container?.name}=tarscli`,
    );
  });

  it("runs the in-cluster MySQL as its mysql user (999), owning its volume", () => {
    const spec = inClusterDbStatefulSet({
      mode: "in-cluster",
      storageGb: 50,
      storageClass: "cbs",
      image: "mysql:5.7.44",
    }).spec.template.spec;
    expect(spec?.securityContext).toEqual({
      seccompProfile: { type: "RuntimeDefault" },
      runAsNonRoot: true,
      fsGroup: 999,
      fsGroupChangePolicy: "OnRootMismatch",
    });
    expect(spec?.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      readOnlyRootFilesystem: true,
    });
    expect(spec?.containers[0].volumeMounts?.map((m) => m.mountPath)).toEqual([
      "/var/lib/mysql",
      "/var/run/mysqld",
      "/tmp",
    ]);
  });

  it("runs the Job's SQL copy as root on a read-only root and its mysql client as 999", () => {
    const spec = dbInitJob("tarscloud/framework:v2.4.3", "mysql:5.7.44", "0123456789ab", []).spec
      .template.spec;
    expect(spec?.initContainers?.[0].securityContext).toMatchObject({
      runAsNonRoot: false,
      readOnlyRootFilesystem: true,
    });
    expect(spec?.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
    });
    // One container runs as root, so the pod as a whole cannot promise non-root.
    expect(spec?.securityContext?.runAsNonRoot).toBeUndefined();
  });

  it("keeps tarsweb's and tarspatch's root filesystems writable, as their rows say", () => {
    const web = webDeployment(fleet).spec.template.spec?.containers[0];
    expect(web?.securityContext?.readOnlyRootFilesystem).toBe(false);
    const patch = homeFrameworkServices(fleet).find((s) => s.server === "tarspatch");
    if (patch === undefined) throw new Error("the demo fleet runs tarspatch");
    const container = tarscliDeployment(frameworkWorkload(fleet, patch)).spec.template.spec
      ?.containers[0];
    expect(container?.securityContext?.readOnlyRootFilesystem).toBe(false);
  });
});

describe("the exceptions table", () => {
  it("lists exactly the images that need root or a writable root, each with its reason", () => {
    const exceptions = Object.values(ImageProfile).filter(isException);
    expect(exceptions).toEqual(["tarscli", "cppregistry", "tarspatch", "tarsweb", "framework-sql"]);
    // Each reason starts by naming what it needs, then says why.
    for (const profile of exceptions) {
      const row = IMAGE_SECURITY[profile];
      const needs = row.writablePaths === null ? "root and a writable root: " : "root: ";
      expect(row.reason.startsWith(needs)).toBe(true);
    }
  });

  it("is the table README.md's Security section shows, row by row", () => {
    const readme = readFileSync("README.md", "utf8");
    const security = readme.slice(
      readme.indexOf("## Security"),
      readme.indexOf("## The fleet file"),
    );
    const rows = [...security.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(rows.filter((r) => r in IMAGE_SECURITY)).toEqual(Object.values(ImageProfile));
  });

  it("gives back only NET_BIND_SERVICE, and only to a container that listens below 1024", () => {
    expect(containerSecurityContext(ImageProfile.Tarscli, true).capabilities).toEqual({
      drop: ["ALL"],
      add: ["NET_BIND_SERVICE"],
    });
    const pod = hardenPod(
      { containers: [{ name: "web", image: "x:1", ports: [{ containerPort: 80 }] }] },
      { web: ImageProfile.Tarscli },
    );
    expect(pod.spec.containers[0].securityContext?.capabilities?.add).toEqual(["NET_BIND_SERVICE"]);
  });

  it("fails for a container without a profile", () => {
    expect(() => hardenPod({ containers: [{ name: "x", image: "x:1" }] }, {})).toThrow(
      "no security profile for container x",
    );
  });

  it("names writable volumes as DNS labels, cut with a stable hash when too long", () => {
    expect(writableVolumeName("tars-registry", "/tars/conf")).toBe("tars-registry-tars-conf");
    const long = writableVolumeName("a".repeat(60), "/tars/tarsregistry/util");
    expect(long).toMatch(/^a+-[0-9a-z]{6}$/);
    expect(long.length).toBeLessThanOrEqual(63);
  });
});

describe("PodSecurity labels", () => {
  it("enforce and warn baseline in both namespaces (root tarscli images run there), audit restricted", () => {
    expect([namespaceLevel("tars-system"), namespaceLevel("tars")]).toEqual([
      "baseline",
      "baseline",
    ]);
    expect(podSecurityLabels("tars", "1.30.0")).toEqual({
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/enforce-version": "v1.30",
      "pod-security.kubernetes.io/warn": "baseline",
      "pod-security.kubernetes.io/warn-version": "v1.30",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/audit-version": "v1.30",
    });
  });
});
