/**
 * The Kubernetes shape of a process supervised by tarscli (K8STARS), for servers and framework
 * services alike.
 *
 * Each pod runs `tarscli supervisor`, which writes the TARS config from `_server_meta.yaml` and
 * the environment, registers the pod IP with the registry and keeps it alive. Readiness is
 * `tarscli hzcheck`; `tarscli prestop` deregisters the pod and then waits
 * `TARS_PRESTOP_WAITTIME` so callers drop it before it stops, which is why the grace period must
 * be longer than that wait. Rollouts surge and never drop below the wanted replicas.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/README.md
 */
import { type IEnvFromSource } from "kubernetes-models/v1/EnvFromSource";
import { type Spec, type Named } from "./types";
import { type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { type IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { type IEnvVar } from "kubernetes-models/v1/EnvVar";
import { type ILifecycleHandler } from "kubernetes-models/v1/LifecycleHandler";
import { type IPodSpec } from "kubernetes-models/v1/PodSpec";
import { type IProbe } from "kubernetes-models/v1/Probe";
import { type ITopologySpreadConstraint } from "kubernetes-models/v1/TopologySpreadConstraint";
import { stableHash } from "../model/naming";
import { type ContainerSize } from "../tars/framework";
import { hardenPod, ImageProfile } from "./pod-security";

/**
 * Where tarscli looks for its files inside the image (`TARS_PATH`).
 *
 * K8STARS `consts/vars.go` defaults it to `/tars` and reads `TARS_PATH` to change it; this project
 * never sets it, so `_server_meta.yaml` is mounted where tarscli reads it by default.
 */
export const TARS_PATH = "/tars";

/**
 * A duration as tarscli reads it, from seconds.
 *
 * tarscli reads every duration (`TARS_PRESTOP_WAITTIME`, `TARS_REPORT_INTERVAL`, ...) with
 * `tinycli.GetTimeDuration`, which needs a unit suffix (`ns`, `us`, `ms`, `s`, `m`, `h`, `d`):
 * a bare `"80"` is "bad forma of time value" and `tarscli supervisor` and `tarscli prestop` exit.
 * Fleet fields stay in seconds; this renders them with the `s` suffix.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/tinycli/flags.go (GetTimeDuration,
 * lines 10-54; setFlagDuration, lines 74-85)
 * @example tarscliDuration(80) === "80s"
 */
export function tarscliDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new RangeError(`tarscli durations are whole seconds from 0, got ${seconds}`);
  }
  return `${seconds}s`;
}

/** Seconds per unit suffix that `tinycli.GetTimeDuration` accepts (K8STARS tinycli/flags.go). */
const TARSCLI_UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/**
 * The seconds of a tarscli duration, or `undefined` when tarscli would refuse it.
 *
 * The same rules as `tinycli.GetTimeDuration`: `""` and `"0"` are zero; otherwise a whole number
 * (Go `strconv.ParseInt`, so an optional sign) followed by one of `ns`, `us`, `ms`, `s`, `m`,
 * `h`, `d`. Anything else, a bare number included, is refused.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/tinycli/flags.go (lines 10-54)
 * @example tarscliDurationSeconds("80s") === 80; tarscliDurationSeconds("80") === undefined
 */
export function tarscliDurationSeconds(text: string): number | undefined {
  if (text === "" || text === "0") return 0;
  const match = /^([+-]?\d+)(ns|us|ms|s|m|h|d)$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * TARSCLI_UNIT_SECONDS[match[2]];
}

/** Seconds added to the prestop wait for the grace period: the process's own shutdown. */
export const SHUTDOWN_MARGIN_SECONDS = 10;

/** The readiness probe K8STARS uses for every tarscli process. */
export const HZCHECK_PROBE: IProbe = {
  exec: { command: ["tarscli", "hzcheck"] },
  failureThreshold: 10,
  initialDelaySeconds: 5,
  periodSeconds: 10,
  successThreshold: 1,
  timeoutSeconds: 5,
};

/** The preStop hook that deregisters a pod before it stops. */
export const PRESTOP_HOOK: ILifecycleHandler = { exec: { command: ["tarscli", "prestop"] } };

