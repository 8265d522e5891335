/**
 * The TARS framework services this platform runs, with their ports and sizes.
 *
 * One table serves the manifests and the capacity maths, so a cluster's framework demand is
 * always what its manifests request.
 *
 * Every cluster runs the registry (K8STARS: the C++ registry serving QueryObj and RegistryObj,
 * beside the Go registry tarscli talks to). Every region runs tarsconfig, tarslog, tarsstat and
 * tarsproperty once, in its services cluster ({@link regionServicesCluster}). The home region's
 * first cluster also runs tarsweb, tarsnotify, tarsquerystat, tarsqueryproperty and, when the
 * fleet has CVM pools, what tarsnode needs to be managed from tarsweb: tarsAdminRegistry
 * (AdminRegObj, port 12000: tarsweb calls it, and it calls each node's NodeObj, port 19385, inbound
 * to the CVM, at the `node_obj` the node registered; TarsFramework v2.4.3
 * `AdminRegistryServer/AdminRegistryImp.cpp` `DBPROXY->getNodePrx`) and tarspatch (package
 * publishing), with the package store tarsweb and tarspatch share ({@link PACKAGE_STORE_PATH}).
 * The framework database is described separately (`tars.db`).
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
import { type FleetSpec, type LogSpec } from "../model/model";
import { NetworkType } from "../network/carve";
import { DbMode } from "../model/schema";
import { ADMIN_REGISTRY_PORT } from "../network/ports";
import { ImageProfile } from "../k8s/pod-security";

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
  /** Its image: K8STARS' for the base services, the fleet's `tars.images` for the others. */
  readonly image: string;
  readonly servants: readonly { readonly name: string; readonly port: number }[];
  readonly size: ContainerSize;
  readonly replicas: number;
  /** How its image must run (`k8s/pod-security.ts`). */
  readonly securityProfile: ImageProfile;
  /** Whether it reads or writes the framework database: only then do its pods get `tars-db`. */
  readonly usesDb: boolean;
  /** tarslog only: the volume its files go to; it then runs as a StatefulSet. */
  readonly logVolume?: LogVolumeSpec;
  /** tarspatch only: it serves packages from the package store, mounted at {@link PACKAGE_STORE_PATH}. */
  readonly packageStore?: boolean;
}

/**
 * Where server packages live, in tarsweb and in tarspatch alike: the package store's mount path.
 *
 * - tarsweb writes each upload there and renames it to `<path>/<app>/<server>/<file>.tgz`:
 *   `pkgUploadPath.path` is `/usr/local/app/patchs/tars.upload` in the fork K8STARS builds its
 *   image from (defool/TarsWeb branch `k8stars`, `config/webConf.js` lines 48-50; K8STARS
 *   `baseserver/tarsweb/makefile` clones it), multer's `dest` is that folder (`app.js` line 39),
 *   and `app/controller/patch/PatchController.js` (lines 128-140) moves the file under it. K8STARS'
 *   `start.sh` rewrites only the database and locator placeholders, so the path is fixed.
 *   (`/web/files` is something else: the tarsnode install files served at `/files`, `app.js`.)
 * - tarspatch reads `uploadDirectory/<app>/<server>/<file>` (TarsFramework v2.4.3
 *   `PatchServer/PatchImp.cpp` lines 64 and 127) with `uploadDirectory=UPLOAD_PATH/patchs/tars.upload`
 *   (`deploy/framework/sql/template/tars.tarspatch`), and `UPLOAD_PATH` is the install path,
 *   `/usr/local/app` by default (`deploy/tars-install.sh` lines 101-111): the same folder, so
 *   `tars.images.tarspatch` must keep that default.
 * - tarsAdminRegistry needs no mount: it deletes old packages through tarspatch
 *   (`AdminRegistryServer/AdminRegistryImp.cpp` line 114, `_patchPrx->async_deletePatchFile`, after
 *   `DbProxy::deleteHistorys` picks them), and tarspatch removes the file (`PatchImp.cpp` line 153).
 */
export const PACKAGE_STORE_PATH = "/usr/local/app/patchs/tars.upload";

/** tarslog's volume: where the files go, its size and class, and how long files are kept. */
export interface LogVolumeSpec extends LogSpec {
  /** Where tarslog writes, inside its container. */
  readonly mountPath: string;
}

