/**
 * How every pod this program deploys runs: the securityContext defaults, the one table of images
 * that need an exception to them, and the PodSecurity level of each namespace.
 *
 * Defaults, for every container: no privilege escalation, no privileged mode, every capability
 * dropped (`NET_BIND_SERVICE` added back only for a container that listens below port 1024), the
 * runtime's default seccomp profile, a non-root user and a read-only root filesystem with an
 * `emptyDir` for each path the image writes. Pods mount no service-account token: nothing this
 * program runs calls the Kubernetes API (tarscli talks to the TARS registry only, K8STARS
 * `tarsproxy/tarsregistry.go`). An image that needs root or a writable root filesystem says so
 * in {@link IMAGE_SECURITY}, with the reason, and its pods name their containers' profiles in
 * {@link SECURITY_PROFILES_ANNOTATION} so the `pod-security-context` policy can check them.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
import { type IContainer } from "kubernetes-models/v1/Container";
import { type IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import { type IPodSpec } from "kubernetes-models/v1/PodSpec";
import { type ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import { type IVolume } from "kubernetes-models/v1/Volume";
import { FRAMEWORK_NAMESPACE, SERVER_NAMESPACE, stableHash, toDnsLabelish } from "../model/naming";

/** The ways the images this program runs must be run; one row each in {@link IMAGE_SECURITY}. */
export const ImageProfile = {
  /** K8STARS images built on `tarsbase/tarscli`: servers, the Go registry, the base services, tarsAdminRegistry. */
  Tarscli: "tarscli",
  /** K8STARS `cppregistry`: a tarscli image whose registry also writes its object cache. */
  CppRegistry: "cppregistry",
  /** The fleet's tarspatch image (`tars.images.tarspatch`). */
  Tarspatch: "tarspatch",
  /** K8STARS `tarsweb`. */
  Tarsweb: "tarsweb",
  /** `tarscloud/framework`, from which the database Job copies the SQL files. */
  FrameworkSql: "framework-sql",
  /** The in-cluster MySQL (`tars.db.image`, docker-library `mysql:5.7`). */
  Mysql: "mysql",
  /** The `mysql` client the database Job runs (docker-library `mysql:5.7`). */
  MysqlClient: "mysql-client",
} as const;

/** One of {@link ImageProfile}. */
export type ImageProfile = (typeof ImageProfile)[keyof typeof ImageProfile];

/** A non-root user and group. */
export interface RunAsUser {
  readonly uid: number;
  readonly gid: number;
}

/** How one kind of image must run. */
export interface ImageSecurity {
  /** Which images, as a reader knows them. */
  readonly images: string;
  /** `root`, or the non-root user and group its processes run as. */
  readonly user: "root" | RunAsUser;
  /**
   * The paths the image writes, each given an `emptyDir` on a read-only root filesystem; `null`
   * when the root filesystem must stay writable.
   */
  readonly writablePaths: readonly string[] | null;
  /** Why, from the image's own sources. */
  readonly reason: string;
}

/** The TARS_PATH tarscli works in (K8STARS `consts/vars.go`), and what it writes under it. */
const TARSCLI_WRITES = ["/tars/conf", "/tars/data", "/tars/log"] as const;

/** docker-library's MySQL images create user and group `mysql` as 999 (`5.7/Dockerfile.oracle`). */
const MYSQL_USER: RunAsUser = { uid: 999, gid: 999 };

/**
 * The one table of how each image runs. A row whose user is `root` or whose `writablePaths` is
 * `null` is an exception to the defaults; README.md, Security, lists the same rows.
 */
