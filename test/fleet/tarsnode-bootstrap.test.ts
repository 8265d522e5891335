import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_REGISTRY_PORT,
  REGISTRY_PORTS,
  type RegistryEndpoint,
  TARSNODE_PORTS,
  tarsLocator,
} from "../../fleet/network/ports";
import {
  defaultTarsnodePackageUrl,
  isTarsnodePackageUrl,
  type TarsnodeBootstrapInput,
  renderTarsnodeBootstrap,
  renderTarsnodeConfig,
} from "../../fleet/tars/tarsnode-bootstrap";
import {
  BOOTSTRAP_ENV,
  BOOTSTRAP_UNIT,
  LOCAL_IP_PLACEHOLDER,
} from "../../fleet/tars/tarsnode-script";
import { describeWithTools } from "../system-tools";

const ONE: TarsnodeBootstrapInput = {
  registryEndpoints: [{ host: "10.10.0.5", port: 17890 }],
  packageUrl: "https://tarsweb.gz.internal:3000/files/tarsnode.tgz",
  packageSha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  fleetName: "demo",
  region: "guangzhou",
  pool: "legacy",
};

const THREE: TarsnodeBootstrapInput = {
  ...ONE,
  registryEndpoints: [
    { host: "10.10.0.5", port: 17890 },
    { host: "registry-b.gz.internal", port: 17890 },
    { host: "10.10.8.7", port: 27890 },
  ],
};

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
const dnsLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const dnsName = fc
  .tuple(fc.array(dnsLabel, { maxLength: 3 }), fc.stringMatching(/^[a-z]{1,6}$/))
  .map(([labels, tld]) => [...labels, tld].join("."));
const endpoint: fc.Arbitrary<RegistryEndpoint> = fc.record({
  host: fc.oneof(ipv4, dnsName),
  port: fc.integer({ min: 1, max: 65535 }),
});