/**
 * The native framework's servant ports, which CVM nodes and tarsweb expect: TarsFramework
 * `deploy/framework/sql/tars_servers.sql` (t_adapter_conf rows of tarsconfig 18193, tarsstat
 * 18293, tarsquerystat 18393, tarsproperty 18493, tarsnotify 18593, tarsqueryproperty 18693) and
 * `tars_servers_logs.sql` (tarslog 18993). K8STARS' own images listen on a random port instead
 * (`baseserver/_server_meta_tpl.yaml` names no endpoint); tarsfed mounts `_server_meta.yaml`.
 * The servant names are K8STARS' (`baseserver/replace_obj.sh`).
 */
export const BASE_SERVICE_SERVANTS = {
  tarsconfig: { name: "ConfigObj", port: 18193 },
  tarsstat: { name: "StatObj", port: 18293 },
  tarsquerystat: { name: "QueryObj", port: 18393 },
  tarsproperty: { name: "PropertyObj", port: 18493 },
  tarsnotify: { name: "NotifyObj", port: 18593 },
  tarsqueryproperty: { name: "QueryObj", port: 18693 },
  tarslog: { name: "LogObj", port: 18993 },
} as const;

/**
 * Memory a process needs besides its shared memory: its threads, the MySQL client and its
 * buffers. Our sizing, not a number from TARS' sources.
 */
const PROCESS_MEMORY_MIB = 256;

/**
 * tarsstat's container: 2 buffers × `hashmapnum` hash maps × `<hashmap> size` of System V shared
 * memory, plus the process.
 *
 * - `size` = 256M. K8STARS `baseserver/conf/tarsstat.conf` holds two `<tars>` blocks, `size=8M`
 *   (line 14) and `size=256M` (line 36). The image names the file in `TARS_MERGE_CONF`
 *   (`baseserver/Dockerfile` line 14) and tarscli merges it over its generated config with
 *   K8STARS `mergeconf`, which reopens an element seen before (`mergeconf/conf.go` lines 131-138)
 *   and lets a later key overwrite an earlier one (line 129): tarsstat reads 256M.
 * - `hashmapnum` is not set: StatServer's default is 1, and it keeps two buffers,
 *   `_hashmap[2][hashmapnum]` (TarsFramework v2.4.3 `StatServer/StatServer.cpp` lines 174-194;
 *   K8STARS' images carry the `tarscloud/framework:v2.4.3` binaries, `baseserver/makefile` line 8).
 * - Each map is one segment of exactly `size` bytes: `initStore(key, iSize)` (StatServer.cpp
 *   line 233) is TarsCpp's `ShmStorePolicy::initStore`, `TC_Shm::init(iSize, key)`
 *   (`servant/jmem/jmem_policy.h`), and `TC_Common::toSize("256M")` is 256 × 1024 × 1024
 *   (`util/src/tc_common.cpp`). The kernel charges shared memory to the memory cgroup of the
 *   pod that touches it, so the request covers all of it.
 *
 * 2 × 1 × 256 MiB = 512 MiB shared, + 256 MiB process = 768 MiB.
 */
export const TARSSTAT_SIZE: ContainerSize = {
  cpuMilli: 500,
  memoryMiB: 2 * 1 * 256 + PROCESS_MEMORY_MIB,
};

/**
 * tarsproperty's container, worked out as {@link TARSSTAT_SIZE}'s.
 *
 * - `size` = 128M: K8STARS `baseserver/conf/tarsproperty.conf` line 20, the file's only block.
 * - `hashmapnum` is not set: PropertyServer's default is 3, with two buffers
 *   (TarsFramework v2.4.3 `PropertyServer/PropertyServer.cpp` lines 184-206; `initStore(key,
 *   iSize)` at line 244, the same shared-memory store).
 *
 * 2 × 3 × 128 MiB = 768 MiB shared, + 256 MiB process = 1024 MiB.
 */
export const TARSPROPERTY_SIZE: ContainerSize = {
  cpuMilli: 500,
  memoryMiB: 2 * 3 * 128 + PROCESS_MEMORY_MIB,
};

/**
 * Where tarslog writes: `<log> logpath` in K8STARS `baseserver/conf/tarslog.conf` (line 3).
 * Under it, LogServer keeps `<app>/<set>/<server>/` folders of files rolled by day, or by hour
 * for the names listed in `<log><format> hour` (TarsFramework v2.4.3 `LogServer/LogImp.cpp`,
 * `LogServer.cpp` `loadLogFormat`); it deletes none of them.
 */
export const TARSLOG_PATH = "/usr/local/app/tars/remote_app_log";

/** The container beside tarslog that deletes files older than `tars.log.retentionDays`. */
export const LOG_RETENTION_SIZE: ContainerSize = { cpuMilli: 50, memoryMiB: 64 };

