/**
 * Every environment variable of every container that tarscli runs in the demo fleet's manifests
 * is one that tarscli or its image reads, in the format K8STARS parses.
 *
 * The real tarscli cannot be built here, so its parsers are ported below, line for line, from
 * K8STARS (github.com/TarsCloud/K8STARS at feeeb1d, the tag v1.1.3 line); each cites its source.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { collectManifests } from "../../cli/manifests/collect";
import { type ManifestObject } from "../../cli/manifests/types";
import { planFleet } from "../../cli/plan/plan-fleet";
import { loadFleet } from "../../fleet/model/load";
import { type FleetPlan, type Json } from "../../fleet/stacks/plan-document";

// ---- Ports of K8STARS' parsers -------------------------------------------------------------

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Go's `strconv.ParseInt(s, 10, 64)`: an optional sign, then decimal digits only (no spaces, no
 * underscores with an explicit base), within int64. `strconv.Atoi` accepts the same on 64-bit.
 * @see https://pkg.go.dev/strconv#ParseInt
 */
function parseInt64(s: string): Parsed<bigint> {
  if (!/^[+-]?[0-9]+$/.test(s)) return { ok: false, error: `strconv.ParseInt: parsing "${s}"` };
  const value = BigInt(s);
  if (value > INT64_MAX || value < INT64_MIN) {
    return { ok: false, error: `strconv.ParseInt: parsing "${s}": value out of range` };
  }
  return { ok: true, value };
}

const NANOS = { ns: 1n, us: 1_000n, ms: 1_000_000n } as const;
const LONG_NANOS = {
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
} as const;

/**
 * `tinycli.GetTimeDuration`, K8STARS `tinycli/flags.go` lines 10-54, in nanoseconds. Every
 * duration tarscli reads from the environment goes through it (`setFlagDuration`, lines 74-85).
 */
function getTimeDuration(v: string): Parsed<bigint> {
  const bad: Parsed<bigint> = { ok: false, error: `bad forma of time value: ${v}` }; // line 30, 46, 49
  if (v === "" || v === "0") return { ok: true, value: 0n }; // lines 11-13
  let ret = 0n;
  let hasSet = false;
  if (v.length > 2) {
    // lines 16-32: a two-letter unit
    hasSet = true;
    const vv = parseInt64(v.slice(0, -2));
    const unit = v.slice(-2);
    if (unit in NANOS) ret = (vv.ok ? vv.value : 0n) * NANOS[unit as keyof typeof NANOS];
    else hasSet = false;
    if (hasSet && !vv.ok) return bad;
  }
  if (!hasSet) {
    // lines 33-51: a one-letter unit, or nothing tinycli accepts
    const vv = parseInt64(v.slice(0, -1));
    const unit = v.slice(-1);
    if (!(unit in LONG_NANOS)) return bad;
    if (!vv.ok) return bad;
    ret = vv.value * LONG_NANOS[unit as keyof typeof LONG_NANOS];
  }
  return { ok: true, value: ret };
}

/** `setFlagInt`, K8STARS `tinycli/flags.go` lines 56-64: `strconv.Atoi`. */
function getInt(v: string): Parsed<bigint> {
  return parseInt64(v);
}

/**
 * Whether `TARS_DISABLE_FLOW` turns the pod's traffic off. tinycli has no boolean flag: the
 * supervisor reads it as a string (`app/supervisor/launch.go` line 66, `setFlagString` in
 * `tinycli/flags.go` lines 66-72 takes the value as it is) and registers without flow when it is
 * not empty (`launch.go` line 222: `registerNode(sConf, c.disableFlow != "")`). So `"false"` and
 * `"0"` disable the flow too.
 */
function disablesFlow(v: string | undefined): boolean {
  return v !== undefined && v !== "";
}

// ---- What tarscli and the images read ------------------------------------------------------

/** How a variable's value is parsed. */
type Format = "string" | "duration" | "int" | "flag" | "setId" | "locator" | "name" | "podIp";

/**
 * Every variable tarscli reads, with where and how.
 *
 * tarscli's commands are `supervisor` (which runs `genconf` first, `launch.go` lines 256-261),
 * `genconf`, `hzcheck`, `prestop`, `syncdir` and `notify` (`cmd/tarscli/main.go` lines 27-58).
 */
