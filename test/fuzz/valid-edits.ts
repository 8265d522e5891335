/**
 * Edits that keep a valid fleet valid: what a platform team changes day to day.
 *
 * Replicas, dropping a server or a CVM pool, adding a Set (with or without a standby), failing a
 * Set over, warm standby on and off, node pool sizes, one more zone, framework replicas. A fleet
 * these edits break is a validator that refuses a good file.
 */
import fc from "fast-check";
import { getAt, isMap, pick, setAt, deleteAt } from "./tree";

const seed = fc.nat();

/** One validity-keeping edit; the `at` fields pick what it applies to. */
export type ValidEdit =
  | { readonly kind: "replicas"; readonly at: number; readonly count: number }
  | { readonly kind: "dropServer" | "dropCvmPool" | "failover"; readonly at: number }
  | { readonly kind: "warmStandby"; readonly at: number; readonly on: boolean }
  | {
      readonly kind: "addSet";
      readonly name: string;
      readonly area: string;
      readonly group: number;
      readonly cluster: number;
      readonly standby: number | null;
      readonly server: number;
      readonly replicas: number;
    }
  | {
      readonly kind: "scalePool";
      readonly at: number;
      readonly min: number;
      readonly extra: number;
      readonly desired: number;
    }
  | { readonly kind: "addZone"; readonly at: number; readonly zone: number }
  | { readonly kind: "frameworkReplicas"; readonly registry: number; readonly web: number };

/** Lowercase words, now and then one that names a property every JavaScript object has. */
const word = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), minLength: 1 }),
  fc.constantFrom("constructor", "prototype", "hasownproperty", "tostring"),
);

/** Any one {@link ValidEdit}. */
export const validEdit: fc.Arbitrary<ValidEdit> = fc.oneof(
  fc.record({
    kind: fc.constant("replicas" as const),
    at: seed,
    count: fc.integer({ min: 1, max: 50 }),
  }),
  fc.record({ kind: fc.constantFrom("dropServer", "dropCvmPool", "failover" as const), at: seed }),
  fc.record({ kind: fc.constant("warmStandby" as const), at: seed, on: fc.boolean() }),
  fc.record({
    kind: fc.constant("addSet" as const),
    name: word.map((w) => w.slice(0, 16)),
    area: word.map((w) => w.slice(0, 16)),
    group: fc.integer({ min: 1, max: 99 }),
    cluster: seed,
    standby: fc.option(seed),
    server: seed,
    replicas: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    kind: fc.constant("scalePool" as const),
    at: seed,
    min: fc.integer({ min: 0, max: 3 }),
    extra: fc.integer({ min: 0, max: 10 }),
    desired: seed,
  }),
  fc.record({
    kind: fc.constant("addZone" as const),
    at: seed,
    zone: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({
    kind: fc.constant("frameworkReplicas" as const),
    registry: fc.integer({ min: 1, max: 20 }),
    web: fc.integer({ min: 1, max: 10 }),
  }),
);

type Path = (string | number)[];

function keysAt(root: unknown, path: Path): string[] {
  const value = getAt(root, path);
  return isMap(value) ? Object.keys(value) : [];
}

/** Paths of every cluster, node pool or CVM pool of the fleet. */
function regionChildren(root: unknown, kind: "clusters" | "cvm"): Path[] {
  return keysAt(root, ["regions"]).flatMap((r) =>
    keysAt(root, ["regions", r, kind]).map((c) => ["regions", r, kind, c]),
  );
}

function nodePools(root: unknown): Path[] {
  return regionChildren(root, "clusters").flatMap((c) =>
    keysAt(root, [...c, "nodePools"]).map((p) => [...c, "nodePools", p]),
  );
}

function setsWithStandby(root: unknown): Path[] {
  return keysAt(root, ["sets"])
    .map((id) => ["sets", id])
    .filter((p) => typeof getAt(root, [...p, "standby"]) === "string");
}

function addSet(root: unknown, e: Extract<ValidEdit, { kind: "addSet" }>): void {
  const id = `${e.name}.${e.area}.${e.group}`;
  const clusters = regionChildren(root, "clusters").map((p) => String(p[3]));
  const cluster = pick(clusters, e.cluster);
  if (cluster === undefined || keysAt(root, ["sets"]).includes(id)) return;
  const others = clusters.filter((c) => c !== cluster);
  const standby = e.standby === null ? undefined : pick(others, e.standby);
  if (!isMap(getAt(root, ["sets"]))) setAt(root, ["sets"], {});
  setAt(root, ["sets", id], standby === undefined ? { cluster } : { cluster, standby });
  const server = pick(keysAt(root, ["servers"]), e.server);
  if (server !== undefined) setAt(root, ["servers", server, "replicas", id], e.replicas);
}

function addZone(root: unknown, e: Extract<ValidEdit, { kind: "addZone" }>): void {
  const region = pick(keysAt(root, ["regions"]), e.at);
  if (region === undefined) return;
  const tencentRegion = getAt(root, ["regions", region, "tencentRegion"]);
  const zones = getAt(root, ["regions", region, "zones"]);
  const zone = `${String(tencentRegion)}-${e.zone}`;
  if (Array.isArray(zones) && !zones.includes(zone)) zones.push(zone);
}

/** Applies one edit in place; an edit with nothing to apply to does nothing. */
export function applyValidEdit(root: unknown, e: ValidEdit): void {
  switch (e.kind) {
    case "replicas": {
      const entries = keysAt(root, ["servers"]).flatMap((s) =>
        keysAt(root, ["servers", s, "replicas"]).map((id) => ["servers", s, "replicas", id]),
      );
      const at = pick(entries, e.at);
      if (at !== undefined) setAt(root, at, e.count);
      return;
    }
    case "dropServer":
    case "dropCvmPool": {
      const paths =
        e.kind === "dropServer"
          ? keysAt(root, ["servers"]).map((s) => ["servers", s])
          : regionChildren(root, "cvm");
      const at = pick(paths, e.at);
      if (at !== undefined) deleteAt(root, at);
      return;
    }
    case "failover": {
      const at = pick(setsWithStandby(root), e.at);
      if (at !== undefined) setAt(root, [...at, "failedOver"], true);
      return;
    }
    case "warmStandby": {
      const at = pick(setsWithStandby(root), e.at);
      if (at !== undefined) setAt(root, [...at, "warmStandby"], e.on);
      return;
    }
    case "addSet":
      return addSet(root, e);
    case "scalePool": {
      const at = pick(nodePools(root), e.at);
      if (at === undefined) return;
      const max = Math.max(1, e.min) + e.extra;
      setAt(root, [...at, "minSize"], e.min);
      setAt(root, [...at, "maxSize"], max);
      setAt(root, [...at, "desiredSize"], e.min + (e.desired % (max - e.min + 1)));
      return;
    }
    case "addZone":
      return addZone(root, e);
    case "frameworkReplicas":
      setAt(root, ["tars", "registry"], { replicas: e.registry });
      setAt(root, ["tars", "web", "replicas"], e.web);
  }
}
