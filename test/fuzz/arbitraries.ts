/**
 * Hostile fleet files for the fuzz tests: random text, random YAML, and YAML that attacks the
 * parser (deep nesting, alias bombs, undefined aliases, exotic tags, very long scalars).
 *
 * Mutations of valid fleets live in `mutations.ts`; {@link anyFleetText} mixes both.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { mutatedFleetText, textMutatedFleet } from "./mutations";

/** Scalars that YAML reads as something other than the string they look like, and odd strings. */
export const TRICKY_SCALARS = [
  "",
  "*",
  "~",
  "null",
  "true",
  "yes",
  "on",
  "1.30",
  "0x1F",
  "0o17",
  "1e400",
  ".inf",
  "-.inf",
  ".nan",
  "2001-12-14",
  "-",
  "a.b",
  "a.b.c",
  "A.B.1",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "é",
  "日本語",
  "😀",
  "\u0000",
  "\u200b",
  "x".repeat(300),
] as const;

/** Keys the fleet schema knows, so random maps reach deep into the schema now and then. */
export const FLEET_KEYS = [
  "name",
  "homeRegion",
  "tars",
  "network",
  "regions",
  "sets",
  "servers",
  "tencentRegion",
  "vpcCidr",
  "zones",
  "clusters",
  "cvm",
  "nodePools",
  "kubernetesVersion",
  "networkType",
  "serviceCidr",
  "podCidr",
  "cluster",
  "standby",
  "warmStandby",
  "failedOver",
  "image",
  "servants",
  "port",
  "replicas",
  "resources",
  "db",
  "mode",
  "bandwidth",
] as const;

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...TRICKY_SCALARS),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FLEET_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY_SCALARS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/** A random document built from fleet keys and tricky scalars. */
const fleetishValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
})).value;

/** Random bytes and characters: binary junk, control characters, unpaired surrogates. */
export const randomText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.string({ unit: "grapheme-composite", maxLength: 60 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("utf8")),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);

/** Random JSON, and random fleet-shaped data, rendered as YAML or as JSON (which is YAML too). */
export const randomYamlDocument: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => stringify(value)),
  fleetishValue.map((value) => stringify(value)),
  fc
    .tuple(fleetishValue, fc.integer({ min: 1, max: 8 }))
    .map(([value, indent]) => stringify(value, { indent })),
  fleetishValue.map((value) => JSON.stringify(value) ?? "null"),
);

const TOKENS = [
  ": ",
  ":",
  "- ",
  "-",
  "[",
  "]",
  "{",
  "}",
  ",",
  "? ",
  "&a ",
  "*a",
  "*b",
  "!",
  "!!str ",
  "!!int ",
  "!!set ",
  "!!omap ",
  "!!binary ",
  "!foo ",
  "|",
  "|-",
  ">",
  "#",
  " # c",
  '"',
  "'",
  "\\",
  "\t",
  "\n",
  "\r\n",
  "\r",
  "  ",
  "    ",
  "---\n",
  "...\n",
  "%YAML 1.2\n",
  "%TAG !e! tag:e.com,2000:\n",
  "<<: ",
  "@",
  "`",
  "%",
  "\ufeff",
  "\u0000",
  "regions",
  "name",
  "servers",
  "sets",
  "a",
  "é",
  "😀",
  "1",
  "1.30",
  "-1",
  "~",
  "true",
] as const;

/** A soup of YAML punctuation, indentation, directives and words. */
export const tokenSoup: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 60 })
  .map((tokens) => tokens.join(""));

const NESTING_STYLES = ["flowSeq", "flowMap", "blockMap", "blockSeq", "mixed"] as const;

/** Nests `depth` collections in one of several styles. */
export function nestedText(style: (typeof NESTING_STYLES)[number], depth: number): string {
  switch (style) {
    case "flowSeq":
      return `regions: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    case "flowMap":
      return `regions: ${"{a: ".repeat(depth)}1${"}".repeat(depth)}\n`;
    case "blockMap":
      return Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}a:`).join("\n") + " 1\n";
    case "blockSeq":
      return Array.from({ length: depth }, (_, i) => `${" ".repeat(i * 2)}-`).join("\n") + " 1\n";
    case "mixed":
      return `sets: ${"[{a: ".repeat(depth)}1${"}]".repeat(depth)}\n`;
  }
}

/** Deeply nested documents, up to well past the parser's stack. */
export const deepNesting: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...NESTING_STYLES), fc.integer({ min: 1, max: 1500 }))
  .map(([style, depth]) => nestedText(style, depth));

/**
 * A "billion laughs" document: each level lists `width` aliases of the level before, so the
 * last level expands to width^levels strings.
 */
export function aliasBomb(levels: number, width: number): string {
  const lines = [`l0: &l0 ["lol"]`];
  for (let i = 1; i <= levels; i++) {
    lines.push(`l${i}: &l${i} [${Array.from({ length: width }, () => `*l${i - 1}`).join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}

/** Anchors and aliases: bombs of every size, undefined aliases, and ordinary reuse. */
export const aliasDocument: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }))
    .map(([levels, width]) => aliasBomb(levels, width)),
  fc.constantFrom(
    "name: *nope\n",
    "regions: { gz: &r { zones: [] }, sh: *r }\n",
    "a: &a [*a]\n",
    "<<: *x\n",
    "&a a: *a\n",
    "regions: &r\n  gz: *r\n",
    "sets: *s\nservers: &s {}\n",
  ),
  fc
    .tuple(fc.constantFrom(...FLEET_KEYS), fc.integer({ min: 1, max: 300 }))
    .map(([name, count]) => {
      const aliases = Array.from({ length: count }, (_, i) => `  k${i}: *v`).join("\n");
      return `v: &v { ${name}: 1 }\n${name}:\n${aliases}\n`;
    }),
);

/** Very long scalars and keys, in every quoting style. */
export const longScalars: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("plain", "double", "single", "key", "block"),
    fc.integer({ min: 1_000, max: 200_000 }),
  )
  .map(([style, length]) => {
    const long = "x".repeat(length);
    switch (style) {
      case "plain":
        return `name: ${long}\n`;
      case "double":
        return `name: "${long}"\n`;
      case "single":
        return `name: '${long}'\n`;
      case "key":
        return `${long}: 1\n`;
      default:
        return `name: |\n  ${long}\n`;
    }
  });

/** Any random YAML: the inputs of the "random YAML" property. */
export const randomYaml: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: randomText },
  { weight: 3, arbitrary: randomYamlDocument },
  { weight: 3, arbitrary: tokenSoup },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: aliasDocument },
  { weight: 1, arbitrary: longScalars },
);

/** Any hostile fleet text: random YAML or a mutated valid fleet, object- or text-level. */
export const anyFleetText: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: randomYaml },
  { weight: 3, arbitrary: mutatedFleetText },
  { weight: 2, arbitrary: textMutatedFleet },
);