const TARSCLI_READS: Readonly<Record<string, { format: Format; source: string }>> = {
  POD_IP: { format: "podIp", source: "consts/vars.go:41" },
  TARS_NAMESPACE: { format: "string", source: "consts/vars.go:46" },
  TARS_PATH: { format: "string", source: "consts/vars.go:49" },
  TARS_RAND_PORT_MIN: { format: "int", source: "consts/vars.go:52-53 (strconv.Atoi)" },
  TARS_RAND_PORT_MAX: { format: "int", source: "consts/vars.go:57-58 (strconv.Atoi)" },
  TARS_APPLICATION: { format: "name", source: "app/genconf/genconf.go:37, 50" },
  TARS_SERVER: { format: "name", source: "app/genconf/genconf.go:38, 50" },
  TARS_BUILD_SERVER: { format: "string", source: "app/genconf/genconf.go:39" },
  TARS_SET_ID: { format: "setId", source: "app/genconf/genconf.go:40" },
  TARS_LOCATOR: { format: "locator", source: "app/genconf/genconf.go:41" },
  TARS_MERGE_CONF: { format: "string", source: "app/genconf/genconf.go:42" },
  TARS_EP_UPTIME: { format: "int", source: "app/genconf/genconf.go:43" },
  TARS_START_PATH: { format: "string", source: "app/supervisor/launch.go:63" },
  TARS_STOP_PATH: { format: "string", source: "app/supervisor/launch.go:64" },
  TARS_REPORT_INTERVAL: {
    format: "duration",
    source: "app/supervisor/launch.go:65, app/hzcheck/hzcheck.go:30",
  },
  TARS_DISABLE_FLOW: { format: "flag", source: "app/supervisor/launch.go:66, 222" },
  TARS_CHECK_INTERVAL: { format: "duration", source: "app/supervisor/launch.go:67" },
  TARS_BEFORE_CHECK_SCRIPT: { format: "string", source: "app/supervisor/launch.go:68" },
  TARS_CHECK_SCRIPT_TIMEOUT: { format: "duration", source: "app/supervisor/launch.go:69" },
  TARS_PRESTOP_WAITTIME: {
    format: "duration",
    source: "app/supervisor/launch.go:70, app/prestop/prestop.go:35",
  },
  TARS_ACTIVATING_TIMEOUT: { format: "duration", source: "app/supervisor/launch.go:71" },
  TARS_CHECK_RETRY_TIMEOUT: { format: "duration", source: "app/supervisor/launch.go:72" },
  SERVER_VERSION: {
    format: "string",
    source: "app/supervisor/launch.go:145, app/supervisor/report.go:107",
  },
  TARS_SYNC_DIRECTORY: { format: "string", source: "app/syncdir/sync.go:30" },
  TARS_SYNC_TARGET_DIRECTORY: { format: "string", source: "app/syncdir/sync.go:31" },
};

/** Variables K8STARS' images document besides tarscli's own. */
const IMAGES_READ: Readonly<Record<string, string>> = {
  // baseserver/default.env lines 2-20, used by baseserver/start.sh, cppregistry/start.sh,
  // tarsregistry/start.sh (DB_DSN, line 8) to fill the server config.
  DB_HOST: "baseserver/default.env:2",
  DB_PORT: "baseserver/default.env:7",
  DB_USER: "baseserver/default.env:12",
  DB_PASS: "baseserver/default.env:17",
  DB_DSN: "tarsregistry/main.go:24",
  TARS_SERVER: "baseserver/Dockerfile:8",
};

/** K8STARS images built `FROM tarscli` (baseserver/Dockerfile, cppregistry/, tarsregistry/). */
const TARSCLI_IMAGES = new Set([
  "tarscli",
  "tarsregistry",
  "cppregistry",
  "tarsstat",
  "tarsconfig",
  "tarslog",
  "tarsnotify",
  "tarsproperty",
  "tarsquerystat",
  "tarsqueryproperty",
]);

/** A TARS proxy string for the registry's QueryObj: `obj@tcp -h H -p P[ -t T][:...]`. */
const LOCATOR =
  /^tars\.tarsregistry\.QueryObj@tcp -h \S+ -p \d+( -t \d+)?(:tcp -h \S+ -p \d+( -t \d+)?)*$/;

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { fieldRef?: { fieldPath?: string } };
}

interface Container {
  readonly name: string;
  readonly image: string;
  readonly env?: readonly EnvVar[];
  readonly readinessProbe?: Json;
  readonly lifecycle?: Json;
  readonly command?: readonly string[];
}

