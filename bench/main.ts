/**
 * `npm run bench`: offline plan time and peak memory for fleets of about 1k, 5k and 20k
 * resources, each beside baselines run in the same process under the same mocks.
 *
 * Usage: `npm run bench -- [--json] [--sizes 1k,5k,20k] [--repeat N] [--no-minimality] [--large-minimality]`.
 * Each size is measured `--repeat` times (default 3, 1 for 20k) and the median run is reported.
 * Ratios, not absolute times, are the result: this machine is shared and noisy.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadFleet } from "../fleet/model/load";
import { planFleet } from "../cli/plan/plan-fleet";
import { runStack } from "../cli/offline/run-stack";
import { type FleetPlan } from "../fleet/stacks/plan-document";
import { table } from "../cli/render";
import { minimalProgram, replayProgram, typedProgram, type Program } from "./baseline";
import { generateFleetText, type FleetShape } from "./generate-fleet";
import { measure, type Measurement } from "./measure";

/** The fleet shapes of each size; resources ≈ 4 per Set Deployment plus each cluster's framework. */
export const SIZES: Readonly<Record<string, FleetShape>> = {
  "1k": {
    regions: 3,
    clustersPerRegion: 2,
    sets: 30,
    servers: 50,
    setsPerServer: 5,
    cvmPerRegion: 1,
  },
  "5k": {
    regions: 4,
    clustersPerRegion: 2,
    sets: 80,
    servers: 250,
    setsPerServer: 5,
    cvmPerRegion: 1,
  },
  "20k": {
    regions: 5,
    clustersPerRegion: 2,
    sets: 200,
    servers: 1000,
    setsPerServer: 5,
    cvmPerRegion: 1,
  },
};

/** One size's result. */
export interface SizeResult {
  readonly size: string;
  readonly resources: number;
  readonly plan: Measurement;
  readonly replay: Measurement;
  readonly typed: Measurement;
  readonly minimal: Measurement;
  /** Plan time ÷ replay time: the ratio to the baseline (the same resources as plain resources). */
  readonly timeRatio: number;
  /** Peak heap ÷ replay's peak heap. */
  readonly memoryRatio: number;
  /** Plan time ÷ typed time: what this project's own code adds to the SDK classes it uses. */
  readonly timeRatioToTyped: number;
  /** Plan time ÷ minimal time: the whole cost of the payloads and the program per resource. */
  readonly timeRatioToMinimal: number;
  /** Plan time per resource, microseconds. */
  readonly microsecondsPerResource: number;
}

async function runProgramPerStack(
  plan: FleetPlan,
  programOf: (resources: FleetPlan["stacks"][number]["resources"]) => Program,
  probe: () => void,
): Promise<void> {
  for (const stack of plan.stacks) {
    await runStack({
      stack: stack.name,
      config: {},
      secretKeys: [],
      references: new Map(),
      program: programOf(stack.resources),
      onRegistration: probe,
    });
  }
}

/** Measures one size: the plan, then its replay and minimal baselines. */
export async function benchSize(size: string, shape: FleetShape, dir: string): Promise<SizeResult> {
  const file = path.join(dir, `fleet-${size}.yaml`);
  writeFileSync(file, generateFleetText(shape));
  let plan: FleetPlan | undefined;
  const planned = await measure(async (probe) => {
    plan = await planFleet(loadFleet(file), { onRegistration: probe });
  });
  const result = plan as unknown as FleetPlan;
  const resources = result.stacks.reduce((n, s) => n + s.resources.length, 0);
  const replay = await measure((probe) => runProgramPerStack(result, replayProgram, probe));
  const typed = await measure((probe) => runProgramPerStack(result, typedProgram, probe));
  const minimal = await measure((probe) =>
    runProgramPerStack(result, (r) => minimalProgram(r.length), probe),
  );
  return {
    size,
    resources,
    plan: planned,
    replay,
    typed,
    minimal,
    timeRatio: planned.seconds / replay.seconds,
    memoryRatio: planned.peakHeapMiB / Math.max(1, replay.peakHeapMiB),
    timeRatioToTyped: planned.seconds / typed.seconds,
    timeRatioToMinimal: planned.seconds / minimal.seconds,
    microsecondsPerResource: (planned.seconds * 1e6) / resources,
  };
}

