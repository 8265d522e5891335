/**
 * Tencent Cloud CVM instance type names, and what Kubernetes can schedule on a TKE node of each.
 *
 * Sizes are read from the name alone (`S5.2XLARGE16` → 8 vCPU, 16 GiB), so planning needs no
 * cloud call. The name says nothing about whether a zone sells the type; that is checked at deploy
 * time.
 */

/** Size of a CVM instance type as read from its name. */
export interface InstanceSize {
  /** Instance family, e.g. `S5`, `SA5`, `S9e`, `SN3ne`. */
  readonly family: string;
  /** Number of vCPUs. */
  readonly vCpu: number;
  /** Memory in GiB, as the trailing number of the name. */
  readonly memoryGiB: number;
}

/**
 * Outcome of {@link parseInstanceType}: the size, or a lowercase reason for an error message.
 *
 * The reason quotes the name, so it can stand alone after a field path.
 */
export type ParseInstanceTypeResult =
  | { readonly ok: true; readonly type: InstanceSize }
  | { readonly ok: false; readonly reason: string };

/** CPU and memory Kubernetes can schedule on a node, after the node's reservations. */
export interface AllocatableResources {
  /** Schedulable CPU in millicores (1000 = one vCPU). */
  readonly cpuMilli: number;
  /** Schedulable memory in MiB. */
  readonly memoryMiB: number;
}

/**
 * vCPUs of the named sizes; `<n>XLARGE` has `4 * n`.
 *
 * Tencent Cloud's ladder is SMALL 1, MEDIUM 2, LARGE 4, 2XLARGE 8, 3XLARGE 12 … and, unlike AWS,
 * has no plain `XLARGE`: Tencent's S5 size table and DescribeInstanceTypeConfigs output list
 * `S5.LARGE8` (4 vCPU), `S5.2XLARGE16` (8), `S5.6XLARGE48` (24), `S5.16XLARGE128` (64) and never
 * `S5.XLARGE…`. The API returns `CPU` and `Memory` (GiB) next to each `InstanceType`.
 * @see https://www.tencentcloud.com/document/product/213/33260 (DescribeInstanceTypeConfigs)
 */
export const NAMED_SIZE_VCPU = { SMALL: 1, MEDIUM: 2, LARGE: 4 } as const;

/**
 * Memory per vCPU, in GiB, that a readable name may have.
 *
 * Tencent families run from 1 GiB per vCPU (`S5.SMALL1`, `S5.LARGE4`) to 8 for memory-optimized
 * ones (`M9.MEDIUM16`); 32 leaves room for future memory-heavy families. A name outside the range,
 * like `S5.LARGE800`, is almost surely a typo, and sizing a fleet from it would be badly wrong.
 */
export const MEMORY_PER_VCPU_GIB_RANGE = { min: 1, max: 32 } as const;

/**
 * Memory the kubelet holds back for hard eviction on TKE nodes, in MiB.
 *
 * TKE's reservation page: by default the eviction threshold is 100 MiB on top of kube-reserved,
 * i.e. Allocatable = Capacity − Reserved − 100 MiB.
 * @see https://cloud.tencent.com/document/product/457/76057
 */
export const EVICTION_THRESHOLD_MIB = 100;

// Family: capital letters, digits, then optional letters (S5, SA5, IT5, GN7, S9e, SN3ne, GN10Xp).
// Size: SMALL, MEDIUM, LARGE or <n>XLARGE with n >= 2 (LARGE already is 4 vCPU).
// Memory: GiB without leading zeros. Digit counts are capped so the numbers stay exact.
const INSTANCE_TYPE_PATTERN =
  /^([A-Z]+\d+[A-Za-z]*)\.(?:(SMALL|MEDIUM|LARGE)|([2-9]|[1-9]\d{1,2})XLARGE)(0|[1-9]\d{0,5})$/;

/**
 * Reads family, vCPUs and memory from a Tencent CVM instance type name.
 *
 * Names are `<FAMILY>.<SIZE><memoryGiB>`: `S5.LARGE8` is 4 vCPU and 8 GiB, `SA5.2XLARGE16` 8 vCPU
 * and 16 GiB, `M5.4XLARGE64` 16 vCPU and 64 GiB. Fails, without throwing, on names of another
 * form, on 0 GiB, and on memory outside {@link MEMORY_PER_VCPU_GIB_RANGE} per vCPU.
 */