export const IMAGE_SECURITY: Readonly<Record<ImageProfile, ImageSecurity>> = {
  [ImageProfile.Tarscli]: {
    images:
      "K8STARS tarsregistry and base services (tarsconfig, tarslog and its retention container, tarsstat, tarsproperty, tarsnotify, tarsquerystat, tarsqueryproperty), " +
      "tars.images.tarsAdminRegistry, and every server (built FROM tarsbase/tarscli)",
    user: "root",
    writablePaths: [...TARSCLI_WRITES, "/tmp"],
    reason:
      "root: K8STARS cmd/tarscli/Dockerfile is FROM centos:7 with no USER and creates /tars/conf, /tars/data and /tars/log as root; " +
      "tarscli writes the server config, state and logs there (app/genconf/config.go lines 215-223, app/supervisor/launch.go lines 131 and 235, " +
      "app/prestop/prestop.go lines 45-55, tarsproxy/proxycache.go line 43) and the servers log to the same folders (genconf's template sets " +
      "logpath and datapath under TARS_PATH); those folders are emptyDirs, so the root filesystem is read-only",
  },
  [ImageProfile.CppRegistry]: {
    images: "K8STARS cppregistry",
    user: "root",
    writablePaths: [...TARSCLI_WRITES, "/tars/tarsregistry/util", "/tmp"],
    reason:
      "root: K8STARS baseserver/cppregistry/Dockerfile is FROM tarsbase/tarscli with no USER, and its start.sh runs `tarscli genconf` " +
      "and `sed -i` on /tars/conf/tarsregistry.conf; its tarsregistry.conf puts the object cache at /tars/tarsregistry/util/objectCache.dat, " +
      "so that folder is an emptyDir too",
  },
  [ImageProfile.Tarspatch]: {
    images: "tars.images.tarspatch",
    user: "root",
    writablePaths: null,
    reason:
      "root and a writable root: a tarscli image like the others, but tarspatch writes in the folders its configuration names " +
      "(`directory` and `uploadDirectory` under UPLOAD_PATH/patchs in TarsFramework's tars.tarspatch template; PatchImp.cpp copies a package " +
      "into `directory`/TARSBatchPatching before serving it), and the fleet's image sets that configuration; `uploadDirectory`, " +
      "/usr/local/app/patchs/tars.upload, is the package store shared with tarsweb (a ReadWriteMany claim), never the root filesystem",
  },
  [ImageProfile.Tarsweb]: {
    images: "K8STARS tarsweb (tars.images.tarsweb)",
    user: "root",
    writablePaths: null,
    reason:
      "root and a writable root: K8STARS baseserver/tarsweb/Dockerfile sets USER root and installs into /web, and its start.sh " +
      "rewrites /web/config/webConf.js and /web/config/tars.conf with `sed -i` before `npm run start`; uploaded packages go to " +
      "/usr/local/app/patchs/tars.upload (defool/TarsWeb@k8stars config/webConf.js), the package store shared with tarspatch when the fleet " +
      "has CVM pools, never the root filesystem",
  },
  [ImageProfile.FrameworkSql]: {
    images: "tars.frameworkImage (tarscloud/framework), the database Job's init container",
    user: "root",
    writablePaths: [],
    reason:
      "root: the image has no USER and its SQL files are root's (K8STARS baseserver/makefile copies /usr/local/tars/cpp/deploy out of it as root); " +
      "the container only copies them into the Job's own volume, so the root filesystem is read-only",
  },
  [ImageProfile.Mysql]: {
    images: "tars.db.image (docker-library mysql:5.7)",
    user: MYSQL_USER,
    writablePaths: ["/var/run/mysqld", "/tmp"],
    reason:
      "runs as mysql (999): docker-library's image creates that user and makes /var/run/mysqld writable for any UID (5.7/Dockerfile.oracle), " +
      "and its entrypoint switches to it only when started as root (hub.docker.com/_/mysql, 'Running as an arbitrary user'); " +
      "mysqld writes its data volume, /var/run/mysqld (socket) and /tmp",
  },
  [ImageProfile.MysqlClient]: {
    images: "the database Job's client (mysql:5.7.44, or tars.db.image)",
    user: MYSQL_USER,
    writablePaths: ["/tmp"],
    reason:
      "runs as mysql (999), reading the SQL files the init container copied; bash 4 (oraclelinux:7-slim) puts here-strings in /tmp",
  },
};

/** Whether an image's row is an exception: it runs as root or needs a writable root filesystem. */
export function isException(profile: ImageProfile): boolean {
  const row = IMAGE_SECURITY[profile];
  return row.user === "root" || row.writablePaths === null;
}

/**
 * The pod-template annotation naming each container's {@link ImageProfile}:
 * `<container>=<profile>` pairs joined by `,`, containers in pod order, init containers first.
 */
export const SECURITY_PROFILES_ANNOTATION = "tarsfed.io/security-profiles";

