/**
 * A local Kubernetes cluster without a kubelet: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and kwok, each on 127.0.0.1 with ports of its own, in a folder of the run's
 * temporary directory. kwok plays the kubelet of fake Nodes: scheduled pods become Running and
 * Ready (its Stage definitions, read from the kwok module in Go's module cache).
 *
 * Flags are those each program documents in its `--help` at the pinned version; the ones that
 * matter are explained where they are set.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { stringify } from "yaml";
import { create, type KubeEndpoint, kubeRequest, read, waitFor, conditionStatus } from "./kube";
import { makePki } from "./pki";
import { type Processes, type Started } from "./processes";

/** The binaries a cluster runs, and kwok's Stage definitions (one YAML file). */
export interface ClusterTools {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kwok: string;
  readonly kwokStages: string;
}

/** A running local cluster. */
export interface LocalCluster extends KubeEndpoint {
  readonly name: string;
  /** The cluster's folder: PKI, etcd data, logs, kubeconfig. */
  readonly dir: string;
  /** Path of an administrator kubeconfig. */
  readonly kubeconfigPath: string;
  /** The kubeconfig's text, as Pulumi's Kubernetes provider takes it. */
  readonly kubeconfig: string;
  /** The programs, by component name. */
  readonly components: ReadonlyMap<string, Started>;
  /** Seconds from the first program's start to the nodes being Ready. */
  readonly startSeconds: number;
  /** Stops every program of the cluster, the last started first. */
  stop(): Promise<void>;
  /** Stops the kube-apiserver alone: the cluster goes dark, its etcd and the rest keep running. */
  stopApiserver(): Promise<void>;
  /** Starts the kube-apiserver again, on the same port with the same flags, and waits for /readyz. */
  startApiserver(): Promise<void>;
}

/**
 * kwok's Stage files, in the kwok module's `kustomize/stage/` folder (sigs.k8s.io/kwok v0.8.0):
 * Nodes become Ready and keep sending heartbeats; pods become Ready, Jobs' pods complete, and
 * deleted pods go away.
 */
export const KWOK_STAGE_FILES = [
  "node/fast/node-initialize.yaml",
  "node/heartbeat/node-heartbeat.yaml",
  "pod/fast/pod-ready.yaml",
  "pod/fast/pod-complete.yaml",
  "pod/fast/pod-delete.yaml",
] as const;

/** Writes the Stage definitions from the kwok module folder `kwokModuleDir` into `file`. */
export function writeKwokStages(kwokModuleDir: string, file: string): string {
  const documents = KWOK_STAGE_FILES.map((stage) =>
    readFileSync(path.join(kwokModuleDir, "kustomize", "stage", stage), "utf8").trim(),
  );
  writeFileSync(file, `${documents.join("\n---\n")}\n`);
  return file;
}

const usedPorts = new Set<number>();

/** A TCP port on 127.0.0.1 that nothing listens on now, never the same twice in a run. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() =>
          resolve(typeof address === "object" && address !== null ? address.port : 0),
        );
      });
    });
    if (port > 0 && !usedPorts.has(port)) {
      usedPorts.add(port);
      return port;
    }
  }
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  readonly name: string;
  /** The run's temporary folder; the cluster gets `<runDir>/<name>`. */
  readonly runDir: string;
  readonly tools: ClusterTools;
  readonly processes: Processes;
  /** Fake nodes kwok keeps Ready. @default 2 */
  readonly nodes?: number;
  /** Told each step. @default - nothing */
  readonly progress?: (line: string) => void;
}

