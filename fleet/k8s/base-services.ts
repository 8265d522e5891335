/**
 * The Kubernetes shape of the framework's base services beyond a plain tarscli Deployment:
 * tarslog as a StatefulSet whose files live on a volume, with a container that deletes files
 * older than `tars.log.retentionDays`; and the package store tarsweb and tarspatch share.
 *
 * tarslog rolls its files by day (or by hour) and deletes none of them (TarsFramework v2.4.3
 * `LogServer/LogImp.cpp`; TarsCpp `TC_RollByTime` in `util/include/util/tc_logger.h` only ever
 * opens the next file), and K8STARS' `baseserver/conf/tarslog.conf` sets no limit either: without
 * the retention container the volume fills and remote logging stops.
 */
import { type IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { type IContainer } from "kubernetes-models/v1/Container";
import { type IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { type IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { type IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { type IPodSpec } from "kubernetes-models/v1/PodSpec";
import {
  containerResources,
  serverMeta,
  spreadConstraints,
  tarscliPod,
  type TarscliWorkload,
} from "./tarscli";
import { hardenPod, ImageProfile } from "./pod-security";
import { type Spec } from "./types";
import { LOG_RETENTION_SIZE, type LogVolumeSpec, PACKAGE_STORE_PATH } from "../tars/framework";
import { type PackageStoreSpec } from "../model/model";
import { stableHash } from "../model/naming";
import { frameworkLabels } from "./servers";
import { type IDeployment } from "kubernetes-models/apps/v1/Deployment";

/** Name of tarslog's volume claim template, and so of its claim's prefix (`<name>-<pod>`). */
export const LOG_VOLUME = "remote-logs";

/** Name of the container that deletes old files. */
export const LOG_RETENTION_CONTAINER = "log-retention";

/** Seconds between two passes of the retention container. */
export const LOG_RETENTION_INTERVAL_SECONDS = 3600;

/**
 * The retention container's script: every hour, delete every regular file under `path` whose
 * last write is more than `days` days old.
 *
 * Only bash and coreutils (`date -r`, `rm`, `sleep`), which the image surely has: it is built
 * FROM K8STARS' tarscli image (`FROM centos:7`, `cmd/tarscli/Dockerfile`), whose start script
 * runs under `#!/bin/bash` and calls `dirname` and `sed` (`baseserver/start.sh`). `globstar`
 * (bash 4.0 and later; CentOS 7 has 4.2) walks every folder tarslog makes, with or without the
 * `.log` suffix a client may turn off (`TC_RollByTime`, `bHasSufix`).
 * @example logRetentionScript("/logs", 30) // deletes files unmodified for 30 × 86400 s
 */
export function logRetentionScript(path: string, days: number): string {
  if (!Number.isInteger(days) || days < 1) {
    throw new RangeError(`retention is a whole number of days from 1, got ${days}`);
  }
  return [
    "shopt -s globstar nullglob",
    "while true; do",
    `  cutoff=$(( $(date +%s) - ${days} * 86400 ))`,
    `  for f in '${path}'/**; do`,
    '    if [ -f "$f" ] && [ "$(date -r "$f" +%s)" -lt "$cutoff" ]; then rm -f -- "$f"; fi',
    "  done",
    `  sleep ${LOG_RETENTION_INTERVAL_SECONDS}`,
    "done",
  ].join("\n");
}

/** The container that keeps tarslog's volume to `retentionDays`: the tarslog image, its shell. */
function retentionContainer(image: string, volume: LogVolumeSpec): IContainer {
  return {
    name: LOG_RETENTION_CONTAINER,
    image,
    command: ["/bin/bash", "-c", logRetentionScript(volume.mountPath, volume.retentionDays)],
    resources: containerResources(LOG_RETENTION_SIZE),
    volumeMounts: [{ name: LOG_VOLUME, mountPath: volume.mountPath }],
  };
}

/**
 * tarslog: its tarscli workload as a one-replica StatefulSet, its files on a volume of the
 * fleet's StorageClass, and the retention container beside it.
 *
 * - The claim stays when the StatefulSet is deleted or scaled down
 *   (`persistentVolumeClaimRetentionPolicy` Retain), as the in-cluster database's does.
 * - No Service governs it (`serviceName` is optional, Kubernetes `pkg/apis/apps/validation`
 *   `ValidateStatefulSetSpec`): callers find tarslog through the registry, by pod IP.
 * - A CBS disk attaches in its own zone only, so the pod stays in the zone its disk was made in
 *   (https://www.tencentcloud.com/document/product/457/45998).
 * - Readiness, prestop and grace period are tarscli's, as for every tarscli workload.
 * @see https://www.tencentcloud.com/zh/document/product/457/36158 (TKE clusters have a
 * StorageClass named `cbs`)
 */
export function tarslogStatefulSet(w: TarscliWorkload, volume: LogVolumeSpec): Spec<IStatefulSet> {
  const container = w.server.toLowerCase();
  const base = tarscliPod(w, container);
  const [main] = base.containers;
  const pod = hardenPod(
    {
      ...base,
      containers: [
        {
          ...main,
          volumeMounts: [
            ...(main.volumeMounts ?? []),
            { name: LOG_VOLUME, mountPath: volume.mountPath },
          ],
        },
        retentionContainer(w.image, volume),
      ],
    },
    {
      [container]: w.securityProfile ?? ImageProfile.Tarscli,
      // The tarslog image itself, run as root like tarslog, so it can delete root's files.
      [LOG_RETENTION_CONTAINER]: w.securityProfile ?? ImageProfile.Tarscli,
    },
  );
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: w.name, namespace: w.namespace, labels: { ...w.labels } },
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: { ...w.selector } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: {
          labels: { ...w.labels },
          annotations: {
            // A changed _server_meta.yaml rolls the pod: subPath mounts are not refreshed.
            "tarsfed.io/server-meta-hash": stableHash(serverMeta(w)),
            ...pod.annotations,
          },
        },
        spec: { ...pod.spec, topologySpreadConstraints: spreadConstraints(w.selector) },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: LOG_VOLUME, labels: { ...w.labels } },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: volume.storageClass,
            resources: { requests: { storage: `${volume.storageGb}Gi` } },
          },
        },
      ],
    },
  };
}