function median(results: SizeResult[]): SizeResult {
  return [...results].sort((a, b) => a.timeRatio - b.timeRatio)[Math.floor(results.length / 2)];
}

function render(results: readonly SizeResult[]): string {
  const f = (n: number, d = 2) => n.toFixed(d);
  const rows = results.map((r) => [
    r.size,
    r.resources,
    f(r.plan.seconds),
    f(r.replay.seconds),
    f(r.timeRatio),
    `${f(r.plan.peakHeapMiB, 0)} / ${f(r.replay.peakHeapMiB, 0)}`,
    f(r.memoryRatio),
    f(r.timeRatioToTyped),
    f(r.timeRatioToMinimal),
    f(r.microsecondsPerResource, 0),
  ]);
  const growth =
    results.length > 1
      ? results[results.length - 1].microsecondsPerResource / results[0].microsecondsPerResource
      : 1;
  return [
    table(
      [
        "size",
        "resources",
        "plan s",
        "baseline s",
        "time ratio",
        "peak heap MiB (plan / baseline)",
        "memory ratio",
        "ratio to typed",
        "ratio to minimal",
        "µs per resource",
      ],
      rows,
    ),
    "baseline: the plan's resources registered again as plain resources (same types, names, inputs), same mocks, same process;",
    "typed: the same through the SDK classes the program uses, so 'ratio to typed' is what this project's own code adds.",
    `cost per resource from the smallest to the largest size: ×${growth.toFixed(2)} (1.00 is linear growth)`,
  ].join("\n");
}

interface Flags {
  json: boolean;
  sizes: string[];
  repeat?: number;
  minimality: boolean;
  largeMinimality: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = {
    json: false,
    sizes: Object.keys(SIZES),
    minimality: true,
    largeMinimality: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") flags.json = true;
    else if (arg === "--no-minimality") flags.minimality = false;
    else if (arg === "--large-minimality") flags.largeMinimality = true;
    else if (arg === "--sizes") flags.sizes = (argv[++i] ?? "").split(",");
    else if (arg === "--repeat") flags.repeat = Math.max(1, Number(argv[++i]));
    else
      throw new Error(
        `unknown flag ${arg}; expected --json, --sizes 1k,5k,20k, --repeat N, --no-minimality`,
      );
  }
  for (const size of flags.sizes)
    if (!(size in SIZES))
      throw new Error(`unknown size ${size}; expected ${Object.keys(SIZES).join(", ")}`);
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-bench-"));
  process.stderr.write("warming up (the demo fleet and its replay)…\n");
  await benchSize(
    "warm-up",
    { regions: 2, clustersPerRegion: 1, sets: 4, servers: 4, setsPerServer: 2 },
    dir,
  );
  const results: SizeResult[] = [];
  for (const size of flags.sizes) {
    const runs: SizeResult[] = [];
    const repeat = flags.repeat ?? (size === "20k" ? 1 : 3);
    for (let i = 0; i < repeat; i++) {
      process.stderr.write(`planning the ${size} fleet (run ${i + 1} of ${repeat})…\n`);
      runs.push(await benchSize(size, SIZES[size], dir));
    }
    results.push(median(runs));
  }
  let minimality: unknown;
  if (flags.minimality) {
    const { changeMinimality, renderMinimality } = await import("./minimality");
    process.stderr.write("change minimality: the demo fleet…\n");
    minimality = await changeMinimality("stacks/fleet.yaml");
    if (!flags.json)
      process.stdout.write(
        `${renderMinimality(minimality as Parameters<typeof renderMinimality>[0])}\n`,
      );
  }
  if (flags.json)
    process.stdout.write(`${JSON.stringify({ sizes: results, minimality }, null, 2)}\n`);
  else process.stdout.write(`${render(results)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