/** Small tarscli services: a TARS server, a thread pool and a MySQL client. Our sizing. */
const SMALL_SERVICE_SIZE: ContainerSize = { cpuMilli: 250, memoryMiB: 256 };

/** A K8STARS base service at its native port, run as the other tarscli images are. */
function baseService(
  fleet: FleetSpec,
  server: keyof typeof BASE_SERVICE_SERVANTS,
  rest: Pick<FrameworkServiceSpec, "size" | "replicas" | "usesDb" | "logVolume">,
): FrameworkServiceSpec {
  return {
    server,
    image: k8starsImage(fleet, server),
    servants: [BASE_SERVICE_SERVANTS[server]],
    securityProfile: ImageProfile.Tarscli,
    ...rest,
  };
}

/**
 * The base services every region runs once, in its services cluster: what genconf points every
 * server at (`tars.tarsconfig.ConfigObj`, `tars.tarslog.LogObj`, `tars.tarsstat.StatObj`,
 * `tars.tarsproperty.PropertyObj`; K8STARS `app/genconf/config.go` lines 97-109), so that
 * reports, config reads and remote logs stay in the region.
 *
 * - tarsconfig (2 replicas) reads `db_tars` (`baseserver/conf/tarsconfig.conf`).
 * - tarsstat and tarsproperty (2 replicas each) aggregate reports in shared memory and write
 *   them to `tars_stat` and `tars_property` every few minutes (`insertInterval`), each replica
 *   its own rows (tarsstat writes its own address as `source_id`: TarsFramework v2.4.3
 *   `StatServer/StatDbManager.cpp` line 297).
 * - tarslog (1 replica, a StatefulSet with a volume) needs no database. One writer per region:
 *   a TARS client spreads `LogObj` calls over every endpoint without a hash (TarsCpp
 *   `servant/libservant/RemoteLogger.cpp`), so a second replica would split a server's day file
 *   over two volumes.
 */
export function regionalFrameworkServices(fleet: FleetSpec): FrameworkServiceSpec[] {
  return [
    baseService(fleet, "tarsconfig", { size: SMALL_SERVICE_SIZE, replicas: 2, usesDb: true }),
    baseService(fleet, "tarslog", {
      size: { cpuMilli: 250, memoryMiB: 512 },
      replicas: 1,
      usesDb: false,
      logVolume: { ...fleet.tars.log, mountPath: TARSLOG_PATH },
    }),
    baseService(fleet, "tarsstat", { size: TARSSTAT_SIZE, replicas: 2, usesDb: true }),
    baseService(fleet, "tarsproperty", { size: TARSPROPERTY_SIZE, replicas: 2, usesDb: true }),
  ];
}

/**
 * The cluster that runs a region's base services: its first VPC-CNI cluster, else its first.
 *
 * A VPC-CNI pod is reachable by its IP from CVM nodes and from other regions (over CCN), which
 * callers falling back from another region need; a GR cluster's pods are not. Clusters keep their
 * place in the file (their subnets depend on it), so the choice does not move.
 */
export function regionServicesCluster(fleet: FleetSpec, region: string): string | undefined {
  const clusters = fleet.regions.find((r) => r.name === region)?.clusters ?? [];
  return (clusters.find((c) => c.networkType === NetworkType.VpcCni) ?? clusters[0])?.name;
}

/** The base services `cluster` runs for its region: all of them, or none. */
export function regionalServicesIn(fleet: FleetSpec, cluster: string): FrameworkServiceSpec[] {
  const region = fleet.regions.find((r) => r.clusters.some((c) => c.name === cluster));
  if (region === undefined || regionServicesCluster(fleet, region.name) !== cluster) return [];
  return regionalFrameworkServices(fleet);
}

/** What one pod of a service requests: its container, and tarslog's retention container. */
export function servicePodSize(service: FrameworkServiceSpec): ContainerSize {
  const extra =
    service.logVolume === undefined ? { cpuMilli: 0, memoryMiB: 0 } : LOG_RETENTION_SIZE;
  return {
    cpuMilli: service.size.cpuMilli + extra.cpuMilli,
    memoryMiB: service.size.memoryMiB + extra.memoryMiB,
  };
}