/** Maps TARS config text to `/path<key>` → value, as TC_Config reads it; throws if unbalanced. */
function parseTarsConf(text: string): Map<string, string> {
  const values = new Map<string, string>();
  const open: string[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    const tag = /^<(\/?)(\w+)>$/.exec(line);
    if (line === "") continue;
    if (tag?.[1] === "/" && open.pop() !== tag[2]) throw new Error(`unbalanced ${line}`);
    if (tag?.[1] === "") open.push(tag[2]);
    if (tag) continue;
    const [key, ...value] = line.split("=");
    values.set(`/${open.join("/")}<${key}>`, value.join("="));
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join("><")}>`);
  return values;
}

/** Either `render` throws a RangeError, or `value` matches `safe`. */
function refusedOrSafe(render: () => unknown, value: string, safe: RegExp): void {
  try {
    render();
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    return;
  }
  expect(value).toMatch(safe);
}

it("exports the native framework's ports", () => {
  expect(TARSNODE_PORTS).toEqual({ nodeObj: 19385, serverObj: 19386, local: 19387 });
  expect(REGISTRY_PORTS).toEqual({ query: 17890, registry: 17891 });
  expect(ADMIN_REGISTRY_PORT).toBe(12000);
});

describe("tarsLocator", () => {
  it("lists every endpoint in order", () => {
    expect(tarsLocator(THREE.registryEndpoints)).toBe(
      "tars.tarsregistry.QueryObj@tcp -h 10.10.0.5 -p 17890" +
        ":tcp -h registry-b.gz.internal -p 17890:tcp -h 10.10.8.7 -p 27890",
    );
  });

  it("round-trips any valid endpoints through the locator text", () =>
    fc.assert(
      fc.property(fc.array(endpoint, { minLength: 1, maxLength: 5 }), (endpoints) => {
        const [object, addresses] = tarsLocator(endpoints).split("@");
        expect(object).toBe("tars.tarsregistry.QueryObj");
        const parsed = addresses.split(":").map((a) => /^tcp -h (\S+) -p (\d+)$/.exec(a));
        expect(parsed.map((m) => ({ host: m?.[1], port: Number(m?.[2]) }))).toEqual(endpoints);
      }),
    ));

  it("accepts only hosts free of shell metacharacters", () =>
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          dnsName.map((d) => `${d}$(id)`),
        ),
        (host) =>
          refusedOrSafe(() => tarsLocator([{ host, port: 17890 }]), host, /^[A-Za-z0-9.-]+$/),
      ),
    ));
});

describe("renderTarsnodeConfig", () => {
  const conf = parseTarsConf(renderTarsnodeConfig(THREE, "10.1.2.3"));
  const elsewhere: TarsnodeBootstrapInput = { ...ONE, installDir: "/data/tars" };
  const custom = parseTarsConf(renderTarsnodeConfig(elsewhere, "10.0.0.9"));
  const server = "/tars/application/server";

  it.each([
    ["/tars/application/client<locator>", tarsLocator(THREE.registryEndpoints)],
    ["/tars/application/client<modulename>", "tars.tarsnode"],
    ["/tars/application<enableset>", "n"],
    ["/tars/application<setdivision>", "NULL"],
    [`${server}<app>`, "tars"],
    [`${server}<server>`, "tarsnode"],
    [`${server}<localip>`, "10.1.2.3"],
    [`${server}<local>`, "tcp -h 127.0.0.1 -p 19387 -t 10000"],
    [`${server}<basepath>`, "/usr/local/app/tars/tarsnode/bin"],
    [`${server}<datapath>`, "/usr/local/app/tars/tarsnode/data"],
    [`${server}<logpath>`, "/usr/local/app/tars/app_log"],
    [`${server}/NodeAdapter<endpoint>`, "tcp -h 10.1.2.3 -p 19385 -t 60000"],
    [`${server}/NodeAdapter<servant>`, "tars.tarsnode.NodeObj"],
    [`${server}/ServerAdapter<endpoint>`, "tcp -h 10.1.2.3 -p 19386 -t 60000"],
    [`${server}/ServerAdapter<servant>`, "tars.tarsnode.ServerObj"],
    ["/tars/node<registryObj>", "tars.tarsregistry.RegistryObj"],
    ["/tars/node/keepalive<heartTimeout>", "45"],
    ["/tars/node/keepalive<monitorInterval>", "3"],
    ["/tars/node/keepalive<synStatInterval>", "60"],
    ["/tars/node/hashmap<file>", "serversCache.dat"],
  ])("sets %s to %s", (path, value) => expect(conf.get(path)).toBe(value));

  it("names no admin object: NodeServer reads none, tarsAdminRegistry calls NodeObj", () =>
    expect(conf.get("/tars/node<adminObj>")).toBeUndefined());

  it("puts every path under the install directory", () => {
    expect(custom.get(`${server}<basepath>`)).toBe("/data/tars/tarsnode/bin");
    expect(custom.get(`${server}<datapath>`)).toBe("/data/tars/tarsnode/data");
    expect(custom.get(`${server}<logpath>`)).toBe("/data/tars/app_log");
  });

  it("is the placeholder text with the IP swapped in, as the script does it", () => {
    const template = renderTarsnodeConfig(THREE, LOCAL_IP_PLACEHOLDER);
    fc.assert(
      fc.property(ipv4, (ip) => {
        expect(renderTarsnodeConfig(THREE, ip)).toBe(template.replaceAll(LOCAL_IP_PLACEHOLDER, ip));
      }),
    );
  });

  it("fails on a local IP that is neither IPv4 nor the placeholder", () => {
    const message = 'localIp: not an IPv4 address or __TARSFED_LOCAL_IP__, got "localip.tars.com"';
    expect(() => renderTarsnodeConfig(ONE, "localip.tars.com")).toThrow(new RangeError(message));
  });
});

describeWithTools(["shellcheck"], "the script under shellcheck", () => {
  it.each([
    ["one registry endpoint", ONE],
    ["three registry endpoints", THREE],
    ["a custom install directory", { ...THREE, installDir: "/data/app/tars" }],
  ])("passes shellcheck with %s", (_name, input) => {
    const script = renderTarsnodeBootstrap(input);
    const result = spawnSync("shellcheck", ["-s", "bash", "-"], {
      input: script,
      encoding: "utf8",
    });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("renderTarsnodeBootstrap", () => {
  it("embeds the config with the IP placeholder and substitutes it at run time", () => {
    const script = renderTarsnodeBootstrap(THREE);
    expect(script).toContain(`\n${renderTarsnodeConfig(THREE, LOCAL_IP_PLACEHOLDER)}TARSFED_`);
    expect(script).toContain(`config="\${config//${LOCAL_IP_PLACEHOLDER}/\${LOCAL_IP}}"`);
    expect(script).toContain(`--nodeid="\${LOCAL_IP}" --config="\${NODE_CONF}"`);
  });

  it("waits for every registry endpoint, in locator order", () => {
    const script = renderTarsnodeBootstrap(THREE);
    expect(script).toContain(
      "\nREGISTRIES=('10.10.0.5:17890' 'registry-b.gz.internal:17890' '10.10.8.7:27890')\n",
    );
  });

  it("starts with a strict bash header naming fleet, region and pool", () => {
    const lines = renderTarsnodeBootstrap(ONE).split("\n");
    expect(lines[0]).toBe("#!/bin/bash");
    expect(lines[1]).toBe("# tarsnode bootstrap for fleet demo, region guangzhou, pool legacy.");
    expect(lines[2]).toMatch(/^# Generated by tarsfed/);
    expect(lines).toContain("set -euo pipefail");
  });

  it("fits the 16 KB userData limit after base64, even with eight long registry names", () => {
    const host = (i: number) => `tarsregistry-${i}.ap-guangzhou.tars-federation.internal`;
    const endpoints = [...Array(8).keys()].map((i) => ({ host: host(i), port: 17890 }));
    const script = renderTarsnodeBootstrap({ ...THREE, registryEndpoints: endpoints });
    expect(Buffer.from(script).toString("base64").length).toBeLessThanOrEqual(16 * 1024);
  });

  it("renders the reference script, the same every time and without timestamps", () => {
    expect(renderTarsnodeBootstrap(THREE)).toBe(renderTarsnodeBootstrap(structuredClone(THREE)));
    expect(renderTarsnodeBootstrap(THREE)).not.toMatch(/20\d\d-\d\d-\d\d/);
    expect(renderTarsnodeBootstrap(THREE)).toMatchSnapshot();
  });

  const withHost = (host: string, port = 17890) => ({ registryEndpoints: [{ host, port }] });
  const noEndpoints = "registryEndpoints: at least one registry endpoint is required, got []";
  const badHost = "registryEndpoints[0].host: not an IPv4 address or DNS name, got";
  const badPort = "registryEndpoints[0].port: must be an integer from 1 to 65535, got";
  const badUrl = "packageUrl: not an http(s) URL or a file:/// URL of an absolute path, got";
  const badDir = "installDir: not an absolute path of [A-Za-z0-9/_.-] without . or .., got";
  const badSha = "packageSha256: not 64 lowercase hex digits (sha256sum's output), got";
  const upper = ONE.packageSha256.toUpperCase();
  it.each<[Partial<TarsnodeBootstrapInput>, string]>([
    [{ registryEndpoints: [] }, noEndpoints],
    [withHost("10.0.0.1;reboot"), `${badHost} "10.0.0.1;reboot"`],
    [withHost("10.0.0.256"), `${badHost} "10.0.0.256"`],
    [withHost("1.2.3"), `${badHost} "1.2.3"`],
    [withHost("a-.internal"), `${badHost} "a-.internal"`],
    [withHost("10.0.0.1", 0), `${badPort} 0`],
    [withHost("10.0.0.1", 1.5), `${badPort} 1.5`],
    [{ packageUrl: "ftp://x/tarsnode.tgz" }, `${badUrl} "ftp://x/tarsnode.tgz"`],
    [{ packageUrl: "https://x/$(id).tgz" }, `${badUrl} "https://x/$(id).tgz"`],
    [{ packageUrl: "https://x/a'b.tgz" }, `${badUrl} "https://x/a'b.tgz"`],
    [{ packageUrl: "https://x/`id`.tgz" }, `${badUrl} "https://x/\`id\`.tgz"`],
    [{ packageUrl: "file://pkg/tarsnode.tgz" }, `${badUrl} "file://pkg/tarsnode.tgz"`],
    [{ packageSha256: "" }, `${badSha} ""`],
    [{ packageSha256: upper }, `${badSha} "${upper}"`],
    [{ packageSha256: ONE.packageSha256.slice(1) }, `${badSha} "${ONE.packageSha256.slice(1)}"`],
    [{ packageSha256: `${ONE.packageSha256}'` }, `${badSha} "${ONE.packageSha256}'"`],
    [{ installDir: "app/tars" }, `${badDir} "app/tars"`],
    [{ installDir: "/opt/../etc" }, `${badDir} "/opt/../etc"`],
    [{ installDir: "/opt/$HOME" }, `${badDir} "/opt/$HOME"`],
    [{ pool: "a\nb" }, 'pool: not 1-63 of [A-Za-z0-9._-], got "a\\nb"'],
    [{ fleetName: "" }, 'fleetName: not 1-63 of [A-Za-z0-9._-], got ""'],
  ])("fails on %j", (change, message) => {
    expect(() => renderTarsnodeBootstrap({ ...ONE, ...change })).toThrow(new RangeError(message));
  });

  it("never puts a quote, $, backtick, backslash or space of a package URL into the script", () =>
    fc.assert(
      fc.property(fc.string(), (path) => {
        const packageUrl = `https://tarsweb.internal/${path}`;
        const render = () => renderTarsnodeBootstrap({ ...ONE, packageUrl });
        refusedOrSafe(render, packageUrl, /^[^'"`$\\\s]*$/);
      }),
    ));

  it("takes exactly the https package URLs a fleet may name", () => {
    const cos = "https://tars-1250000000.cos-internal.ap-guangzhou.tencentcos.cn/tarsnode.tgz";
    expect(isTarsnodePackageUrl(cos)).toBe(true);
    expect(isTarsnodePackageUrl("http://10.20.0.7:3000/files/tarsnode.tgz")).toBe(false);
    expect(isTarsnodePackageUrl("cos://tars-1250000000/tarsnode.tgz")).toBe(false);
    expect(isTarsnodePackageUrl("file:///srv/tarsnode.tgz")).toBe(false);
    expect(isTarsnodePackageUrl("https://x/a b.tgz")).toBe(false);
  });

  it("defaults to tarsweb's /files/tarsnode.tgz, where TARS's installers put and fetch it", () => {
    expect(defaultTarsnodePackageUrl("10.10.3.9")).toBe("http://10.10.3.9:3000/files/tarsnode.tgz");
  });
});

