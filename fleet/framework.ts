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
 *
 * Images: K8STARS publishes `tarsregistry`, `cppregistry`, `tarsstat`, `tarsconfig`, `tarslog`,
 * `tarsnotify`, `tarsproperty`, `tarsquerystat` and `tarsqueryproperty` under
 * `ccr.ccs.tencentyun.com/tarsbase` (`baseserver/build_all.sh`), pinned at `v1.1.3` by
 * `baseserver/yaml/*.yaml`, and `tarsweb` from its own Dockerfile, pinned at `v1.1.0`
 * (`baseserver/yaml/tarsweb.yaml`). Nobody publishes a tarscli-supervised tarsAdminRegistry or
 * tarspatch: `tarscloud/framework` installs and runs the whole framework from its entrypoint
 * (TarsFramework `deploy/docker-init.sh` runs `tars-install.sh` for every server), so it cannot
 * run one of them alone. The fleet names those two images (`tars.images`).
 * @see https://github.com/TarsCloud/K8STARS/tree/master/baseserver
 */
import { type FleetSpec } from "./model";
import { ADMIN_REGISTRY_PORT } from "./ports";
import { ImageProfile } from "./k8s/pod-security";

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

/**
 * The tag K8STARS pins for its tarsweb image; its other images are at `v1.1.3`, the default of
 * `tars.version`.
 * @see https://github.com/TarsCloud/K8STARS/blob/master/baseserver/yaml/tarsweb.yaml (line 19)
 */
export const TARSWEB_TAG = "v1.1.0";

/** An image K8STARS publishes: `<tars.imageRegistry>/<name>:<tars.version>`. */
export function k8starsImage(fleet: FleetSpec, name: string): string {
  return `${fleet.tars.imageRegistry}/${name}:${fleet.tars.version}`;
}

/** Framework services whose image no public registry publishes, by their `tars.images` key. */
export const UNPUBLISHED_SERVICES = ["tarsAdminRegistry", "tarspatch"] as const;

/** A framework service run by tarscli, like the servers. */
export interface FrameworkServiceSpec {
  /** TARS server name under app `tars`, e.g. `tarsnotify`. */
  readonly server: string;
  /** Its image: K8STARS' for tarsnotify, the fleet's `tars.images` for the others. */
  readonly image: string;
  readonly servants: readonly { readonly name: string; readonly port: number }[];
  readonly size: ContainerSize;
  readonly replicas: number;
  /** How its image must run (`k8s/pod-security.ts`). */
  readonly securityProfile: ImageProfile;
}

/**
 * Framework services run in the home cluster, at their native ports so CVM nodes and tarsweb
 * find them where a native install has them.
 */
export function homeFrameworkServices(fleet: FleetSpec): FrameworkServiceSpec[] {
  const services: FrameworkServiceSpec[] = [
    {
      server: "tarsnotify",
      image: k8starsImage(fleet, "tarsnotify"),
      servants: [{ name: "NotifyObj", port: 18593 }],
      size: { cpuMilli: 250, memoryMiB: 256 },
      replicas: 2,
      securityProfile: ImageProfile.Tarscli,
    },
  ];
  if (fleetNeedsNodeServices(fleet)) {
    services.push(
      {
        server: "tarsAdminRegistry",
        image: namedImage(fleet, "tarsAdminRegistry"),
        servants: [{ name: "AdminRegObj", port: ADMIN_REGISTRY_PORT }],
        size: { cpuMilli: 250, memoryMiB: 256 },
        replicas: 1,
        securityProfile: ImageProfile.Tarscli,
      },
      {
        server: "tarspatch",
        image: namedImage(fleet, "tarspatch"),
        servants: [{ name: "PatchObj", port: 18793 }],
        size: { cpuMilli: 250, memoryMiB: 512 },
        replicas: 1,
        securityProfile: ImageProfile.Tarspatch,
      },
    );
  }
  return services;
}

/** Whether the fleet runs tarsAdminRegistry and tarspatch: it has CVM pools running tarsnode. */
export function fleetNeedsNodeServices(fleet: FleetSpec): boolean {
  return fleet.regions.some((r) => r.cvmPools.length > 0);
}

function namedImage(fleet: FleetSpec, key: (typeof UNPUBLISHED_SERVICES)[number]): string {
  const image = fleet.tars.images[key];
  // validate refuses a fleet with CVM pools that names no image (fleet/validate.ts).
  if (image === undefined) throw new Error(`validated fleet names no tars.images.${key}`);
  return image;
}

/** Size of the in-cluster MySQL container (`tars.db.mode: in-cluster`). */
export const IN_CLUSTER_DB_SIZE: ContainerSize = { cpuMilli: 1000, memoryMiB: 2048 };

/** Size of the schema-initialisation Job's container; it runs once and exits. */
export const DB_INIT_SIZE: ContainerSize = { cpuMilli: 250, memoryMiB: 256 };