/** Parses {@link SECURITY_PROFILES_ANNOTATION}; unknown profiles are left out. */
export function parseSecurityProfiles(text: string): Map<string, ImageProfile> {
  const known = new Set<string>(Object.values(ImageProfile));
  const out = new Map<string, ImageProfile>();
  for (const pair of text.split(",")) {
    const [container, profile] = pair.split("=").map((s) => s.trim());
    if (container !== undefined && profile !== undefined && known.has(profile))
      out.set(container, profile as ImageProfile);
  }
  return out;
}

/**
 * The only capability a container may get back: binding a port below 1024 needs it once ALL are
 * dropped, and the restricted Pod Security Standard allows it.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Capabilities)
 */
export const NET_BIND_SERVICE = "NET_BIND_SERVICE";

/** The securityContext of one container of `profile`. */
export function containerSecurityContext(
  profile: ImageProfile,
  listensBelow1024 = false,
): ISecurityContext {
  const row = IMAGE_SECURITY[profile];
  const user =
    row.user === "root"
      ? { runAsNonRoot: false }
      : { runAsNonRoot: true, runAsUser: row.user.uid, runAsGroup: row.user.gid };
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"], ...(listensBelow1024 ? { add: [NET_BIND_SERVICE] } : {}) },
    readOnlyRootFilesystem: row.writablePaths !== null,
    ...user,
  };
}

