import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Ipv4Cidr,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  findOverlaps,
  formatCidr,
  isPrivateCidr,
  parseCidr,
  subdivideCidr,
} from "../../fleet/network/cidr";

/** Any valid CIDR: a random address rounded down to its network. */
const anyCidr: fc.Arbitrary<Ipv4Cidr> = fc
  .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }))
  .map(([address, prefix]) => ({ base: address - (address % 2 ** (32 - prefix)), prefix }));

/** A CIDR inside 10.0.0.0/24, small enough to list its addresses one by one. */
const smallCidr: fc.Arbitrary<Ipv4Cidr> = fc
  .integer({ min: 24, max: 32 })
  .chain((prefix) =>
    fc
      .integer({ min: 0, max: 2 ** (prefix - 24) - 1 })
      .map((index) => subdivideCidr(cidr("10.0.0.0/24"), prefix, index)),
  );

/** A CIDR inside 10.0.0.0/16 with a prefix of 16 to 28, so random sets overlap often. */
const crowdedCidr: fc.Arbitrary<Ipv4Cidr> = fc
  .integer({ min: 16, max: 28 })
  .chain((prefix) =>
    fc
      .integer({ min: 0, max: 2 ** (prefix - 16) - 1 })
      .map((index) => subdivideCidr(cidr("10.0.0.0/16"), prefix, index)),
  );

function cidr(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`test fixture ${text}: ${parsed.reason}`);
  return parsed.cidr;
}

function addresses(c: Ipv4Cidr): Set<number> {
  return new Set(Array.from({ length: cidrSize(c) }, (_, i) => c.base + i));
}

describe("parseCidr", () => {
  it.each([
    ["10.0.0.0/8", 167772160, 8],
    ["10.10.0.0/16", 168427520, 16],
    ["192.168.1.128/25", 3232235904, 25],
    ["0.0.0.0/0", 0, 0],
    ["255.255.255.255/32", 4294967295, 32],
  ])("parses %s", (text, base, prefix) => {
    expect(parseCidr(text)).toEqual({ ok: true, cidr: { base, prefix } });
  });

  it.each([
    ["10.0.0.0", "not an IPv4 CIDR"],
    ["10.0.0.0/", "not an IPv4 CIDR"],
    ["10.0.0.0/33", "not an IPv4 CIDR"],
    ["10.0.0.0/99", "not an IPv4 CIDR"],
    ["10.0.0.0/08", "not an IPv4 CIDR"],
    ["256.0.0.0/8", "not an IPv4 CIDR"],
    ["10.0.0.999/32", "not an IPv4 CIDR"],
    ["010.0.0.0/8", "not an IPv4 CIDR"],
    ["10.00.0.0/16", "not an IPv4 CIDR"],
    ["10.0.0/8", "not an IPv4 CIDR"],
    ["10.0.0.0.0/8", "not an IPv4 CIDR"],
    ["10.0.0.-1/8", "not an IPv4 CIDR"],
    ["a.b.c.d/8", "not an IPv4 CIDR"],
    [" 10.0.0.0/8", "not an IPv4 CIDR"],
    ["10.0.0.0/8 ", "not an IPv4 CIDR"],
    ["", "not an IPv4 CIDR"],
    ["10.10.1.0/16", "host bits set, did you mean 10.10.0.0/16"],
    ["192.168.1.1/24", "host bits set, did you mean 192.168.1.0/24"],
    ["172.31.255.255/12", "host bits set, did you mean 172.16.0.0/12"],
    ["0.0.0.1/0", "host bits set, did you mean 0.0.0.0/0"],
  ])("fails on %j with %j", (text, reason) => {
    expect(parseCidr(text)).toEqual({ ok: false, reason });
  });

  it("round-trips every valid CIDR through formatCidr", () =>
    fc.assert(
      fc.property(anyCidr, (c) => {
        expect(parseCidr(formatCidr(c))).toEqual({ ok: true, cidr: c });
      }),
    ));

  it("accepts exactly the dotted quads whose host bits are clear", () =>
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (address, prefix) => {
        const parsed = parseCidr(`${address}/${prefix}`);
        if (parsed.ok) expect(formatCidr(parsed.cidr)).toBe(`${address}/${prefix}`);
        else expect(parsed.reason).toMatch(/^host bits set, did you mean /);
      }),
    ));
});

describe("cidrContains and cidrsOverlap", () => {
  it("overlap is symmetric", () =>
    fc.assert(
      fc.property(anyCidr, anyCidr, (a, b) => {
        expect(cidrsOverlap(a, b)).toBe(cidrsOverlap(b, a));
      }),
    ));

  it("overlap and containment agree with the blocks' address sets", () =>
    fc.assert(
      fc.property(smallCidr, smallCidr, (a, b) => {
        const inA = addresses(a);
        const inB = [...addresses(b)];
        expect(cidrsOverlap(a, b)).toBe(inB.some((x) => inA.has(x)));
        expect(cidrContains(a, b)).toBe(inB.every((x) => inA.has(x)));
      }),
    ));

  it("overlapping CIDRs always nest", () =>
    fc.assert(
      fc.property(anyCidr, anyCidr, (a, b) => {
        expect(cidrsOverlap(a, b)).toBe(cidrContains(a, b) || cidrContains(b, a));
      }),
    ));

  it.each([
    ["10.0.0.0/8", "10.255.0.0/16", true],
    ["10.0.0.0/16", "10.0.0.0/16", true],
    ["10.0.0.0/16", "10.0.0.0/8", false],
    ["10.0.0.0/16", "10.1.0.0/16", false],
  ])("%s contains %s: %s", (outer, inner, expected) => {
    expect(cidrContains(cidr(outer), cidr(inner))).toBe(expected);
  });
});