/** One container of a workload, with what the test needs of its workload. */
interface Placed {
  readonly where: string;
  readonly warmStandby: boolean;
  readonly container: Container;
}

function podContainers(object: ManifestObject): Placed[] {
  const spec = object.object.spec as
    | { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } }
    | undefined;
  const pod = spec?.template?.spec;
  const labels = (object.object.metadata as { labels?: Record<string, string> } | undefined)
    ?.labels;
  const warmStandby = labels?.["tarsfed.io/role"] === "warm-standby";
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].map((container) => ({
    where: `${object.cluster}/${object.namespace ?? ""}/${object.kind}/${object.name}/${container.name}`,
    warmStandby,
    container,
  }));
}

/** The image's repository name without registry, path or tag: `.../tarsnotify:v1.1.3` → `tarsnotify`. */
function imageName(image: string): string {
  const path = image.split("@")[0];
  const last = path.slice(path.lastIndexOf("/") + 1);
  return last.includes(":") ? last.slice(0, last.indexOf(":")) : last;
}

/**
 * Whether tarscli runs in the container: a tarscli probe, hook or command, or a tarscli image
 * left to its own `CMD tarscli supervisor` (a `command` replaces it: tarslog's retention
 * container runs the tarslog image's bash, not tarscli).
 */
function runsTarscli(c: Container): boolean {
  const invoked = JSON.stringify([c.readinessProbe, c.lifecycle, c.command]).includes("tarscli");
  return invoked || (c.command === undefined && TARSCLI_IMAGES.has(imageName(c.image)));
}

/** What tarscli would refuse or misread in one container's environment. */
function envProblems(placed: Placed): string[] {
  const problems: string[] = [];
  const say = (name: string, message: string) => problems.push(`${name}: ${message}`);
  for (const v of placed.container.env ?? []) {
    const read = TARSCLI_READS[v.name];
    if (read === undefined && IMAGES_READ[v.name] === undefined) {
      say(v.name, "neither tarscli nor a K8STARS image reads it");
      continue;
    }
    if (read === undefined) continue;
    if (read.format === "podIp") {
      if (v.valueFrom?.fieldRef?.fieldPath !== "status.podIP") say(v.name, "not the pod's IP");
      continue;
    }
    if (v.value === undefined) {
      say(v.name, "not a literal value");
      continue;
    }
    const value = v.value;
    const parsed =
      read.format === "duration"
        ? getTimeDuration(value)
        : read.format === "int"
          ? getInt(value)
          : { ok: true as const, value: 0n };
    if (!parsed.ok) say(v.name, `${parsed.error} (${read.source})`);
    if (read.format === "name" && value === "") {
      say(v.name, "empty: genconf refuses to start");
    }
    // tarsregistry/imp.go lines 42-47: a Set only when the id splits into three parts.
    if (read.format === "setId" && !value.split(".").every((p) => p !== "")) {
      say(v.name, `${JSON.stringify(value)} is not name.area.group`);
    }
    if (read.format === "setId" && value.split(".").length !== 3) {
      say(v.name, `${JSON.stringify(value)} has no three parts: the registry ignores the Set`);
    }
    // tarsproxy/tarsregistry.go line 51: no registry client without "@".
    if (read.format === "locator" && !LOCATOR.test(value)) {
      say(v.name, `${JSON.stringify(value)} is not a QueryObj proxy string`);
    }
  }
  const flow = placed.container.env?.find((v) => v.name === "TARS_DISABLE_FLOW");
  if (disablesFlow(flow?.value) !== placed.warmStandby) {
    say(
      "TARS_DISABLE_FLOW",
      placed.warmStandby ? "a warm standby that takes traffic" : "an active pod with no traffic",
    );
  }
  return problems;
}

// ---- The tests -----------------------------------------------------------------------------

let plan: FleetPlan;
let tarscliContainers: Placed[];

beforeAll(async () => {
  plan = await planFleet(loadFleet("stacks/fleet.yaml"));
  tarscliContainers = collectManifests(plan)
    .objects.flatMap(podContainers)
    .filter((p) => runsTarscli(p.container));
});

