/**
 * The tarsnode bootstrap of a CVM pool: its inputs, tarsnode's config, and where the package
 * comes from.
 *
 * Pure: the script (fleet/tars/tarsnode-script.ts) is rendered from validated inputs, with no
 * timestamps, so the same pool always gets byte-identical user data and a real change shows up as
 * a real diff. The script itself is idempotent: it downloads only when tarsnode is missing, writes
 * files only when their content differs, and restarts tarsnode only when its config changed.
 *
 * @see https://github.com/TarsCloud/TarsDocs/blob/master/installation/node.md
 */
import { WEB_PORT } from "./framework";
import { type CvmPoolSpec } from "../model/model";
import {
  checkEndpoints,
  isIpv4,
  TARSNODE_PORTS,
  tarsLocator,
  type RegistryEndpoint,
} from "../network/ports";
import { LOCAL_IP_PLACEHOLDER, renderBootstrapScript } from "./tarsnode-script";

/** Where tarsnode is installed unless a pool says otherwise (TARS's `TARS_PATH`). */
export const DEFAULT_INSTALL_DIR = "/usr/local/app/tars";

/**
 * Path of the tarsnode package on tarsweb, the default source of every CVM pool.
 *
 * It is where the TARS tooling puts and looks for it: TarsFramework's installer
 * (`deploy/tars-install.sh`) packs `tarsnode.tgz` into tarsweb's `web/files/`, TarsWeb serves
 * that directory at `/files` (`app.js`, `staticRouter`), and both TarsFramework's
 * `deploy/tools/install.sh` and TarsWeb's node installer
 * (`app/service/resource/tarsnode_install.sh`) download `<web>/files/tarsnode.tgz`. K8STARS'
 * tarsweb image leaves `/web/files` empty (`baseserver/tarsweb/Dockerfile`); README.md ("CVM
 * pools") says how the package gets there.
 */
export const TARSWEB_PACKAGE_PATH = "/files/tarsnode.tgz";

/**
 * The default package URL of a pool: tarsweb's `/files/tarsnode.tgz` at `webHost`.
 *
 * Plain http, the only http a pool may use: tarsweb serves no TLS (K8STARS'
 * `baseserver/yaml/tarsweb.yaml` exposes port 3000 only), its address is the home region's
 * internal load balancer, reached over the VPCs and CCN, and the script unpacks nothing whose
 * sha256 is not the fleet's. README.md ("Why plain http is left to tarsweb") gives the reasoning.
 */
export function defaultTarsnodePackageUrl(webHost: string): string {
  return `http://${webHost}:${WEB_PORT}${TARSWEB_PACKAGE_PATH}`;
}

/** Whether a pool downloads tarsnode from tarsweb: it names no `tarsnodePackageUrl`. */
export function downloadsFromTarsweb(pool: CvmPoolSpec): boolean {
  return pool.tarsnodePackageUrl === undefined;
}

/** What one CVM pool's tarsnode bootstrap needs to know. */
export interface TarsnodeBootstrapInput {
  /**
   * QueryObj endpoints of the region's registries (internal load balancer VIPs).
   *
   * At least one; the port is normally 17890. They go into the locator in this order.
   */
  readonly registryEndpoints: readonly RegistryEndpoint[];
  /**
   * Where the tarsnode package is downloaded from.
   *
   * An http(s) URL of `tarsnode.tgz`, an archive holding a `tarsnode/` directory with `bin/`,
   * `conf/` and `util/`, such as TarsWeb's `/files/tarsnode.tgz`. Quotes, spaces, `$`, backticks
   * and backslashes are refused. `file:///absolute/path` is accepted too, for sandbox tests.
   * Whatever the scheme, the script unpacks only a download whose sha256 is `packageSha256`.
   */
  readonly packageUrl: string;
  /**
   * sha256 of the package, 64 lowercase hex digits as `sha256sum tarsnode.tgz` prints them.
   *
   * The script checks every download against it before unpacking anything, and retries one that
   * differs as it retries a failed download.
   */
  readonly packageSha256: string;
  /** Fleet name; appears in the script's header comment and in its log lines. */
  readonly fleetName: string;
  /** Region name; appears in the script's header comment and in its log lines. */
  readonly region: string;
  /** CVM pool name; appears in the script's header comment and in its log lines. */
  readonly pool: string;
  /**
   * Directory tarsnode is installed under (TARS's `TARS_PATH`).
   *
   * An absolute path of `[A-Za-z0-9/_.-]`. The package's `util/*.sh` scripts must have been built
   * for the same directory; TarsWeb builds them for the default.
   *
   * @default "/usr/local/app/tars"
   */
  readonly installDir?: string;
}