/** Starts a cluster and waits until it schedules and runs pods. */
export async function startCluster(options: ClusterOptions): Promise<LocalCluster> {
  const started = Date.now();
  const { name, tools, processes } = options;
  const say = (line: string) => options.progress?.(`${name}: ${line}`);
  const dir = path.join(options.runDir, name);
  mkdirSync(path.join(dir, "logs"), { recursive: true });
  const pki = await makePki(dir, name);
  const ports = {
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    controllerManager: await freePort(),
    scheduler: await freePort(),
  };
  const components = new Map<string, Started>();
  const log = (component: string) => path.join(dir, "logs", `${component}.log`);
  const launch = (component: string, binary: string, args: readonly string[]) => {
    const program = processes.start(`${name}/${component}`, binary, args, log(component));
    components.set(component, program);
    return program;
  };
  const stop = async () => {
    for (const program of [...components.values()].reverse()) await processes.stop(program);
  };
  try {
    say(`etcd on 127.0.0.1:${ports.etcdClient}`);
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    const etcd = launch("etcd", tools.etcd, [
      `--name=${name}`,
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${name}=${peerUrl}`,
      // A throwaway store: no fsync, which two shared cores would otherwise wait on.
      "--unsafe-no-fsync=true",
      "--log-level=warn",
    ]);
    await waitFor(`${name}: etcd healthy`, 60, () => alive(etcd).then(() => etcdHealthy(etcdUrl)));

    say(`kube-apiserver on 127.0.0.1:${ports.apiserver}`);
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${path.join(dir, "apiserver")}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.caCert}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      // Addresses for Services are only handed out, never routed: nothing listens on them.
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      "--profiling=false",
    ];
    const endpoint: KubeEndpoint = {
      server: `https://127.0.0.1:${ports.apiserver}`,
      ...pki.pem,
    };
    const startApiserver = async () => {
      const apiserver = launch("kube-apiserver", tools.kubeApiserver, apiserverArgs);
      await waitFor(
        `${name}: kube-apiserver ready (/readyz)`,
        180,
        () => alive(apiserver).then(() => readyz(endpoint)),
        () => `log: ${log("kube-apiserver")}`,
      );
    };
    const stopApiserver = async () => {
      const apiserver = components.get("kube-apiserver");
      if (apiserver !== undefined) await processes.stop(apiserver);
    };
    await startApiserver();

    const kubeconfig = kubeconfigText(name, endpoint);
    const kubeconfigPath = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });

    say(`kube-controller-manager on 127.0.0.1:${ports.controllerManager}`);
    launch("kube-controller-manager", tools.kubeControllerManager, [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.controllerManager}`,
      `--cert-dir=${path.join(dir, "controller-manager")}`,
      "--leader-elect=false",
      `--cluster-name=${name}`,
      // Signs legacy token Secrets and publishes the CA in each namespace's kube-root-ca.crt.
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      "--use-service-account-credentials=false",
    ]);
    say(`kube-scheduler on 127.0.0.1:${ports.scheduler}`);
    launch("kube-scheduler", tools.kubeScheduler, [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.scheduler}`,
      `--cert-dir=${path.join(dir, "scheduler")}`,
      "--leader-elect=false",
    ]);
    say("kwok");
    launch("kwok", tools.kwok, [
      `--kubeconfig=${kubeconfigPath}`,
      `--config=${tools.kwokStages}`,
      "--manage-all-nodes=true",
    ]);

    const nodes = options.nodes ?? 2;
    for (let i = 0; i < nodes; i++)
      await create(endpoint, "/api/v1/nodes", fakeNode(`${name}-node-${i}`));
    await waitFor(
      `${name}: ${nodes} nodes Ready (kwok)`,
      120,
      async () => {
        const list = await read(endpoint, "/api/v1/nodes");
        const items = (list?.items ?? []) as Record<string, unknown>[];
        const ready = items.filter((node) => conditionStatus(node, "Ready") === "True");
        return ready.length >= nodes ? true : undefined;
      },
      () => `log: ${log("kwok")}`,
    );
    // Pods need their namespace's `default` ServiceAccount, which the controller-manager makes.
    await waitFor(
      `${name}: ServiceAccount default/default (kube-controller-manager)`,
      120,
      () => read(endpoint, "/api/v1/namespaces/default/serviceaccounts/default"),
      () => `log: ${log("kube-controller-manager")}`,
    );
    const startSeconds = (Date.now() - started) / 1000;
    say(`ready in ${startSeconds.toFixed(1)}s`);
    return {
      name,
      dir,
      ...endpoint,
      kubeconfig,
      kubeconfigPath,
      components,
      startSeconds,
      stop,
      stopApiserver,
      startApiserver,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Throws when the program has ended, so a wait fails fast with its exit instead of a timeout. */
async function alive(program: Started): Promise<void> {
  if (program.ended())
    throw new Error(`${program.name} ended (${await program.exited}); log: ${program.log}`);
}

async function etcdHealthy(url: string): Promise<true | undefined> {
  const response = await fetch(`${url}/health`);
  const body = (await response.json()) as { health?: string };
  return body.health === "true" ? true : undefined;
}

async function readyz(endpoint: KubeEndpoint): Promise<true | undefined> {
  const response = await kubeRequest(endpoint, "GET", "/readyz");
  return response.status === 200 ? true : undefined;
}

/**
 * A Node for kwok to manage, with the capacity the scheduler fits pods into. The annotation and
 * label are those of kwok's own example Node (kwok.sigs.k8s.io/docs/user/kwok-manage-nodes-and-pods/).
 */
function fakeNode(name: string): Record<string, unknown> {
  const resources = { cpu: "32", memory: "256Gi", pods: "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
      },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

/** An administrator kubeconfig with the certificates inline. */
export function kubeconfigText(name: string, endpoint: KubeEndpoint): string {
  const base64 = (pem: string) => Buffer.from(pem).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: { server: endpoint.server, "certificate-authority-data": base64(endpoint.ca) },
      },
    ],
    users: [
      {
        name: `${name}-admin`,
        user: {
          "client-certificate-data": base64(endpoint.cert),
          "client-key-data": base64(endpoint.key),
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    "current-context": name,
  });
}
