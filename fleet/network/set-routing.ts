/**
 * Which Sets' servers a caller in a Set can be given by the TARS registry: what the NetworkPolicies
 * of Set Deployments admit.
 *
 * The registry's rules (TarsFramework `RegistryServer/DbHandle.cpp` findObjectByIdInSameSet and
 * `QueryImp.cpp`; TarsDocs `dev/tars-idc-set.md`), for a caller in `name.area.group` and a server
 * whose Sets are those the fleet deploys it in:
 * - the server has no Set named `name`: set routing does not apply, the registry falls back to
 *   IDC grouping, and the caller may get any of the server's endpoints;
 * - the caller's group is `*`: every Set `name.area.<any group>` of the server;
 * - otherwise exactly `name.area.group` when the server is deployed there, else the wildcard
 *   group `name.area.*` when it is, else nothing (the call fails; no fallback to other Sets).
 * Every server of this fleet is deployed per Set, so every caller has set routing enabled.
 * @see https://github.com/TarsCloud/TarsDocs/blob/master/dev/tars-idc-set.md
 */
import { type FleetSpec, type ServerSpec } from "../model/model";

/** The Set ids `server` is deployed in, in file order. */
export function serverSets(server: ServerSpec): string[] {
  return server.replicas.map((r) => r.set);
}

/** The Sets of `server` the registry may give a caller in `callerSet`. */
export function reachableSets(callerSet: string, server: ServerSpec): string[] {
  const [name, area, group] = callerSet.split(".");
  const sets = serverSets(server);
  const named = sets.filter((s) => s.split(".")[0] === name);
  if (named.length === 0) return sets;
  if (group === "*") return named.filter((s) => s.split(".")[1] === area);
  if (named.includes(callerSet)) return [callerSet];
  const wildcard = `${name}.${area}.*`;
  return named.includes(wildcard) ? [wildcard] : [];
}

/** The fleet's Sets whose callers the registry may give `server`'s endpoints in `set`. */
export function callerSets(fleet: FleetSpec, server: ServerSpec, set: string): string[] {
  return fleet.sets.map((s) => s.id).filter((id) => reachableSets(id, server).includes(set));
}