/** The name of the emptyDir holding `path` for `container`: a DNS label, stable. */
export function writableVolumeName(container: string, path: string): string {
  const full = toDnsLabelish(`${container}-${path}`);
  if (full.length <= 63) return full;
  const hash = stableHash(full);
  return `${full.slice(0, 63 - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** A container with its profile's securityContext and an emptyDir mount per writable path. */
function hardenContainer(
  container: IContainer,
  profile: ImageProfile,
): { container: IContainer; volumes: IVolume[] } {
  const paths = IMAGE_SECURITY[profile].writablePaths ?? [];
  const low = (container.ports ?? []).some((p) => p.containerPort < 1024);
  const mounts = paths.map((mountPath) => ({
    name: writableVolumeName(container.name, mountPath),
    mountPath,
  }));
  return {
    container: {
      ...container,
      securityContext: containerSecurityContext(profile, low),
      ...(mounts.length === 0
        ? {}
        : { volumeMounts: [...(container.volumeMounts ?? []), ...mounts] }),
    },
    volumes: mounts.map((m) => ({ name: m.name, emptyDir: {} })),
  };
}

/** The pod's securityContext: seccomp always; non-root and the volume group when every container allows. */
function podSecurityContext(profiles: readonly ImageProfile[]): IPodSecurityContext {
  const users = profiles.map((p) => IMAGE_SECURITY[p].user);
  const nonRoot = users.filter((u): u is RunAsUser => u !== "root");
  const groups = [...new Set(nonRoot.map((u) => u.gid))];
  return {
    seccompProfile: { type: "RuntimeDefault" },
    ...(nonRoot.length === users.length ? { runAsNonRoot: true } : {}),
    // Volumes (the database's data, the Job's copied SQL) belong to the one non-root group;
    // OnRootMismatch skips the recursive chown when the volume already is.
    ...(groups.length === 1 ? { fsGroup: groups[0], fsGroupChangePolicy: "OnRootMismatch" } : {}),
  };
}

/** A hardened pod spec and the annotation its template carries. */
export interface HardenedPod {
  readonly spec: IPodSpec;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * `spec` with this program's securityContext defaults: every container (init containers too)
 * gets its profile's securityContext and writable emptyDirs, the pod gets the RuntimeDefault
 * seccomp profile and no service-account token. `profiles` names every container's
 * {@link ImageProfile}; a container it does not name is a programmer error and throws.
 */
export function hardenPod(
  spec: IPodSpec,
  profiles: Readonly<Record<string, ImageProfile>>,
): HardenedPod {
  const profileOf = (c: IContainer): ImageProfile => {
    const profile = profiles[c.name];
    if (profile === undefined) throw new Error(`no security profile for container ${c.name}`);
    return profile;
  };
  const init = (spec.initContainers ?? []).map((c) => hardenContainer(c, profileOf(c)));
  const main = spec.containers.map((c) => hardenContainer(c, profileOf(c)));
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  const volumes = [...(spec.volumes ?? []), ...[...init, ...main].flatMap((h) => h.volumes)];
  return {
    spec: {
      ...spec,
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(all.map(profileOf)),
      ...(init.length === 0 ? {} : { initContainers: init.map((h) => h.container) }),
      containers: main.map((h) => h.container),
      ...(volumes.length === 0 ? {} : { volumes }),
    },
    annotations: {
      [SECURITY_PROFILES_ANNOTATION]: all.map((c) => `${c.name}=${profileOf(c)}`).join(","),
    },
  };
}

/** Pod Security Standard levels, most permissive first. */
export const PodSecurityLevel = {
  Privileged: "privileged",
  Baseline: "baseline",
  Restricted: "restricted",
} as const;

/** One of {@link PodSecurityLevel}. */
export type PodSecurityLevel = (typeof PodSecurityLevel)[keyof typeof PodSecurityLevel];

/** The profiles whose pods run in each namespace. */
export const NAMESPACE_PROFILES: Readonly<Record<string, readonly ImageProfile[]>> = {
  [FRAMEWORK_NAMESPACE]: [
    ImageProfile.Tarscli,
    ImageProfile.CppRegistry,
    ImageProfile.Tarspatch,
    ImageProfile.Tarsweb,
    ImageProfile.FrameworkSql,
    ImageProfile.Mysql,
    ImageProfile.MysqlClient,
  ],
  [SERVER_NAMESPACE]: [ImageProfile.Tarscli],
};

/**
 * The level a namespace enforces: `restricted` when every profile that runs there is non-root
 * (restricted allows everything else the defaults set), else `baseline`, which forbids
 * privileged pods, host namespaces, host paths and ports and added capabilities, and allows root.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
export function namespaceLevel(namespace: string): PodSecurityLevel {
  const profiles = NAMESPACE_PROFILES[namespace] ?? [];
  return profiles.every((p) => IMAGE_SECURITY[p].user !== "root")
    ? PodSecurityLevel.Restricted
    : PodSecurityLevel.Baseline;
}

/** The label key prefix of Pod Security Admission. */
export const POD_SECURITY_LABEL = "pod-security.kubernetes.io";

/**
 * The Pod Security Admission labels of a namespace: it enforces its {@link namespaceLevel} and
 * warns at the same level (enforcement checks pods, so a Deployment whose pods would be refused
 * is reported when it is applied, not when its ReplicaSet fails), and audits against
 * `restricted`, recording the exceptions. Versions are pinned to the cluster's minor release, as
 * the Kubernetes docs recommend, so an upgrade does not change the rules unannounced.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/
 * @example podSecurityLabels("tars", "1.30.0")["pod-security.kubernetes.io/enforce"] === "baseline"
 */
export function podSecurityLabels(
  namespace: string,
  kubernetesVersion: string,
): Record<string, string> {
  const [major, minor] = kubernetesVersion.split(".");
  const version = `v${major}.${minor}`;
  const level = namespaceLevel(namespace);
  return {
    [`${POD_SECURITY_LABEL}/enforce`]: level,
    [`${POD_SECURITY_LABEL}/enforce-version`]: version,
    [`${POD_SECURITY_LABEL}/warn`]: level,
    [`${POD_SECURITY_LABEL}/warn-version`]: version,
    [`${POD_SECURITY_LABEL}/audit`]: PodSecurityLevel.Restricted,
    [`${POD_SECURITY_LABEL}/audit-version`]: version,
  };
}

/** A pod template: its metadata and spec. */
export interface PodTemplate {
  readonly metadata?: { readonly labels?: Record<string, string> };
  readonly spec: IPodSpec;
}

/**
 * `template` with its spec hardened ({@link hardenPod}) and {@link SECURITY_PROFILES_ANNOTATION}
 * added to its metadata.
 */
export function hardenTemplate(
  profiles: Readonly<Record<string, ImageProfile>>,
  template: PodTemplate,
): {
  metadata: { labels?: Record<string, string>; annotations: Record<string, string> };
  spec: IPodSpec;
} {
  const pod = hardenPod(template.spec, profiles);
  return {
    metadata: { ...template.metadata, annotations: { ...pod.annotations } },
    spec: pod.spec,
  };
}