const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~!&()*+,;=:@%/?#-]*)?$/;
/** A sha256 as `sha256sum` prints it: 64 lowercase hex digits. */
const SHA256 = /^[0-9a-f]{64}$/;
const FILE_URL = /^file:\/\/\/[A-Za-z0-9/_.-]+$/;
const ABSOLUTE_PATH = /^(\/[A-Za-z0-9_.-]+)+$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * True when `url` is an https URL the script can embed: no quotes, spaces, `$`, backticks or
 * backslashes. A fleet's `tarsnodePackageUrl` must pass it: plain http is left to the default,
 * tarsweb ({@link defaultTarsnodePackageUrl}); the renderer also takes `file:///`.
 */
export function isTarsnodePackageUrl(url: string): boolean {
  return url.startsWith("https://") && HTTP_URL.test(url);
}

/** True when `digest` is a sha256 as `sha256sum` prints it, in either case of hex digits. */
export function isSha256(digest: string): boolean {
  return SHA256.test(digest.toLowerCase());
}

function refuse(field: string, problem: string, value: unknown): never {
  throw new RangeError(`${field}: ${problem}, got ${JSON.stringify(value)}`);
}

/** Checks every field and applies defaults; throws a RangeError naming the first bad field. */
function checkInput(input: TarsnodeBootstrapInput): Required<TarsnodeBootstrapInput> {
  checkEndpoints(input.registryEndpoints, "registryEndpoints");
  const { packageUrl } = input;
  if (!(packageUrl.startsWith("file:") ? FILE_URL : HTTP_URL).test(packageUrl)) {
    refuse("packageUrl", "not an http(s) URL or a file:/// URL of an absolute path", packageUrl);
  }
  if (!SHA256.test(input.packageSha256)) {
    refuse(
      "packageSha256",
      "not 64 lowercase hex digits (sha256sum's output)",
      input.packageSha256,
    );
  }
  for (const field of ["fleetName", "region", "pool"] as const) {
    if (!LABEL.test(input[field])) refuse(field, "not 1-63 of [A-Za-z0-9._-]", input[field]);
  }
  const installDir = input.installDir ?? DEFAULT_INSTALL_DIR;
  const hasDotSegment = installDir.split("/").some((s) => s === "." || s === "..");
  if (!ABSOLUTE_PATH.test(installDir) || hasDotSegment) {
    refuse("installDir", "not an absolute path of [A-Za-z0-9/_.-] without . or ..", installDir);
  }
  return { ...input, installDir };
}

/** A TARS config section: `<name>`, the body indented by two spaces, `</name>`. */
function section(name: string, body: readonly string[]): string[] {
  return [`<${name}>`, ...body.map((line) => `  ${line}`), `</${name}>`];
}

/** Space-separated `key=value` entries without spaces of their own, one per element. */
function entries(text: string): string[] {
  return text.split(" ");
}

function adapter(name: string, localIp: string, port: number, servant: string): string[] {
  return section(name, [
    `endpoint=tcp -h ${localIp} -p ${port} -t 60000`,
    ...entries("allow maxconns=1024 threads=5 queuecap=10000 queuetimeout=4000"),
    `servant=${servant}`,
  ]);
}

/**
 * The full `tars.tarsnode.config.conf` for one node, ending with a newline.
 *
 * Section and key names follow TarsFramework's
 * `deploy/framework/conf/tarsnode/conf/tars.tarsnode.config.conf` and what NodeServer reads at
 * v2.4.3 (`/tars/node<registryObj>` and `<queryObj>` in `NodeServer/RegistryProxy.h`,
 * `/tars/node/keepalive` in `KeepAliveThread.cpp`, `/tars/node/hashmap` in `NodeServer.cpp`).
 * There is no admin key: tarsnode never calls tarsAdminRegistry; tarsAdminRegistry calls the
 * node's `NodeObj` (the `node_obj` the node registers, `AdminRegistryServer/AdminRegistryImp.cpp`
 * `DBPROXY->getNodePrx`). Pass {@link LOCAL_IP_PLACEHOLDER} as `localIp` for the text the script
 * embeds; it swaps in the real IP at boot. Throws a RangeError naming a bad field.
 *
 * @see https://github.com/TarsCloud/TarsFramework/blob/master/NodeServer/NodeServer.cpp
 */
