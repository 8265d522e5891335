/**
 * The package store: tarsweb writes uploaded packages where tarspatch reads them, on one
 * ReadWriteMany claim, only when the fleet has CVM pools.
 */
import { describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { type FleetSpec } from "../../fleet/model/model";
import { homeFrameworkServices, PACKAGE_STORE_PATH } from "../../fleet/tars/framework";
import {
  PACKAGE_STORE,
  packageStoreClaim,
  packageStoreClass,
  withPackageStoreDeployment,
} from "../../fleet/k8s/base-services";
import { webDeployment } from "../../fleet/k8s/web";
import { tarscliDeployment } from "../../fleet/k8s/tarscli";
import { frameworkWorkload } from "../../fleet/k8s/servers";

const demo = loadFleet("stacks/fleet.yaml").spec;
const noPools: FleetSpec = { ...demo, regions: demo.regions.map((r) => ({ ...r, cvmPools: [] })) };

type Pod = {
  containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
};
const podOf = (d: { spec?: { template: { spec?: unknown } } }) => d.spec?.template.spec as Pod;
const storeMounts = (pod: Pod) =>
  pod.containers.flatMap((c) =>
    (c.volumeMounts ?? [])
      .filter((m) => m.name === PACKAGE_STORE)
      .map((m) => [c.name, m.mountPath]),
  );
const storeVolumes = (pod: Pod) => (pod.volumes ?? []).filter((v) => v.name === PACKAGE_STORE);

describe("the package store", () => {
  it("is where TarsWeb (K8STARS' fork) uploads and tarspatch's uploadDirectory is", () =>
    expect(PACKAGE_STORE_PATH).toBe("/usr/local/app/patchs/tars.upload"));

  it("is a ReadWriteMany claim of tars.packages' class and size", () => {
    const claim = packageStoreClaim("tars-system", { storageGb: 20, storageClass: "cfs-hp" });
    expect(claim.metadata).toMatchObject({ name: "tars-packages", namespace: "tars-system" });
    expect(claim.spec).toEqual({
      accessModes: ["ReadWriteMany"],
      storageClassName: "cfs-hp",
      resources: { requests: { storage: "20Gi" } },
    });
  });

  it("defaults to 10 GiB of the class the home stack creates, as the fleet names none", () => {
    expect(demo.tars.packages).toEqual({ storageGb: 10 });
    expect(packageStoreClaim("tars-system", demo.tars.packages).spec.storageClassName).toBe(
      "tars-packages-cfs",
    );
  });

  it("gets a CFS class in the VPC and subnet it is given, kept when released", () =>
    expect(packageStoreClass("vpc-1", "subnet-1")).toEqual({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: {
        name: "tars-packages-cfs",
        labels: expect.objectContaining({ "app.kubernetes.io/name": "tars-packages" }) as unknown,
      },
      provisioner: "com.tencent.cloud.csi.cfs",
      parameters: { vpcid: "vpc-1", subnetid: "subnet-1" },
      reclaimPolicy: "Retain",
    }));

  it("is mounted by every tarsweb replica when the fleet has CVM pools", () => {
    const pod = podOf(webDeployment(demo));
    expect(storeMounts(pod)).toEqual([["tars-web", PACKAGE_STORE_PATH]]);
    expect(storeVolumes(pod)).toEqual([
      { name: PACKAGE_STORE, persistentVolumeClaim: { claimName: PACKAGE_STORE } },
    ]);
  });

  it("is not mounted by tarsweb in a fleet without CVM pools (no tarspatch, no claim)", () => {
    const pod = podOf(webDeployment(noPools));
    expect(storeMounts(pod)).toEqual([]);
    expect(storeVolumes(pod)).toEqual([]);
    expect(homeFrameworkServices(noPools).map((s) => s.server)).not.toContain("tarspatch");
  });

  it("is mounted by tarspatch, at the same path, and not by tarsAdminRegistry", () => {
    const services = homeFrameworkServices(demo);
    expect(services.filter((s) => s.packageStore === true).map((s) => s.server)).toEqual([
      "tarspatch",
    ]);
    const tarspatch = services.find((s) => s.server === "tarspatch");
    if (tarspatch === undefined) throw new Error("the demo fleet runs no tarspatch");
    const pod = podOf(
      withPackageStoreDeployment(tarscliDeployment(frameworkWorkload(demo, tarspatch))),
    );
    expect(storeMounts(pod)).toEqual([["tarspatch", PACKAGE_STORE_PATH]]);
    expect(storeVolumes(pod)).toHaveLength(1);
  });
});