/** One tarscli-supervised workload: a Deployment, its meta ConfigMap and its PDB. */
export interface TarscliWorkload {
  /** Name of the Deployment, PDB and (with `-meta`) ConfigMap. */
  readonly name: string;
  readonly namespace: string;
  /** Labels of every object and pod; must include `selector`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Labels that select the pods; never change for a workload (selectors are immutable). */
  readonly selector: Readonly<Record<string, string>>;
  /** Extra labels on the Deployment only (not the pods), e.g. its role. */
  readonly deploymentLabels?: Readonly<Record<string, string>>;
  readonly application: string;
  readonly server: string;
  /** Set id, when the workload serves a Set. */
  readonly setId?: string;
  readonly image: string;
  readonly servants: readonly { readonly name: string; readonly port: number }[];
  readonly replicas: number;
  /** Register without traffic (`TARS_DISABLE_FLOW`): a warm standby. */
  readonly disableFlow: boolean;
  readonly locator: string;
  readonly prestopWaitSeconds: number;
  readonly size: ContainerSize;
  /**
   * Sources whose keys become environment variables: the framework database's Secret and
   * ConfigMap (`db-config.ts`, `dbEnvFrom`).
   *
   * @default - none
   */
  readonly envFrom?: readonly IEnvFromSource[];
  /**
   * How the image must run (`pod-security.ts`).
   *
   * @default ImageProfile.Tarscli
   */
  readonly securityProfile?: ImageProfile;
}

/** `_server_meta.yaml`, which tarscli reads for the app, server and servant endpoints. */
export function serverMeta(w: TarscliWorkload): string {
  const adapters = w.servants
    .map((s) => `  - object: ${s.name}\n    endpoint: tcp -h \${local_ip} -p ${s.port} -t 60000\n`)
    .join("");
  return `version: v1\napplication: ${w.application}\nserver: ${w.server}\nadapters:\n${adapters}`;
}

