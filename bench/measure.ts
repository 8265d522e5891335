/**
 * Time and peak memory of one run, measured the same way for the plan and its baselines.
 *
 * Timers don't fire while a Pulumi program runs (its work is one long chain of microtasks), so
 * memory is sampled from the runner's registration hook instead of an interval.
 */
import { performance } from "node:perf_hooks";

/** One measurement. */
export interface Measurement {
  readonly seconds: number;
  /** Highest heap use above the heap before the run (after a full collection when available), MiB. */
  readonly peakHeapMiB: number;
  /** Highest resident set size during the run, MiB. */
  readonly peakRssMiB: number;
}

const MIB = 1024 * 1024;
const SAMPLE_EVERY = 25;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

/** Runs `work` (which calls `probe` now and then) and measures it. */
export async function measure(work: (probe: () => void) => Promise<unknown>): Promise<Measurement> {
  collect();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  let calls = 0;
  const sample = () => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
  };
  const probe = () => {
    calls += 1;
    if (calls % SAMPLE_EVERY === 0) sample();
  };
  const started = performance.now();
  await work(probe);
  const seconds = (performance.now() - started) / 1000;
  sample();
  return { seconds, peakHeapMiB: (peakHeap - before.heapUsed) / MIB, peakRssMiB: peakRss / MIB };
}
