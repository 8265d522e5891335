/**
 * The cloud-init script that makes a plain CVM a TARS node (`tarsnode`) of its region's framework.
 *
 * Pure: the script is rendered from validated inputs, with no timestamps, so the same pool always
 * gets byte-identical user data and a real change shows up as a real diff. The script itself is
 * idempotent: it downloads only when tarsnode is missing, writes files only when their content
 * differs, and restarts tarsnode only when its config changed.
 *
 * @see https://github.com/TarsCloud/TarsDocs/blob/master/installation/node.md
 */
import {
  checkEndpoints,
  isIpv4,
  TARSNODE_PORTS,
  tarsLocator,
  type RegistryEndpoint,
} from "./ports";

/** Where tarsnode is installed unless a pool says otherwise (TARS's `TARS_PATH`). */
export const DEFAULT_INSTALL_DIR = "/usr/local/app/tars";

/**
 * Stands for the node's private IP in the config the script embeds.
 *
 * The script learns the IP at boot and replaces every occurrence. The underscores keep it apart
 * from any host name the renderer accepts, so the replacement touches nothing else.
 */
export const LOCAL_IP_PLACEHOLDER = "__TARSFED_LOCAL_IP__";

/**
 * Environment variables that redirect the script's system paths, for sandbox tests only.
 *
 * Production leaves them unset and gets `/etc/cron.d`, `/var/log/tarsfed-bootstrap.log` and the
 * Tencent Cloud metadata service.
 */
export const BOOTSTRAP_ENV = {
  cronDir: "TARSFED_CRON_DIR",
  logFile: "TARSFED_LOG",
  metadataUrl: "TARSFED_METADATA_URL",
} as const;

/** Directory of the `tarsnode` cron file that keeps tarsnode alive. */
export const CRON_DIR = "/etc/cron.d";

/** Log file the script appends to, besides stdout. */
export const BOOTSTRAP_LOG_FILE = "/var/log/tarsfed-bootstrap.log";

/**
 * Instance metadata URL that returns the CVM's primary private IPv4 address.
 *
 * @see https://www.tencentcloud.com/document/product/213/4934
 */
export const METADATA_LOCAL_IPV4_URL = "http://metadata.tencentyun.com/latest/meta-data/local-ipv4";

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
   */
  readonly packageUrl: string;
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
const FILE_URL = /^file:\/\/\/[A-Za-z0-9/_.-]+$/;
const ABSOLUTE_PATH = /^(\/[A-Za-z0-9_.-]+)+$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

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
 * `deploy/framework/conf/tarsnode/conf/tars.tarsnode.config.conf` and what
 * `NodeServer/NodeServer.cpp` reads (`/tars/node<registryObj>`, `/tars/node<adminObj>`,
 * `/tars/node/hashmap`). Pass {@link LOCAL_IP_PLACEHOLDER} as `localIp` for the text the script
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
    "adminObj=tars.tarsAdminRegistry.AdminRegObj",
    ...section("keepalive", entries("heartTimeout=45 monitorInterval=3 synStatInterval=60")),
    ...section("hashmap", entries(hashmap)),
    ...section("container", entries("socket=/var/run/docker.sock timeout=300")),
  ]);
  const application = ["enableset=n", "setdivision=NULL", ...client, ...server];
  return `${section("tars", [...section("application", application), ...node]).join("\n")}\n`;
}

/** `value` as one single-quoted shell word. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Header, strict mode and the variables every later part uses. */
function scriptPrologue(input: Required<TarsnodeBootstrapInput>): string {
  const { fleetName: fleet, region, pool } = input;
  return `#!/bin/bash
# tarsnode bootstrap for fleet ${fleet}, region ${region}, pool ${pool}.
# Generated by tarsfed (fleet/tarsnode-bootstrap.ts); do not edit, the next deploy replaces it.
# Safe to run again: each step checks before it changes anything.
set -euo pipefail

# Overridable for sandbox tests only; production runs with the defaults.
CRON_DIR="\${${BOOTSTRAP_ENV.cronDir}:-${CRON_DIR}}"
LOG_FILE="\${${BOOTSTRAP_ENV.logFile}:-${BOOTSTRAP_LOG_FILE}}"
METADATA_URL="\${${BOOTSTRAP_ENV.metadataUrl}:-${METADATA_LOCAL_IPV4_URL}}"

FLEET=${shellQuote(fleet)} REGION=${shellQuote(region)} POOL=${shellQuote(pool)}
INSTALL_DIR=${shellQuote(input.installDir)}
PACKAGE_URL=${shellQuote(input.packageUrl)}
NODE_DIR="\${INSTALL_DIR}/tarsnode"
NODE_BIN="\${NODE_DIR}/bin/tarsnode"
NODE_CONF="\${NODE_DIR}/conf/tars.tarsnode.config.conf"
# tarsnode rewrites NODE_CONF on every start, merging in the registry's node template (TarsFramework
# NodeServer/NodeServer.cpp, onUpdateConfig), so changes are detected against our own last copy.
NODE_CONF_RENDERED="\${NODE_CONF}.tarsfed"
# Matches the server process but not \`tarsnode --monitor\`, which the cron job runs every minute.
NODE_PATTERN="\${NODE_BIN} --nodeid="
LOCAL_IP="" PACKAGE_INSTALLED=0 CONFIG_CHANGED=0 TMP_FILES=()
`;
}