describe("cidrSize", () => {
  it.each([
    ["10.0.0.0/8", 16777216],
    ["10.10.0.0/16", 65536],
    ["10.10.8.0/22", 1024],
    ["10.0.0.1/32", 1],
    ["0.0.0.0/0", 4294967296],
  ])("%s has %i addresses", (text, size) => {
    expect(cidrSize(cidr(text))).toBe(size);
  });
});

describe("subdivideCidr", () => {
  it.each([
    ["10.10.0.0/16", 22, 2, "10.10.8.0/22"],
    ["10.10.0.0/16", 23, 34, "10.10.68.0/23"],
    ["10.10.0.0/16", 16, 0, "10.10.0.0/16"],
    ["192.168.0.0/16", 32, 65535, "192.168.255.255/32"],
    ["0.0.0.0/0", 1, 1, "128.0.0.0/1"],
  ])("splits %s into /%i block %i = %s", (outer, prefix, index, expected) => {
    expect(formatCidr(subdivideCidr(cidr(outer), prefix, index))).toBe(expected);
  });

  it.each([
    [15, 0, "cannot split 10.10.0.0/16 into /15 blocks, the prefix must be 16 to 32"],
    [33, 0, "cannot split 10.10.0.0/16 into /33 blocks, the prefix must be 16 to 32"],
    [22.5, 0, "cannot split 10.10.0.0/16 into /22.5 blocks, the prefix must be 16 to 32"],
    [22, 64, "10.10.0.0/16 has 64 /22 blocks, index 64 is outside 0 to 63"],
    [22, -1, "10.10.0.0/16 has 64 /22 blocks, index -1 is outside 0 to 63"],
    [22, 1.5, "10.10.0.0/16 has 64 /22 blocks, index 1.5 is outside 0 to 63"],
  ])("fails on /%d block %d", (prefix, index, message) => {
    expect(() => subdivideCidr(cidr("10.10.0.0/16"), prefix, index)).toThrow(
      new RangeError(message),
    );
  });

  it("yields disjoint blocks inside the parent, in address order", () =>
    fc.assert(
      fc.property(
        anyCidr.filter((c) => c.prefix <= 28),
        fc.integer({ min: 0, max: 4 }),
        fc.nat(),
        (parent, extraBits, seed) => {
          const prefix = parent.prefix + extraBits;
          const count = 2 ** extraBits;
          const i = seed % count;
          const block = subdivideCidr(parent, prefix, i);
          expect(cidrContains(parent, block)).toBe(true);
          expect(block.base).toBe(parent.base + i * cidrSize(block));
          if (i + 1 < count) {
            expect(cidrsOverlap(block, subdivideCidr(parent, prefix, i + 1))).toBe(false);
          }
        },
      ),
    ));
});

describe("isPrivateCidr", () => {
  it.each([
    ["10.0.0.0/8", true],
    ["10.10.0.0/16", true],
    ["172.16.0.0/12", true],
    ["172.31.255.0/24", true],
    ["192.168.0.0/16", true],
    ["192.168.10.0/24", true],
    ["172.32.0.0/16", false],
    ["172.0.0.0/8", false],
    ["192.168.0.0/15", false],
    ["11.0.0.0/8", false],
    ["0.0.0.0/0", false],
  ])("%s is private: %s", (text, expected) => {
    expect(isPrivateCidr(cidr(text))).toBe(expected);
  });
});

describe("findOverlaps", () => {
  const keyed = (blocks: readonly Ipv4Cidr[]) => blocks.map((c, i) => ({ key: `k${i}`, cidr: c }));

  it("finds every overlapping pair, in input order, like the brute-force scan", () =>
    fc.assert(
      fc.property(fc.array(crowdedCidr, { maxLength: 40 }), (blocks) => {
        const items = keyed(blocks);
        const expected: [string, string][] = [];
        items.forEach((a, i) =>
          items.slice(i + 1).forEach((b) => {
            if (cidrsOverlap(a.cidr, b.cidr)) expected.push([a.key, b.key]);
          }),
        );
        const found = findOverlaps(items).map(([a, b]): [string, string] => [a.key, b.key]);
        expect(found).toEqual(expected);
      }),
    ));

  it("returns the input objects themselves", () => {
    const items = [
      { key: "vpc", cidr: cidr("10.0.0.0/16"), note: "outer" },
      { key: "subnet", cidr: cidr("10.0.8.0/22"), note: "inner" },
    ];
    const [[a, b]] = findOverlaps(items);
    expect(a).toBe(items[0]);
    expect(b).toBe(items[1]);
  });

  it("reports identical blocks and leaves disjoint ones out", () => {
    const items = keyed(["10.0.0.0/24", "10.0.1.0/24", "10.0.0.0/24", "10.0.0.0/23"].map(cidr));
    const pairs = findOverlaps(items).map(([a, b]) => `${a.key}-${b.key}`);
    expect(pairs).toEqual(["k0-k2", "k0-k3", "k1-k3", "k2-k3"]);
  });

  it("handles thousands of entries", () => {
    const vpc = cidr("10.0.0.0/16");
    const blocks = Array.from({ length: 4096 }, (_, i) => subdivideCidr(vpc, 28, 4095 - i));
    const items = keyed([...blocks, vpc]);
    const pairs = findOverlaps(items);
    expect(pairs).toHaveLength(4096);
    expect(pairs.every(([, b]) => b.key === "k4096")).toBe(true);
    expect(pairs[0][0].key).toBe("k0");
  });
});