/** The ConfigMap holding `_server_meta.yaml`, so the fleet file decides the servant ports. */
export function tarscliMetaConfigMap(w: TarscliWorkload): Named<IConfigMap> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${w.name}-meta`, namespace: w.namespace, labels: { ...w.labels } },
    data: { "_server_meta.yaml": serverMeta(w) },
  };
}

/**
 * The environment tarscli reads, each value in the format K8STARS parses.
 *
 * - `TARS_APPLICATION`, `TARS_SERVER`: plain strings (`app/genconf/genconf.go` lines 37-38);
 *   genconf refuses to start when either is empty (line 50).
 * - `TARS_LOCATOR`: a TARS proxy string `tars.tarsregistry.QueryObj@tcp -h <host> -p <port>`
 *   (`genconf.go` line 41); without `@` tarscli finds no registry (`tarsproxy/tarsregistry.go`
 *   line 51).
 * - `TARS_PRESTOP_WAITTIME`: a duration with a unit, see {@link tarscliDuration}
 *   (`app/supervisor/launch.go` line 70, `app/prestop/prestop.go` line 35).
 * - `POD_IP`: the address tarscli registers (`consts/vars.go` line 41); with VPC-CNI it is
 *   routable from every region.
 * - `TARS_SET_ID`: `name.area.group`; the registry enables the Set only for exactly three
 *   `.`-separated parts (`tarsregistry/imp.go` lines 42-47), and genconf writes `enableset=n`
 *   when it is unset (`app/genconf/config.go` lines 165-170).
 * - `TARS_DISABLE_FLOW`: a string, not a boolean: any non-empty value registers the pod without
 *   traffic (`app/supervisor/launch.go` lines 66 and 222), so even `"false"` would disable it. It
 *   is set only on warm standbys and left out everywhere else.
 * @see https://github.com/TarsCloud/K8STARS/tree/master/app
 */
function env(w: TarscliWorkload): IEnvVar[] {
  const vars: IEnvVar[] = [
    { name: "TARS_APPLICATION", value: w.application },
    { name: "TARS_SERVER", value: w.server },
    { name: "TARS_LOCATOR", value: w.locator },
    { name: "TARS_PRESTOP_WAITTIME", value: tarscliDuration(w.prestopWaitSeconds) },
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
  ];
  if (w.setId !== undefined) vars.push({ name: "TARS_SET_ID", value: w.setId });
  if (w.disableFlow) vars.push({ name: "TARS_DISABLE_FLOW", value: "true" });
  return vars;
}

/** A port name Kubernetes accepts (IANA service name), when the servant's name makes one. */
function portName(servant: string): string | undefined {
  const name = servant.toLowerCase();
  return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name)
    ? name
    : undefined;
}

/** Spreads pods over zones first, then nodes, without blocking scheduling when a zone is full. */
export function spreadConstraints(
  selector: Readonly<Record<string, string>>,
): ITopologySpreadConstraint[] {
  return ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: { ...selector } },
  }));
}

/** Requests equal to limits: TARS capacity planning counts requests, and limits keep neighbours safe. */
export function containerResources(size: ContainerSize) {
  const amounts = { cpu: `${size.cpuMilli}m`, memory: `${size.memoryMiB}Mi` };
  return { requests: { ...amounts }, limits: { ...amounts } };
}

/** What differs between this project's Deployments; the rest is {@link highAvailabilityDeployment}'s. */
export interface DeploymentShape {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the Deployment and its pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** Extra labels on the Deployment only. */
  readonly deploymentLabels?: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** The pod spec, without the zone spread, which every Deployment gets. */
  readonly pod: Omit<IPodSpec, "topologySpreadConstraints">;
}

/**
 * A Deployment that keeps its service up: rolling updates surge and never drop below the wanted
 * replicas, and pods spread over zones, then nodes.
 */
export function highAvailabilityDeployment(shape: DeploymentShape): Spec<IDeployment> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: shape.name,
      namespace: shape.namespace,
      labels: { ...shape.labels, ...shape.deploymentLabels },
    },
    spec: {
      replicas: shape.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { ...shape.selector } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...shape.labels },
          ...(shape.podAnnotations === undefined
            ? {}
            : { annotations: { ...shape.podAnnotations } }),
        },
        spec: { ...shape.pod, topologySpreadConstraints: spreadConstraints(shape.selector) },
      },
    },
  };
}

/** The Deployment of a tarscli workload, hardened as its image allows (`pod-security.ts`). */
export function tarscliDeployment(w: TarscliWorkload): Spec<IDeployment> {
  const meta = serverMeta(w);
  const container = w.server.toLowerCase();
  const pod = hardenPod(tarscliPod(w, container), {
    [container]: w.securityProfile ?? ImageProfile.Tarscli,
  });
  return highAvailabilityDeployment({
    ...w,
    // A changed _server_meta.yaml rolls the pods: subPath mounts are not refreshed.
    podAnnotations: { "tarsfed.io/server-meta-hash": stableHash(meta), ...pod.annotations },
    pod: pod.spec,
  });
}

/** The pod of a tarscli workload before hardening; its container is named `container`. */
export function tarscliPod(w: TarscliWorkload, container: string): IPodSpec {
  return {
    terminationGracePeriodSeconds: w.prestopWaitSeconds + SHUTDOWN_MARGIN_SECONDS,
    containers: [
      {
        name: container,
        image: w.image,
        env: env(w),
        ...(w.envFrom === undefined ? {} : { envFrom: [...w.envFrom] }),
        ports: w.servants.map((s) => {
          const name = portName(s.name);
          return {
            containerPort: s.port,
            protocol: "TCP" as const,
            ...(name === undefined ? {} : { name }),
          };
        }),
        resources: containerResources(w.size),
        readinessProbe: HZCHECK_PROBE,
        lifecycle: { preStop: PRESTOP_HOOK },
        volumeMounts: [
          {
            name: "server-meta",
            mountPath: `${TARS_PATH}/bin/_server_meta.yaml`,
            subPath: "_server_meta.yaml",
            readOnly: true,
          },
        ],
      },
    ],
    volumes: [{ name: "server-meta", configMap: { name: `${w.name}-meta` } }],
  };
}

/** Lets at most one pod of the workload be evicted at a time (node drains, upgrades). */
export function workloadPdb(
  w: Pick<TarscliWorkload, "name" | "namespace" | "labels" | "selector">,
): Spec<IPodDisruptionBudget> {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: w.name, namespace: w.namespace, labels: { ...w.labels } },
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...w.selector } } },
  };
}