export function parseInstanceType(name: string): ParseInstanceTypeResult {
  const match = INSTANCE_TYPE_PATTERN.exec(name);
  if (match === null) {
    const reason =
      `unreadable instance type ${JSON.stringify(name)}, expected FAMILY.SIZE<memoryGiB> such as S5.LARGE8 ` +
      `(SIZE: SMALL, MEDIUM, LARGE, <n>XLARGE)`;
    return { ok: false, reason };
  }
  const [, family, namedSize, xlargeMultiple, memory] = match;
  const vCpu =
    namedSize !== undefined
      ? NAMED_SIZE_VCPU[namedSize as keyof typeof NAMED_SIZE_VCPU]
      : 4 * Number(xlargeMultiple);
  const memoryGiB = Number(memory);
  if (memoryGiB === 0) {
    return {
      ok: false,
      reason: `unreadable instance type ${JSON.stringify(name)}, memory must be at least 1 GiB`,
    };
  }
  const { min, max } = MEMORY_PER_VCPU_GIB_RANGE;
  if (memoryGiB < min * vCpu || memoryGiB > max * vCpu) {
    const reason =
      `unreadable instance type ${JSON.stringify(name)}, ${memoryGiB} GiB for ${vCpu} vCPU is outside ` +
      `${min} to ${max} GiB per vCPU (probably a typo)`;
    return { ok: false, reason };
  }
  return { ok: true, type: { family, vCpu, memoryGiB } };
}

/** A marginal reservation rate that applies from `from` units upward, until the next tier. */
interface Tier {
  readonly from: number;
  readonly rate: number;
}

// TKE's kube-reserved tiers, for regular and native nodes. Rates are exact integers in hundredths
// of the result unit per input unit, so no floating-point error creeps in before rounding:
// CPU in centi-millicores per core (2.5% of 1000m = 2500), memory in percent of each MiB.
// @see https://www.tencentcloud.com/document/product/457/48777
const CPU_BASE_RESERVED_CENTI_MILLI = 100 * 100; // a flat 0.1 core for the first 4 cores
const CPU_TIERS: readonly Tier[] = [
  { from: 4, rate: 2500 }, // 2.5% from 4 to 64 cores
  { from: 64, rate: 1250 }, // 1.25% from 64 to 128 cores
  { from: 128, rate: 500 }, // 0.5% above 128 cores
];
const MEMORY_TIERS: readonly Tier[] = [
  { from: 0, rate: 25 }, // 25% of the first 4 GiB
  { from: 4 * 1024, rate: 20 }, // 20% from 4 to 8 GiB
  { from: 8 * 1024, rate: 10 }, // 10% from 8 to 16 GiB
  { from: 16 * 1024, rate: 6 }, // 6% from 16 to 128 GiB
  { from: 128 * 1024, rate: 2 }, // 2% above 128 GiB
];

/** Sum of each tier's rate times the part of `amount` that falls in the tier. */
function reserveByTiers(amount: number, tiers: readonly Tier[]): number {
  return tiers.reduce((total, tier, i) => {
    const to = i + 1 < tiers.length ? tiers[i + 1].from : Infinity;
    return total + tier.rate * Math.max(0, Math.min(amount, to) - tier.from);
  }, 0);
}

/**
 * CPU and memory Kubernetes can schedule on a TKE node of this size.
 *
 * Follows TKE's own node reservation rules: Allocatable = Capacity − kube-reserved − eviction
 * threshold. kube-reserved CPU is 0.1 core for up to 4 cores, plus 2.5% of cores 4–64, 1.25% of
 * 64–128 and 0.5% above. kube-reserved memory is 25% of the first 4 GiB, 20% of 4–8 GiB, 10% of
 * 8–16 GiB, 6% of 16–128 GiB and 2% above; {@link EVICTION_THRESHOLD_MIB} comes off on top. Results
 * round down to whole millicores and MiB. Capacity here is the nominal size from the name; the
 * kubelet sees slightly less memory (the kernel keeps some), so real nodes report a little below
 * this. Throws a RangeError unless `vCpu` and `memoryGiB` are positive integers.
 * @see https://www.tencentcloud.com/document/product/457/48777
 * @see https://cloud.tencent.com/document/product/457/76057
 * @example allocatableResources({ family: "S5", vCpu: 4, memoryGiB: 8 }) // { cpuMilli: 3900, memoryMiB: 6248 }
 */
export function allocatableResources(type: InstanceSize): AllocatableResources {
  const { vCpu, memoryGiB } = type;
  if (!Number.isInteger(vCpu) || vCpu < 1 || !Number.isInteger(memoryGiB) || memoryGiB < 1) {
    throw new RangeError(
      `instance size ${vCpu} vCPU, ${memoryGiB} GiB: both must be positive integers`,
    );
  }
  const reservedCpuCenti = CPU_BASE_RESERVED_CENTI_MILLI + reserveByTiers(vCpu, CPU_TIERS);
  const memoryMiB = memoryGiB * 1024;
  const reservedMemoryCenti =
    reserveByTiers(memoryMiB, MEMORY_TIERS) + EVICTION_THRESHOLD_MIB * 100;
  return {
    cpuMilli: Math.floor((vCpu * 1000 * 100 - reservedCpuCenti) / 100),
    memoryMiB: Math.floor((memoryMiB * 100 - reservedMemoryCenti) / 100),
  };
}