const sandboxes: string[] = [];
afterEach(() => {
  for (const dir of sandboxes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A port something listens on, for the script's registry check; the kernel accepts connections. */
const registry = net.createServer((socket) => socket.destroy());
let registryPort = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
  registryPort = (registry.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => registry.close(() => resolve())));

/** A 127.0.0.1 port nothing listens on yet. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function writeExecutable(path: string, text: string): void {
  fs.mkdirSync(dirname(path), { recursive: true });
  fs.writeFileSync(path, text, { mode: 0o755 });
}

/**
 * A fake machine under one temp dir: a `tarsnode.tgz` whose `tarsnode` records its arguments and
 * marks itself running, `pgrep`/`pkill` shims that read and clear that mark (so nothing real is
 * started or killed), a `systemctl` shim that records its arguments, a metadata file, and the
 * script's cron, systemd and script paths, log file and backoff (1 s) redirected here. The
 * registry is the test's listening port.
 */
function makeSandbox(metadataText = "10.1.2.3") {
  const root = fs.mkdtempSync(join(tmpdir(), "tarsnode-bootstrap-"));
  sandboxes.push(root);
  const at = (path: string) => join(root, path);
  const [installDir, calls, running, pkg] = [
    "app/tars",
    "calls.log",
    "running",
    "pkg/tarsnode",
  ].map(at);
  const record = `printf 'tarsnode %s\\n' "$*" >>'${calls}'`;
  const pattern = `${installDir}/tarsnode/bin/tarsnode --nodeid=`;
  const pgrep = `[ "$1 $2" = '-f ${pattern}' ] || exit 3\n[ -f '${running}' ] && echo 4242`;
  const files: [string, string][] = [
    [join(pkg, "bin", "tarsnode"), `#!/bin/sh\n${record}\n: >'${running}'\n`],
    [join(pkg, "util", "monitor.sh"), "#!/bin/sh\nexit 0\n"],
    [join(pkg, "util", "execute.sh"), '#!/bin/sh\n"$bin" --nodeid="localip.tars.com"\n'],
    [join(pkg, "conf", "tars.tarsnode.config.conf"), "<tars>\n</tars>\n"],
    [at("bin/pgrep"), `#!/bin/sh\n${pgrep}\n`],
    [at("bin/pkill"), `#!/bin/sh\necho "pkill $*" >>'${calls}'\nrm -f '${running}'\n`],
    [at("bin/systemctl"), `#!/bin/sh\necho "systemctl $*" >>'${calls}'\n`],
    [at("local-ipv4"), metadataText],
  ];
  for (const [path, text] of files) writeExecutable(path, text);
  expect(spawnSync("tar", ["-czf", at("tarsnode.tgz"), "-C", at("pkg"), "tarsnode"]).status).toBe(
    0,
  );
  const packageUrl = `file://${at("tarsnode.tgz")}`;
  const packageSha256 = sha256(fs.readFileSync(at("tarsnode.tgz")));
  const local = { registryEndpoints: [{ host: "127.0.0.1", port: registryPort }] };
  const input = (base: Partial<TarsnodeBootstrapInput> = local): TarsnodeBootstrapInput => ({
    ...ONE,
    installDir,
    packageUrl,
    packageSha256,
    ...base,
  });
  const env = {
    ...process.env,
    PATH: `${at("bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    [BOOTSTRAP_ENV.cronDir]: at("cron.d"),
    [BOOTSTRAP_ENV.logFile]: at("log/tarsfed-bootstrap.log"),
    [BOOTSTRAP_ENV.metadataUrl]: `file://${at("local-ipv4")}`,
    [BOOTSTRAP_ENV.systemdDir]: at("systemd"),
    [BOOTSTRAP_ENV.scriptPath]: at("sbin/tarsfed-tarsnode-bootstrap"),
    [BOOTSTRAP_ENV.backoffFirstSeconds]: "1",
    [BOOTSTRAP_ENV.backoffMaxSeconds]: "1",
  };
  const userData = at("user-data.sh");
  /** Runs the user data as the unit does (`run`), or as cloud-init does (no argument). */
  const run = (runInput = input(), mode: "run" | "install" = "run", timeoutMs?: number) => {
    fs.writeFileSync(userData, renderTarsnodeBootstrap(runInput));
    const args = mode === "run" ? [userData, "run"] : [userData];
    const result = spawnSync("bash", args, { env, encoding: "utf8", timeout: timeoutMs });
    return { ...result, output: `${result.stdout}${result.stderr}` };
  };
  const conf = join(installDir, "tarsnode/conf/tars.tarsnode.config.conf");
  return { at, installDir, calls, conf, env, input, run, userData, packageUrl, packageSha256 };
}

/** The sha256 of `data` as `sha256sum` prints it. */
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** Identity and mtime of a file, to prove a run left it alone. */
const stamp = (path: string) => `${fs.statSync(path).ino}@${fs.statSync(path).mtimeMs}`;

const read = (path: string) => fs.readFileSync(path, "utf8");

const SANDBOX_TOOLS = ["bash", "curl", "gzip", "sha256sum", "tar"] as const;

describeWithTools(SANDBOX_TOOLS, "running the script in a sandbox", () => {
  it("installs, configures and starts tarsnode, and installs the monitor job", () => {
    const sb = makeSandbox();
    const keep = join(sb.installDir, "tarsnode", "data", "keep.me");
    fs.mkdirSync(dirname(keep), { recursive: true });
    fs.writeFileSync(keep, "deployed server data");
    const first = sb.run();
    expect(first.status, first.output).toBe(0);
    expect(first.stdout).toContain(`downloading file://${sb.at("tarsnode.tgz")}`);
    expect(first.stdout).toContain(`registry 127.0.0.1:${registryPort} accepts connections`);
    expect(read(sb.calls)).toBe(`tarsnode --nodeid=10.1.2.3 --config=${sb.conf}\n`);
    expect(read(sb.conf)).toBe(renderTarsnodeConfig(sb.input(), "10.1.2.3"));
    expect(read(sb.conf)).toContain("\n      localip=10.1.2.3\n");
    expect(read(`${sb.conf}.tarsfed`)).toBe(read(sb.conf));
    expect(read(sb.at("cron.d/tarsnode"))).toBe(
      "# tarsfed demo/guangzhou/legacy: restarts tarsnode when it stops answering.\n" +
        `* * * * * root ${sb.installDir}/tarsnode/util/monitor.sh >/dev/null 2>&1\n`,
    );
    expect(fs.statSync(sb.at("cron.d/tarsnode")).mode & 0o777).toBe(0o644);
    const execute = read(join(sb.installDir, "tarsnode", "util", "execute.sh"));
    expect(execute).toContain('--nodeid="10.1.2.3"');
    expect(read(keep)).toBe("deployed server data");
    expect(read(sb.at("log/tarsfed-bootstrap.log"))).toContain("bootstrap done; node id 10.1.2.3");
  });

  it("changes nothing on a second run: no download, no rewrite, no restart", () => {
    const sb = makeSandbox();
    expect(sb.run().status).toBe(0);
    fs.rmSync(sb.at("tarsnode.tgz")); // a second download would now wait forever
    const files = [sb.conf, `${sb.conf}.tarsfed`, sb.at("cron.d/tarsnode")];
    const before = files.map(stamp);
    const calls = read(sb.calls);
    const second = sb.run();
    expect(second.status, second.output).toBe(0);
    expect(files.map(stamp)).toEqual(before);
    expect(read(sb.calls)).toBe(calls);
    expect(second.stdout).toContain("already installed");
    expect(second.stdout).toContain("running with the current config; leaving it");
    expect(fs.readdirSync(dirname(sb.conf))).toHaveLength(2); // the config, its copy, no temp files
    expect(fs.readdirSync(sb.installDir).sort()).toEqual(["app_log", "tarsnode"]);
  });

  it("leaves alone the config tarsnode merged its node template into", () => {
    const sb = makeSandbox();
    expect(sb.run().status).toBe(0);
    fs.appendFileSync(sb.conf, "<tars>\n  merged=from-registry\n</tars>\n");
    const before = stamp(sb.conf);
    const second = sb.run();
    expect(second.status, second.output).toBe(0);
    expect(stamp(sb.conf)).toBe(before);
    expect(read(sb.calls)).not.toContain("pkill");
  });

  it("rewrites the config and restarts tarsnode when the registries change", async () => {
    const sb = makeSandbox();
    expect(sb.run().status).toBe(0);
    const two = [
      { host: "127.0.0.1", port: await freePort() },
      { host: "127.0.0.1", port: registryPort },
    ];
    const second = sb.run(sb.input({ registryEndpoints: two }));
    expect(second.status, second.output).toBe(0);
    expect(read(sb.conf)).toContain(`locator=${tarsLocator(two)}\n`);
    const start = `tarsnode --nodeid=10.1.2.3 --config=${sb.conf}`;
    const stop = `pkill -TERM -f ${sb.installDir}/tarsnode/bin/tarsnode --nodeid=`;
    expect(read(sb.calls)).toBe(`${start}\n${stop}\n${start}\n`);
  });

  it("starts a stopped tarsnode without rewriting its config", () => {
    const sb = makeSandbox();
    expect(sb.run().status).toBe(0);
    fs.rmSync(sb.at("running"));
    const before = stamp(sb.conf);
    const second = sb.run();
    expect(second.status, second.output).toBe(0);
    expect(stamp(sb.conf)).toBe(before);
    const start = `tarsnode --nodeid=10.1.2.3 --config=${sb.conf}`;
    expect(read(sb.calls)).toBe(`${start}\n${start}\n`);
  });

  it("falls back to the first IPv4 address of hostname -I", () => {
    const sb = makeSandbox("<html>not found</html>");
    writeExecutable(sb.at("bin/hostname"), '#!/bin/sh\necho "fe80::1 192.168.7.7 10.9.9.9"\n');
    const result = sb.run();
    expect(result.status, result.output).toBe(0);
    expect(result.stdout).toContain("private IP 192.168.7.7 (from hostname -I)");
    expect(read(sb.calls)).toContain("--nodeid=192.168.7.7 ");
  });

  it("keeps waiting for a private IP, saying so, and installs nothing meanwhile", () => {
    const sb = makeSandbox();
    writeExecutable(sb.at("bin/hostname"), "#!/bin/sh\necho\n");
    fs.rmSync(sb.at("local-ipv4")); // curl fails, as without a metadata service
    const result = sb.run(sb.input(), "run", 3500);
    expect(result.signal).toBe("SIGTERM"); // still waiting when the test stopped it
    const waiting = `waiting for this machine's private IP (file://${sb.at("local-ipv4")}, hostname -I)`;
    expect(result.stdout).toContain(`${waiting} (attempt 1); next try in 1s`);
    expect(result.stdout).toContain(`${waiting} (attempt 3); next try in 1s`);
    expect(fs.existsSync(join(sb.installDir, "tarsnode"))).toBe(false);
  });

  it("never unpacks or runs a package whose sha256 is not the fleet's, and keeps retrying", () => {
    const sb = makeSandbox();
    const expected = sha256("another tarsnode.tgz");
    const result = sb.run(sb.input({ packageSha256: expected }), "run", 3500);
    expect(result.signal).toBe("SIGTERM"); // still waiting when the test stopped it
    const refused = `REFUSED ${sb.packageUrl}: sha256 ${sb.packageSha256}, expected ${expected}; not unpacked`;
    expect(result.stdout.split(refused).length - 1).toBeGreaterThanOrEqual(3);
    const waiting = `waiting for the tarsnode package at ${sb.packageUrl}`;
    expect(result.stdout).toContain(`${waiting} (attempt 3); next try in 1s`);
    expect(fs.existsSync(join(sb.installDir, "tarsnode"))).toBe(false);
    expect(fs.existsSync(sb.calls)).toBe(false); // tarsnode never ran
    expect(fs.existsSync(sb.at("cron.d"))).toBe(false);
  });

  it("follows no redirect to plain http, even to the right package", async () => {
    const sb = makeSandbox();
    const archive = fs.readFileSync(sb.at("tarsnode.tgz"));
    const requests: string[] = [];
    const server = http.createServer((request, response) => {
      requests.push(request.url ?? "");
      if (request.url === "/moved") {
        const { port } = server.address() as net.AddressInfo;
        response.writeHead(302, { location: `http://127.0.0.1:${port}/tarsnode.tgz` }).end();
      } else response.writeHead(200).end(archive);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const packageUrl = `http://127.0.0.1:${port}/moved`;
      fs.writeFileSync(sb.userData, renderTarsnodeBootstrap({ ...sb.input(), packageUrl }));
      const child = spawn("bash", [sb.userData, "run"], { env: sb.env });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const closed = new Promise((resolve) => child.on("close", resolve));
      await new Promise((resolve) => setTimeout(resolve, 3500));
      child.kill("SIGTERM");
      await closed;
      expect(requests.length, output).toBeGreaterThanOrEqual(2);
      expect(new Set(requests)).toEqual(new Set(["/moved"])); // the redirect is never followed
      expect(output).toContain(`waiting for the tarsnode package at ${packageUrl} (attempt 2)`);
      expect(fs.existsSync(join(sb.installDir, "tarsnode"))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("installs itself as an enabled systemd unit and starts it without waiting", () => {
    const sb = makeSandbox();
    const first = sb.run(sb.input(), "install");
    expect(first.status, first.output).toBe(0);
    const installed = sb.at("sbin/tarsfed-tarsnode-bootstrap");
    expect(read(installed)).toBe(read(sb.userData));
    expect(fs.statSync(installed).mode & 0o777).toBe(0o755);
    const unit = sb.at(`systemd/${BOOTSTRAP_UNIT}`);
    expect(read(unit)).toBe(
      [
        "[Unit]",
        "Description=tarsfed: join this machine to TARS as a tarsnode (demo/guangzhou/legacy)",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        "KillMode=process",
        "TimeoutStartSec=0",
        `ExecStart=${installed} run`,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
    const enableAndStart = `systemctl enable ${BOOTSTRAP_UNIT}\nsystemctl start --no-block ${BOOTSTRAP_UNIT}\n`;
    expect(read(sb.calls)).toBe(`systemctl daemon-reload\n${enableAndStart}`);
    expect(fs.existsSync(join(sb.installDir, "tarsnode"))).toBe(false); // the unit does that

    const before = [installed, unit].map(stamp);
    const again = sb.run(sb.input(), "install");
    expect(again.status, again.output).toBe(0);
    expect([installed, unit].map(stamp)).toEqual(before);
    expect(read(sb.calls)).toBe(`systemctl daemon-reload\n${enableAndStart}${enableAndStart}`);
  });

  it("ends configured after waiting for a package server and a registry that come up late", async () => {
    const sb = makeSandbox();
    const archive = fs.readFileSync(sb.at("tarsnode.tgz"));
    const partial = archive.subarray(0, Math.floor(archive.length / 2));
    const html = "<html>soon</html>";
    const started = Date.now();
    const served: string[] = [];
    // Like tarsweb before the package is in place: 404, then an error page with 200, then half
    // of the package (still being copied in), then all of it. One phase per request.
    const phases = ["404", "html", "partial"] as const;
    const packages = http.createServer((request, response) => {
      const phase = phases[served.length] ?? "package";
      served.push(phase);
      if (request.url !== "/files/tarsnode.tgz" || phase === "404") {
        response.writeHead(404).end("not found");
      } else if (phase === "html") {
        response.writeHead(200, { "content-type": "text/html" }).end(html);
      } else {
        const body = phase === "partial" ? partial : archive;
        response.writeHead(200, { "content-type": "application/gzip" }).end(body);
      }
    });
    await new Promise<void>((resolve) => packages.listen(0, "127.0.0.1", resolve));
    const webPort = (packages.address() as net.AddressInfo).port;
    // The registry's port opens only after 5 s, well after the fourth download (about 3 s).
    const latePort = await freePort();
    const lateRegistry = net.createServer((socket) => socket.destroy());
    const opening = setTimeout(() => lateRegistry.listen(latePort, "127.0.0.1"), 5000);
    try {
      const input = sb.input({ registryEndpoints: [{ host: "127.0.0.1", port: latePort }] });
      const packageUrl = `http://127.0.0.1:${webPort}/files/tarsnode.tgz`;
      fs.writeFileSync(sb.userData, renderTarsnodeBootstrap({ ...input, packageUrl }));
      const child = spawn("bash", [sb.userData, "run"], { env: sb.env });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      clearTimeout(killer);

      expect(code, output).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
      expect(served).toEqual(["404", "html", "partial", "package"]);
      const refused = (body: Buffer | string) =>
        `REFUSED ${packageUrl}: sha256 ${sha256(body)}, expected ${sb.packageSha256}; not unpacked`;
      expect(output).toContain(`waiting for the tarsnode package at ${packageUrl} (attempt 1)`);
      expect(output).toContain(refused(html));
      expect(output).toContain(`${refused(partial)}\n`);
      expect(output).toContain(`waiting for the tarsnode package at ${packageUrl} (attempt 3)`);
      expect(output).toContain(`waiting for a registry (127.0.0.1:${latePort}) (attempt 1)`);
      expect(output).toContain(`registry 127.0.0.1:${latePort} accepts connections`);
      const conf = parseTarsConf(read(sb.conf));
      expect(conf.get("/tars/application/client<locator>")).toBe(
        `tars.tarsregistry.QueryObj@tcp -h 127.0.0.1 -p ${latePort}`,
      );
      expect(conf.get("/tars/application/server<localip>")).toBe("10.1.2.3");
      expect(read(sb.calls)).toBe(`tarsnode --nodeid=10.1.2.3 --config=${sb.conf}\n`);
      expect(fs.existsSync(sb.at("cron.d/tarsnode"))).toBe(true);
      expect(fs.readdirSync(sb.installDir).sort()).toEqual(["app_log", "tarsnode"]);
    } finally {
      clearTimeout(opening);
      await new Promise<void>((resolve) => packages.close(() => resolve()));
      await new Promise<void>((resolve) => lateRegistry.close(() => resolve()));
    }
  });
});