describe("the ports of tinycli", () => {
  // The cases of K8STARS' own tinycli/flags_test.go lines 11-36.
  it.each([
    ["0", 0n],
    ["1ns", 1n],
    ["1us", 1_000n],
    ["1ms", 1_000_000n],
    ["-1s", -1_000_000_000n],
    ["1m", 60_000_000_000n],
    ["2h", 7_200_000_000_000n],
    ["1d", 86_400_000_000_000n],
    ["80s", 80_000_000_000n],
    ["", 0n],
  ])("reads %j as tinycli does", (text, nanos) => {
    expect(getTimeDuration(text)).toEqual({ ok: true, value: nanos });
  });

  it.each(["80", "100", "a1", "a1s", "a1ms", "100as", "10mm", "1.5s", "s", "80 s", "80S"])(
    "fails on %j as tinycli does",
    (text) => {
      expect(getTimeDuration(text)).toEqual({
        ok: false,
        error: `bad forma of time value: ${text}`,
      });
    },
  );

  it("fails on an int that strconv.Atoi refuses", () => {
    expect(getInt("-1a1").ok).toBe(false);
    expect(getInt("13000")).toEqual({ ok: true, value: 13000n });
  });

  it.each([
    [undefined, false],
    ["", false],
    ["true", true],
    ["false", true],
  ])("reads TARS_DISABLE_FLOW=%j as disabling the flow: %s", (value, disabled) => {
    expect(disablesFlow(value)).toBe(disabled);
  });
});

describe("tarscli's environment in the demo fleet", () => {
  it("finds the tarscli containers: registries, Set Deployments with their warm standbys, base and home services", () => {
    const kinds = new Set(tarscliContainers.map((p) => p.container.name));
    expect(kinds).toEqual(
      new Set([
        "tars-cppregistry",
        "tars-registry",
        "helloserver",
        "orderserver",
        "cartserver",
        "tarsconfig",
        "tarslog",
        "tarsstat",
        "tarsproperty",
        "tarsnotify",
        "tarsquerystat",
        "tarsqueryproperty",
        "tarsadminregistry",
        "tarspatch",
      ]),
    );
    expect(tarscliContainers.some((p) => p.warmStandby)).toBe(true);
  });

  it("gives tarscli only variables it or its image reads, each in a format it parses", () => {
    const problems = tarscliContainers.flatMap((p) =>
      envProblems(p).map((problem) => `${p.where}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it("renders every duration with a unit, as tarscli reads it", () => {
    const waits = tarscliContainers.flatMap((p) =>
      (p.container.env ?? []).filter((v) => v.name === "TARS_PRESTOP_WAITTIME"),
    );
    expect(waits.length).toBeGreaterThan(0);
    expect(new Set(waits.map((v) => v.value))).toEqual(new Set(["80s"]));
  });

  it("fails on a bare number of seconds, which tarscli refuses", () => {
    const first = tarscliContainers.find((p) =>
      p.container.env?.some((v) => v.name === "TARS_PRESTOP_WAITTIME"),
    );
    if (first === undefined) throw new Error("no container with TARS_PRESTOP_WAITTIME");
    const old: Placed = {
      ...first,
      container: {
        ...first.container,
        env: (first.container.env ?? []).map((v) =>
          v.name === "TARS_PRESTOP_WAITTIME" ? { ...v, value: "80" } : v,
        ),
      },
    };
    expect(envProblems(old)).toEqual([
      "TARS_PRESTOP_WAITTIME: bad forma of time value: 80 (app/supervisor/launch.go:70, app/prestop/prestop.go:35)",
    ]);
  });

  it.each([
    [
      "TARS_SET_ID",
      "app.gz",
      'TARS_SET_ID: "app.gz" has no three parts: the registry ignores the Set',
    ],
    [
      "TARS_LOCATOR",
      "tcp -h x -p 17890",
      'TARS_LOCATOR: "tcp -h x -p 17890" is not a QueryObj proxy string',
    ],
    [
      "TARS_REPORTINTERVAL",
      "30s",
      "TARS_REPORTINTERVAL: neither tarscli nor a K8STARS image reads it",
    ],
  ])("fails on %s=%j", (name, value, expected) => {
    const first = tarscliContainers.find(
      (p) => !p.warmStandby && p.container.name === "helloserver",
    );
    if (first === undefined) throw new Error("no active helloserver container");
    const env = (first.container.env ?? []).filter((v) => v.name !== name);
    const broken = { ...first, container: { ...first.container, env: [...env, { name, value }] } };
    expect(envProblems(broken)).toEqual([expected]);
  });
});
