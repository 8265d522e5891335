/**
 * Kubernetes resource quantities for CPU and memory, as the capacity maths needs them.
 *
 * Only the forms that make sense for requests are accepted: CPU in cores (`2`, `0.5`) or
 * millicores (`500m`); memory in bytes or with a binary (`Ki`, `Mi`, `Gi`, `Ti`) or decimal
 * (`k`, `M`, `G`, `T`) suffix.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

/** A parsed quantity, or why it could not be read. */
export type QuantityResult =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const MEMORY_BYTES: Record<string, number> = {
  "": 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** Reads a CPU quantity as whole millicores (rounded up, as the scheduler does). */
export function parseCpuMilli(value: string | number): QuantityResult {
  const text = String(value);
  const match = CPU.exec(text);
  if (match === null) {
    return {
      ok: false,
      reason: `not a CPU quantity, got ${JSON.stringify(value)}, expected cores such as 2 or 0.5, or millicores such as 500m`,
    };
  }
  const amount = Number(match[1]);
  const milli = Math.ceil(match[2] === "m" ? amount : amount * 1000);
  if (milli <= 0) return { ok: false, reason: `must be more than 0, got ${JSON.stringify(value)}` };
  return { ok: true, value: milli };
}

/** Reads a memory quantity as whole MiB (rounded up). */
export function parseMemoryMiB(value: string | number): QuantityResult {
  const text = String(value);
  const match = MEMORY.exec(text);
  if (match === null) {
    return {
      ok: false,
      reason: `not a memory quantity, got ${JSON.stringify(value)}, expected a number with Ki, Mi, Gi or Ti such as 512Mi`,
    };
  }
  const bytes = Number(match[1]) * MEMORY_BYTES[match[2] ?? ""];
  const mib = Math.ceil(bytes / 1024 ** 2);
  if (mib <= 0) return { ok: false, reason: `must be at least 1Mi, got ${JSON.stringify(value)}` };
  return { ok: true, value: mib };
}

/** Formats millicores for people: `1500` → `1.5`, `250` → `250m`. */
export function formatCpu(milli: number): string {
  return milli % 1000 === 0 || milli >= 10_000 ? `${Math.round(milli / 100) / 10}` : `${milli}m`;
}

/** Formats MiB for people: `1536` → `1.5Gi`, `512` → `512Mi`. */
export function formatMemory(mib: number): string {
  return Math.abs(mib) >= 1024 ? `${Math.round((mib / 1024) * 10) / 10}Gi` : `${mib}Mi`;
}
