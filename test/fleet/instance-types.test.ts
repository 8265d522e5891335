import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type InstanceSize,
  MEMORY_PER_VCPU_GIB_RANGE,
  allocatableResources,
  parseInstanceType,
} from "../../fleet/model/instance-types";

const UNREADABLE = (name: string) =>
  `unreadable instance type "${name}", expected FAMILY.SIZE<memoryGiB> such as S5.LARGE8 ` +
  `(SIZE: SMALL, MEDIUM, LARGE, <n>XLARGE)`;

/** A size name and its vCPUs: SMALL 1, MEDIUM 2, LARGE 4, <n>XLARGE 4n. */
const size: fc.Arbitrary<[string, number]> = fc.oneof(
  fc.constantFrom<[string, number]>(["SMALL", 1], ["MEDIUM", 2], ["LARGE", 4]),
  fc.integer({ min: 2, max: 64 }).map((n): [string, number] => [`${n}XLARGE`, 4 * n]),
);

const family = fc.constantFrom(
  "S5",
  "SA5",
  "SA2",
  "S6",
  "M5",
  "C5",
  "IT5",
  "GN7",
  "SA3",
  "MA3",
  "S9e",
  "SN3ne",
);

/** A readable instance type name with the size it must parse to. */
const instanceType: fc.Arbitrary<{ name: string; type: InstanceSize }> = fc
  .tuple(
    family,
    size,
    fc.integer({ min: MEMORY_PER_VCPU_GIB_RANGE.min, max: MEMORY_PER_VCPU_GIB_RANGE.max }),
  )
  .map(([fam, [sizeName, vCpu], perVCpu]) => ({
    name: `${fam}.${sizeName}${vCpu * perVCpu}`,
    type: { family: fam, vCpu, memoryGiB: vCpu * perVCpu },
  }));

describe("parseInstanceType", () => {
  it.each([
    ["S5.LARGE8", "S5", 4, 8],
    ["SA5.2XLARGE16", "SA5", 8, 16],
    ["S5.SMALL2", "S5", 1, 2],
    ["S5.MEDIUM4", "S5", 2, 4],
    ["M5.4XLARGE64", "M5", 16, 64],
    ["S5.SMALL1", "S5", 1, 1],
    ["S5.LARGE4", "S5", 4, 4],
    ["SA3.3XLARGE24", "SA3", 12, 24],
    ["S5.6XLARGE48", "S5", 24, 48],
    ["S5.12XLARGE96", "S5", 48, 96],
    ["S5.16XLARGE256", "S5", 64, 256],
    ["S5.21XLARGE320", "S5", 84, 320],
    ["SA3.58XLARGE432", "SA3", 232, 432],
    ["M9.MEDIUM16", "M9", 2, 16],
    ["S9e.MEDIUM4", "S9e", 2, 4],
    ["SN3ne.2XLARGE32", "SN3ne", 8, 32],
    ["GN7.5XLARGE80", "GN7", 20, 80],
  ])("reads %s as family %s, %i vCPU, %i GiB", (name, fam, vCpu, memoryGiB) => {
    expect(parseInstanceType(name)).toEqual({ ok: true, type: { family: fam, vCpu, memoryGiB } });
  });

  it.each([
    ["S5.HUGE8", UNREADABLE("S5.HUGE8")],
    ["S5.XLARGE16", UNREADABLE("S5.XLARGE16")],
    ["S5.1XLARGE8", UNREADABLE("S5.1XLARGE8")],
    ["S5.02XLARGE16", UNREADABLE("S5.02XLARGE16")],
    ["s5.large8", UNREADABLE("s5.large8")],
    ["S5.LARGE", UNREADABLE("S5.LARGE")],
    ["S5.LARGE08", UNREADABLE("S5.LARGE08")],
    ["S5LARGE8", UNREADABLE("S5LARGE8")],
    ["5S.LARGE8", UNREADABLE("5S.LARGE8")],
    ["S.LARGE8", UNREADABLE("S.LARGE8")],
    [" S5.LARGE8", UNREADABLE(" S5.LARGE8")],
    ["", UNREADABLE("")],
    ["S5.LARGE0", 'unreadable instance type "S5.LARGE0", memory must be at least 1 GiB'],
    [
      "S5.LARGE2",
      'unreadable instance type "S5.LARGE2", 2 GiB for 4 vCPU is outside 1 to 32 GiB per vCPU (probably a typo)',
    ],
    [
      "S5.SMALL64",
      'unreadable instance type "S5.SMALL64", 64 GiB for 1 vCPU is outside 1 to 32 GiB per vCPU (probably a typo)',
    ],
    [
      "S5.LARGE800",
      'unreadable instance type "S5.LARGE800", 800 GiB for 4 vCPU is outside 1 to 32 GiB per vCPU (probably a typo)',
    ],
  ])("fails on %j", (name, reason) => {
    expect(parseInstanceType(name)).toEqual({ ok: false, reason });
  });

  it("reads every well-formed name back to its size", () =>
    fc.assert(
      fc.property(instanceType, ({ name, type }) => {
        expect(parseInstanceType(name)).toEqual({ ok: true, type });
      }),
    ));
});

