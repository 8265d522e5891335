/**
 * The TARS framework services this platform runs, with their ports and sizes.
 *
 * One table serves the manifests and the capacity maths, so a cluster's framework demand is
 * always what its manifests request.
 *
 * Every cluster runs the registry (K8STARS: the C++ registry serving QueryObj and RegistryObj,
 * beside the Go registry tarscli talks to). The home region's first cluster also runs tarsweb,
 * tarsnotify and, when the fleet has CVM pools, what tarsnode needs to be managed from tarsweb:
 * tarsAdminRegistry (tarsnode's outbound admin connection, port 12000) and tarspatch (package
 * publishing). The framework database is described separately (`tars.db`).
 * @see https://github.com/TarsCloud/K8STARS/tree/master/baseserver
 */
import { type FleetSpec } from "./model";
import { ADMIN_REGISTRY_PORT } from "./ports";

/** CPU and memory of one container, requests equal to limits. */
export interface ContainerSize {
  readonly cpuMilli: number;
  readonly memoryMiB: number;
}

/** The registry pod's two containers. */
export const REGISTRY_SIZE = {
  cppRegistry: { cpuMilli: 500, memoryMiB: 512 },
  goRegistry: { cpuMilli: 250, memoryMiB: 256 },
} as const satisfies Record<string, ContainerSize>;

/** Port of the Go registry's Prometheus metrics (K8STARS `consts/vars.go`). */
export const REGISTRY_METRICS_PORT = 9325;

/** tarsweb's HTTP port. */
export const WEB_PORT = 3000;

/** tarsweb's container size; it renders the whole console server-side. */
export const WEB_SIZE: ContainerSize = { cpuMilli: 500, memoryMiB: 1024 };

/** A framework service run by tarscli, like the servers. */
export interface FrameworkServiceSpec {
  /** TARS server name under app `tars`, e.g. `tarsnotify`; also the image name. */
  readonly server: string;
  readonly servants: readonly { readonly name: string; readonly port: number }[];
  readonly size: ContainerSize;
  readonly replicas: number;
}

/**
 * Framework services run in the home cluster, at their native ports so CVM nodes and tarsweb
 * find them where a native install has them.
 */
export function homeFrameworkServices(fleet: FleetSpec): FrameworkServiceSpec[] {
  const services: FrameworkServiceSpec[] = [
    {
      server: "tarsnotify",
      servants: [{ name: "NotifyObj", port: 18593 }],
      size: { cpuMilli: 250, memoryMiB: 256 },
      replicas: 2,
    },
  ];
  if (fleet.regions.some((r) => r.cvmPools.length > 0)) {
    services.push(
      {
        server: "tarsAdminRegistry",
        servants: [{ name: "AdminRegObj", port: ADMIN_REGISTRY_PORT }],
        size: { cpuMilli: 250, memoryMiB: 256 },
        replicas: 1,
      },
      {
        server: "tarspatch",
        servants: [{ name: "PatchObj", port: 18793 }],
        size: { cpuMilli: 250, memoryMiB: 512 },
        replicas: 1,
      },
    );
  }
  return services;
}

/** Size of the in-cluster MySQL container (`tars.db.mode: in-cluster`). */
export const IN_CLUSTER_DB_SIZE: ContainerSize = { cpuMilli: 1000, memoryMiB: 2048 };

/** Size of the schema-initialisation Job's container; it runs once and exits. */
export const DB_INIT_SIZE: ContainerSize = { cpuMilli: 250, memoryMiB: 256 };