/** Name of the package store's claim, and of its volume in the pods that mount it. */
export const PACKAGE_STORE = "tars-packages";

/**
 * The StorageClass the home TARS stack creates for the package store when
 * `tars.packages.storageClass` is unset (a home cluster this fleet creates only).
 */
export const PACKAGE_STORE_CLASS = "tars-packages-cfs";

/**
 * The CSI provisioner of TKE's CFS add-on (TencentCloud/kubernetes-csi-tencentcloud
 * `docs/README_CFS.md`, Dynamic Volume Provisioning).
 */
export const CFS_PROVISIONER = "com.tencent.cloud.csi.cfs";

/** A cluster-scoped object with an explicit name. */
type ClusterScoped<T extends { metadata?: IObjectMeta }> = Omit<T, "metadata"> & {
  metadata: IObjectMeta & { name: string };
};

/** {@link PACKAGE_STORE_CLASS}: a CFS class whose file systems sit in `vpcId` and `subnetId`. */
export type PackageStoreClass<Id> = Omit<ClusterScoped<IStorageClass>, "parameters"> & {
  parameters: { vpcid: Id; subnetid: Id };
};

/**
 * The package store's class, when the fleet names none: CFS file systems created on demand in the
 * home cluster's VPC and node subnet. `vpcid` and `subnetid` are the provisioner's required
 * parameters, and `subnetid` must belong to `vpcid` (TencentCloud/kubernetes-csi-tencentcloud
 * `docs/README_CFS.md`, "StorageClass parameters"; the permission group defaults to
 * `pgroupbasic` there). Its volumes are kept when their claim goes (`Retain`), as the claim is.
 * The provisioner itself comes with TKE's CFS add-on, which must be installed in the cluster
 * first (TKE docs, Storage Management, CFS StorageClass, "安装文件存储扩展组件").
 */
export function packageStoreClass<Id>(vpcId: Id, subnetId: Id): PackageStoreClass<Id> {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: PACKAGE_STORE_CLASS, labels: frameworkLabels(PACKAGE_STORE).labels },
    provisioner: CFS_PROVISIONER,
    parameters: { vpcid: vpcId, subnetid: subnetId },
    reclaimPolicy: "Retain",
  };
}

/**
 * The package store: one ReadWriteMany claim in the home cluster's framework namespace that
 * tarsweb (every replica) and tarspatch mount at {@link PACKAGE_STORE_PATH}, as a native install
 * shares one host's folder between them (see {@link PACKAGE_STORE_PATH} for the sources). Without
 * it an upload stays on the tarsweb pod that took it, tarspatch finds no file to hand to tarsnode,
 * and a restart loses every package.
 *
 * Pods of both Deployments run on any node, so the class must allow ReadWriteMany: TKE's CFS
 * add-on provides the provisioner `com.tencent.cloud.csi.cfs`, whose volumes are "Multiple-Read-
 * Multiple-Write" and mount on many nodes at once (TKE documentation, Storage Management, CFS
 * StorageClass, "Kubectl operation instructions", whose example class is named `cfs`; see also
 * TencentCloud/kubernetes-csi-tencentcloud `README.md`, CFS CSI Plugin). A CBS disk attaches to
 * one node only and would not do. Unset, the class is {@link PACKAGE_STORE_CLASS}
 * ({@link packageStoreClass}).
 */
export function packageStoreClaim(
  namespace: string,
  store: PackageStoreSpec,
): Spec<IPersistentVolumeClaim> {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: PACKAGE_STORE, namespace, labels: frameworkLabels(PACKAGE_STORE).labels },
    spec: {
      accessModes: ["ReadWriteMany"],
      storageClassName: store.storageClass ?? PACKAGE_STORE_CLASS,
      resources: { requests: { storage: `${store.storageGb}Gi` } },
    },
  };
}

/**
 * `pod` with the package store mounted at {@link PACKAGE_STORE_PATH} in its first container: its
 * root filesystem aside, that folder is where the packages are written and read.
 */
export function withPackageStore(pod: IPodSpec): IPodSpec {
  const [main, ...rest] = pod.containers;
  return {
    ...pod,
    containers: [
      {
        ...main,
        volumeMounts: [
          ...(main.volumeMounts ?? []),
          { name: PACKAGE_STORE, mountPath: PACKAGE_STORE_PATH },
        ],
      },
      ...rest,
    ],
    volumes: [
      ...(pod.volumes ?? []),
      { name: PACKAGE_STORE, persistentVolumeClaim: { claimName: PACKAGE_STORE } },
    ],
  };
}

/** A Deployment whose pods mount the package store ({@link withPackageStore}): tarspatch's. */
export function withPackageStoreDeployment(deployment: Spec<IDeployment>): Spec<IDeployment> {
  const { spec } = deployment;
  const podSpec = spec?.template.spec;
  if (spec === undefined || podSpec === undefined) {
    throw new Error(`Deployment ${deployment.metadata.name} has no pod template`);
  }
  return {
    ...deployment,
    spec: { ...spec, template: { ...spec.template, spec: withPackageStore(podSpec) } },
  };
}