describe("allocatableResources", () => {
  it.each([
    ["S5.SMALL1", 900, 668],
    ["S5.SMALL2", 900, 1436],
    ["S5.MEDIUM4", 1900, 2972],
    ["S5.LARGE8", 3900, 6248],
    ["SA5.2XLARGE16", 7800, 13621],
    ["M5.4XLARGE64", 15600, 59824],
  ])("schedules %s as %im CPU and %i MiB", (name, cpuMilli, memoryMiB) => {
    const parsed = parseInstanceType(name);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(allocatableResources(parsed.type)).toEqual({ cpuMilli, memoryMiB });
  });

  // TKE's own worked examples: reserved CPU 0.8c at 32c, 2c at 96c, 2.74c at 196c; reserved
  // memory 512 MB at 2 GB, 1843 at 8, 2252 at 12, 3645 at 32, 13475 at 320 (before the 100 MiB
  // eviction threshold). https://www.tencentcloud.com/document/product/457/48777
  it.each([
    [32, 32, 32000 - 800, 32768 - 3645.44 - 100],
    [96, 96, 96000 - 2000, 98304 - 7577.6 - 100],
    [196, 196, 196000 - 2740, 200704 - 10936.32 - 100],
    [1, 2, 1000 - 100, 2048 - 512 - 100],
    [1, 8, 1000 - 100, 8192 - 1843.2 - 100],
    [1, 12, 1000 - 100, 12288 - 2252.8 - 100],
    [4, 320, 4000 - 100, 327680 - 13475.84 - 100],
  ])("matches TKE's table for %i vCPU, %i GiB", (vCpu, memoryGiB, cpuMilli, memoryMiB) => {
    expect(allocatableResources({ family: "S5", vCpu, memoryGiB })).toEqual({
      cpuMilli: Math.floor(cpuMilli),
      memoryMiB: Math.floor(memoryMiB),
    });
  });

  it.each([
    [0, 8],
    [4, 0],
    [1.5, 8],
    [4, 2.5],
  ])("fails on %d vCPU, %d GiB", (vCpu, memoryGiB) => {
    expect(() => allocatableResources({ family: "S5", vCpu, memoryGiB })).toThrow(RangeError);
  });

  it("is positive and below the raw capacity", () =>
    fc.assert(
      fc.property(instanceType, ({ type }) => {
        const { cpuMilli, memoryMiB } = allocatableResources(type);
        expect(cpuMilli).toBeGreaterThan(0);
        expect(memoryMiB).toBeGreaterThan(0);
        expect(cpuMilli).toBeLessThan(type.vCpu * 1000);
        expect(memoryMiB).toBeLessThan(type.memoryGiB * 1024);
        expect(Number.isInteger(cpuMilli) && Number.isInteger(memoryMiB)).toBe(true);
      }),
    ));

  it("grows with size within a family", () =>
    fc.assert(
      fc.property(family, size, size, fc.nat(31), fc.nat(31), (fam, [s1, v1], [s2, v2], r1, r2) => {
        const a = parseInstanceType(`${fam}.${s1}${v1 * (r1 + 1)}`);
        const b = parseInstanceType(`${fam}.${s2}${v2 * (r2 + 1)}`);
        if (!a.ok || !b.ok) throw new Error("generator produced an unreadable name");
        const [small, large] = a.type.vCpu <= b.type.vCpu ? [a.type, b.type] : [b.type, a.type];
        const [lo, hi] = [allocatableResources(small), allocatableResources(large)];
        expect(lo.cpuMilli).toBeLessThanOrEqual(hi.cpuMilli);
        if (small.vCpu < large.vCpu) expect(lo.cpuMilli).toBeLessThan(hi.cpuMilli);
        const [fewer, more] =
          a.type.memoryGiB <= b.type.memoryGiB ? [a.type, b.type] : [b.type, a.type];
        expect(allocatableResources(fewer).memoryMiB).toBeLessThanOrEqual(
          allocatableResources(more).memoryMiB,
        );
      }),
    ));
});