/** Logging, temp-file cleanup, retries and the write-only-when-different helpers. */
function scriptHelpers(): string {
  return `
log() {
  printf '%s tarsfed-bootstrap[%s]: %s\\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" \\
    "\${FLEET}/\${REGION}/\${POOL}" "$*" | tee -a "\${LOG_FILE}" || true
}
fail() { log "ERROR: $*"; exit 1; }
cleanup() { rm -f -- \${TMP_FILES[@]+"\${TMP_FILES[@]}"}; }
trap cleanup EXIT
is_ipv4() { [[ "$1" =~ ^([0-9]{1,3}\\.){3}[0-9]{1,3}$ ]]; }

# Runs "$@" up to $1 times, $2 seconds apart; old curl (CentOS 7) lacks --retry-all-errors.
retry() {
  local attempts="$1" delay="$2" n=1
  shift 2
  until "$@"; do
    ((n++ < attempts)) || return 1
    sleep "\${delay}"
  done
}

# True when file $1 holds exactly $2, trailing newlines included.
file_has() { [[ -f "$1" ]] && [[ "$(cat -- "$1" && printf x)" == "$2x" ]]; }

# Replaces file $1 with content $2 (mode 0644) through a temp file and mv: no reader sees half.
write_file() {
  local tmp
  tmp="$(mktemp "$(dirname -- "$1")/.tarsfed.XXXXXX")"
  TMP_FILES+=("\${tmp}")
  printf '%s' "$2" >"\${tmp}"
  chmod 0644 "\${tmp}"
  mv -f -- "\${tmp}" "$1"
}
`;
}

/** Steps 1 and 2: the private IP, then the package when tarsnode is missing. */
function scriptIpAndInstall(): string {
  return `
resolve_local_ip() {
  local address
  LOCAL_IP="$(retry 3 1 curl -sf --connect-timeout 2 --max-time 5 "\${METADATA_URL}" || true)"
  if is_ipv4 "\${LOCAL_IP}"; then
    log "private IP \${LOCAL_IP} (from the metadata service)" && return
  fi
  log "no IPv4 address from \${METADATA_URL}; trying hostname -I"
  for address in $(hostname -I 2>/dev/null || true); do
    if is_ipv4 "\${address}"; then
      LOCAL_IP="\${address}" && log "private IP \${LOCAL_IP} (from hostname -I)" && return
    fi
  done
  fail "cannot find this machine's private IP: neither \${METADATA_URL} nor hostname -I gave one"
}

install_package() {
  if [[ -f "\${NODE_BIN}" ]]; then
    log "tarsnode already installed at \${NODE_DIR}; not downloading" && return
  fi
  local archive
  mkdir -p "\${INSTALL_DIR}"
  archive="$(mktemp "\${INSTALL_DIR}/.tarsnode.tgz.XXXXXX")"
  TMP_FILES+=("\${archive}")
  log "downloading \${PACKAGE_URL}"
  retry 5 3 curl --fail --silent --show-error --location --connect-timeout 10 \\
    --output "\${archive}" "\${PACKAGE_URL}" || fail "cannot download \${PACKAGE_URL}"
  # tar adds and replaces the package's files; data/ and app_log/ left by an earlier run stay.
  tar -xzf "\${archive}" -C "\${INSTALL_DIR}" --no-same-owner
  [[ -f "\${NODE_BIN}" ]] || fail "\${PACKAGE_URL} has no tarsnode/bin/tarsnode"
  # cron runs util/monitor.sh directly, so it needs the execute bit as much as the binary.
  find "\${NODE_DIR}" -maxdepth 2 \\( -path "\${NODE_BIN}" -o -path "\${NODE_DIR}/util/*.sh" \\) \\
    -exec chmod a+x {} +
  PACKAGE_INSTALLED=1
  log "unpacked tarsnode into \${INSTALL_DIR}"
}

# monitor.sh restarts a dead tarsnode through util/start.sh and util/execute.sh, which pass
# --nodeid=localip.tars.com until the IP is filled in, as TarsWeb's tarsnode_install.sh does.
patch_start_script() {
  local execute="\${NODE_DIR}/util/execute.sh"
  if [[ -f "\${execute}" ]] && grep -q 'localip\\.tars\\.com' "\${execute}"; then
    sed -i "s/localip\\.tars\\.com/\${LOCAL_IP}/g" "\${execute}"
    log "set node id \${LOCAL_IP} in \${execute}"
  fi
}
`;
}