/**
 * Framework services run in the home cluster, at their native ports so CVM nodes and tarsweb
 * find them where a native install has them.
 *
 * tarsquerystat and tarsqueryproperty read `tars_stat` and `tars_property`
 * (`baseserver/conf/tarsquerystat.conf`, `tarsqueryproperty.conf`) for tarsweb's monitoring
 * pages, which call `tars.tarsquerystat.QueryObj` and `tars.tarsqueryproperty.QueryObj`
 * (TarsWeb `rpc/index.js` lines 42-43): beside tarsweb and the database, at home.
 */
export function homeFrameworkServices(fleet: FleetSpec): FrameworkServiceSpec[] {
  const query = { size: { cpuMilli: 250, memoryMiB: 512 }, replicas: 2, usesDb: true };
  const services: FrameworkServiceSpec[] = [
    baseService(fleet, "tarsnotify", { size: SMALL_SERVICE_SIZE, replicas: 2, usesDb: true }),
    baseService(fleet, "tarsquerystat", query),
    baseService(fleet, "tarsqueryproperty", query),
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
        usesDb: true,
      },
      {
        server: "tarspatch",
        image: namedImage(fleet, "tarspatch"),
        servants: [{ name: "PatchObj", port: 18793 }],
        size: { cpuMilli: 250, memoryMiB: 512 },
        replicas: 1,
        securityProfile: ImageProfile.Tarspatch,
        usesDb: true,
        packageStore: true,
      },
    );
  }
  return services;
}

/**
 * The home services the database's standby region also runs, beside tarsweb: the two query
 * services behind tarsweb's monitoring pages (TarsWeb `rpc/index.js` lines 42-43 call
 * `tars.tarsquerystat.QueryObj` and `tars.tarsqueryproperty.QueryObj`; K8STARS runs them as
 * `baseserver/yaml/tarsquerystat.yaml` and `tarsqueryproperty.yaml`). They read `tars_stat` and
 * `tars_property` through the database's name, so they serve from the promoted replica as they
 * do from the master.
 */
export const STANDBY_SERVICES = ["tarsquerystat", "tarsqueryproperty"] as const;

/** Where the standby web runs, and whether it serves. */
export interface StandbyWebSpec {
  /** `tars.db.standbyRegion`. */
  readonly region: string;
  /** The region's first cluster (validate requires one). */
  readonly cluster: string;
  /**
   * Whether the standby serves: `tars.db.servingRegion` is the standby region (its replica was
   * promoted). Until then tarsweb and the query services run at 0 replicas, ready to scale up.
   */
  readonly serving: boolean;
  /** tarsweb's replicas: `tars.web.replicas` when serving, else 0. */
  readonly webReplicas: number;
  /** The query services ({@link STANDBY_SERVICES}), at their home replicas when serving, else 0. */
  readonly services: readonly FrameworkServiceSpec[];
}

/**
 * The standby web of a fleet with `tars.db.standbyRegion` (TencentDB only): tarsweb and the query
 * services in the standby region's first cluster; none without a standby.
 */
export function standbyWeb(fleet: FleetSpec): StandbyWebSpec | undefined {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb || db.standbyRegion === undefined) return undefined;
  const region = db.standbyRegion;
  const cluster = fleet.regions.find((r) => r.name === region)?.clusters[0]?.name;
  if (cluster === undefined) return undefined;
  const serving = db.servingRegion === region;
  const names: readonly string[] = STANDBY_SERVICES;
  return {
    region,
    cluster,
    serving,
    webReplicas: serving ? fleet.tars.webReplicas : 0,
    services: homeFrameworkServices(fleet)
      .filter((s) => names.includes(s.server))
      .map((s) => ({ ...s, replicas: serving ? s.replicas : 0 })),
  };
}

/** Whether the fleet runs tarsAdminRegistry and tarspatch: it has CVM pools running tarsnode. */
export function fleetNeedsNodeServices(fleet: FleetSpec): boolean {
  return fleet.regions.some((r) => r.cvmPools.length > 0);
}

function namedImage(fleet: FleetSpec, key: (typeof UNPUBLISHED_SERVICES)[number]): string {
  const image = fleet.tars.images[key];
  // validate refuses a fleet with CVM pools that names no image (fleet/validation/validate.ts).
  if (image === undefined) throw new Error(`validated fleet names no tars.images.${key}`);
  return image;
}

/** Size of the in-cluster MySQL container (`tars.db.mode: in-cluster`). */
export const IN_CLUSTER_DB_SIZE: ContainerSize = { cpuMilli: 1000, memoryMiB: 2048 };

/** Size of the schema-initialisation Job's container; it runs once and exits. */
export const DB_INIT_SIZE: ContainerSize = { cpuMilli: 250, memoryMiB: 256 };