export function renderTarsnodeConfig(input: TarsnodeBootstrapInput, localIp: string): string {
  const { registryEndpoints, installDir } = checkInput(input);
  if (localIp !== LOCAL_IP_PLACEHOLDER && !isIpv4(localIp)) {
    refuse("localIp", `not an IPv4 address or ${LOCAL_IP_PLACEHOLDER}`, localIp);
  }
  const client = section("client", [
    `locator=${tarsLocator(registryEndpoints)}`,
    ...entries("sync-invoke-timeout=6000 async-invoke-timeout=5000 asyncthread=3"),
    ...entries("refresh-endpoint-interval=60000 report-interval=60000 modulename=tars.tarsnode"),
    ...entries("stat=tars.tarsstat.StatObj property=tars.tarsproperty.PropertyObj"),
  ]);
  const server = section("server", [
    ...entries(`app=tars server=tarsnode localip=${localIp}`),
    `local=tcp -h 127.0.0.1 -p ${TARSNODE_PORTS.local} -t 10000`,
    ...entries(`basepath=${installDir}/tarsnode/bin datapath=${installDir}/tarsnode/data`),
    `logpath=${installDir}/app_log`,
    ...entries("logsize=10M logLevel=INFO deactivating-timeout=3000"),
    ...entries("config=tars.tarsconfig.ConfigObj notify=tars.tarsnotify.NotifyObj"),
    ...adapter("NodeAdapter", localIp, TARSNODE_PORTS.nodeObj, "tars.tarsnode.NodeObj"),
    ...adapter("ServerAdapter", localIp, TARSNODE_PORTS.serverObj, "tars.tarsnode.ServerObj"),
  ]);
  const hashmap = "file=serversCache.dat minBlock=500 maxBlock=500 factor=1 size=10M";
  const node = section("node", [
    "registryObj=tars.tarsregistry.RegistryObj",
    ...section("keepalive", entries("heartTimeout=45 monitorInterval=3 synStatInterval=60")),
    ...section("hashmap", entries(hashmap)),
    ...section("container", entries("socket=/var/run/docker.sock timeout=300")),
  ]);
  const application = ["enableset=n", "setdivision=NULL", ...client, ...server];
  return `${section("tars", [...section("application", application), ...node]).join("\n")}\n`;
}

/**
 * The cloud-init `userDataRaw` bash script that joins a CVM to its region's TARS framework.
 *
 * Run by cloud-init, it installs itself as a systemd unit, enabled so it runs at every boot, and
 * starts it without holding up boot. The unit waits, retrying with backoff and never giving up,
 * for the private IP (metadata service, then `hostname -I`), the package (when tarsnode is
 * missing; unpacked only once its sha256 is `packageSha256`) and a registry that accepts
 * connections; then it writes
 * {@link renderTarsnodeConfig}'s config when it changed, starts tarsnode with node id = IP
 * (restarting it only on a config change) and installs the `/etc/cron.d/tarsnode` monitor job.
 * Each step logs to stdout and to `/var/log/tarsfed-bootstrap.log`. Deterministic: equal inputs
 * give byte-identical scripts. Throws a RangeError naming a bad field.
 */
export function renderTarsnodeBootstrap(input: TarsnodeBootstrapInput): string {
  const checked = checkInput(input);
  return renderBootstrapScript({
    fleetName: checked.fleetName,
    region: checked.region,
    pool: checked.pool,
    installDir: checked.installDir,
    packageUrl: checked.packageUrl,
    packageSha256: checked.packageSha256,
    registries: checked.registryEndpoints.map(({ host, port }) => `${host}:${port}`),
    config: renderTarsnodeConfig(checked, LOCAL_IP_PLACEHOLDER),
  });
}