/** Step 3: the config, embedded with the IP placeholder and written only when it changed. */
function scriptConfig(config: string): string {
  const delimiter = "TARSFED_TARSNODE_CONF";
  return `
write_config() {
  local config
  config="$(
    cat <<'${delimiter}'
${config.replace(/\n$/, "")}
${delimiter}
  )"
  config="\${config//${LOCAL_IP_PLACEHOLDER}/\${LOCAL_IP}}"$'\\n'
  mkdir -p "\${NODE_DIR}/conf" "\${NODE_DIR}/data" "\${INSTALL_DIR}/app_log"
  # A fresh unpack may have brought the package's own config, so then it is always replaced.
  if ((PACKAGE_INSTALLED == 0)) && [[ -f "\${NODE_CONF}" ]] &&
    file_has "\${NODE_CONF_RENDERED}" "\${config}"; then
    log "config \${NODE_CONF} is up to date" && return
  fi
  # The live file first: if the run stops between the two, the next run writes both again.
  write_file "\${NODE_CONF}" "\${config}"
  write_file "\${NODE_CONF_RENDERED}" "\${config}"
  CONFIG_CHANGED=1
  log "wrote \${NODE_CONF}"
}
`;
}

/** Step 4: start tarsnode, or restart it when its config changed. */
function scriptTarsnode(): string {
  return `
tarsnode_running() { pgrep -f "\${NODE_PATTERN}" >/dev/null; }

stop_tarsnode() {
  pkill -TERM -f "\${NODE_PATTERN}" || true
  for _ in {1..10}; do
    tarsnode_running || return 0
    sleep 1
  done
  pkill -KILL -f "\${NODE_PATTERN}" || true
}

start_tarsnode() {
  log "starting \${NODE_BIN} --nodeid=\${LOCAL_IP} --config=\${NODE_CONF}"
  # The library path util/execute.sh gives it: its own bin/ and libraries patched into data/lib.
  LD_LIBRARY_PATH="\${NODE_DIR}/bin:\${NODE_DIR}/data/lib" \\
    nohup "\${NODE_BIN}" --nodeid="\${LOCAL_IP}" --config="\${NODE_CONF}" >/dev/null 2>&1 &
  for _ in {1..10}; do
    if tarsnode_running; then
      log "tarsnode is running" && return
    fi
    sleep 1
  done
  # Not fatal: tarsnode exits while no registry answers, and the monitor job retries every minute.
  log "WARNING: tarsnode is not running yet; the monitor cron job keeps trying"
}

ensure_tarsnode() {
  if ! tarsnode_running; then
    start_tarsnode
  elif ((CONFIG_CHANGED == 1)); then
    log "config changed; restarting tarsnode"
    stop_tarsnode
    start_tarsnode
  else
    log "tarsnode is running with the current config; leaving it"
  fi
}
`;
}

/** Step 5 and the entry point: the monitor cron job, then every step in order. */
function scriptCronAndMain(): string {
  return `
install_monitor_cron() {
  local file="\${CRON_DIR}/tarsnode" monitor="\${NODE_DIR}/util/monitor.sh" entry
  entry="# tarsfed \${FLEET}/\${REGION}/\${POOL}: restarts tarsnode when it stops answering."$'\\n'
  entry+="* * * * * root \${monitor} >/dev/null 2>&1"$'\\n'
  [[ -f "\${monitor}" ]] || log "WARNING: \${monitor} is missing; the cron job will fail"
  if file_has "\${file}" "\${entry}"; then
    log "cron job \${file} is up to date" && return
  fi
  mkdir -p "\${CRON_DIR}"
  write_file "\${file}" "\${entry}"
  log "wrote cron job \${file}"
}

main() {
  mkdir -p "$(dirname -- "\${LOG_FILE}")"
  log "bootstrap starting"
  resolve_local_ip
  install_package
  patch_start_script
  write_config
  ensure_tarsnode
  install_monitor_cron
  log "bootstrap done; node id \${LOCAL_IP}"
}

main "$@"
`;
}

/**
 * The cloud-init `userDataRaw` bash script that joins a CVM to its region's TARS framework.
 *
 * It finds the private IP (metadata service, then `hostname -I`), installs the package when
 * tarsnode is missing, writes {@link renderTarsnodeConfig}'s config when it changed, starts
 * tarsnode with node id = IP (restarting it only on a config change) and installs the
 * `/etc/cron.d/tarsnode` monitor job. Each step logs to stdout and to
 * `/var/log/tarsfed-bootstrap.log`. Deterministic: equal inputs give byte-identical scripts.
 * Throws a RangeError naming a bad field.
 */
export function renderTarsnodeBootstrap(input: TarsnodeBootstrapInput): string {
  const checked = checkInput(input);
  return [
    scriptPrologue(checked),
    scriptHelpers(),
    scriptIpAndInstall(),
    scriptConfig(renderTarsnodeConfig(checked, LOCAL_IP_PLACEHOLDER)),
    scriptTarsnode(),
    scriptCronAndMain(),
  ].join("");
}
