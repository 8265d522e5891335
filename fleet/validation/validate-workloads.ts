/**
 * Rules for TARS Sets and servers.
 *
 * Set ids follow TarsWeb's rules (name and area lowercase letters, group digits or `*`) and the
 * framework database's column sizes; App and Server names follow TARS's own grammar. Derived
 * Kubernetes names are checked here with the same functions that build them.
 * @see https://github.com/TarsCloud/TarsDocs/blob/master/dev/tars-idc-set.md
 */
import { type FieldPath } from "../model/issues";
import { asBoolean, asString, entriesOf, field, isRecord } from "../model/raw";
import { pinnedImageProblem } from "../model/image";
import { deploymentName, isDnsLabel } from "../model/naming";
import { parseCpuMilli, parseMemoryMiB } from "../model/quantity";
import { allowed, type FleetNames, type Report } from "./validate-common";

/** A Set id: `setName.setArea.setGroup`. */
export const SET_ID = /^([a-z]+)\.([a-z]+)\.(\d+|\*)$/;

/** An `App.Server` id. */
export const SERVER_ID = /^([A-Za-z][0-9A-Za-z]*)\.([A-Za-z][0-9A-Za-z]*)$/;

/** A servant (adapter object) name. */
export const SERVANT_NAME = /^[A-Za-z][0-9A-Za-z]{0,62}$/;

/** tarsnode's NodeObj port; K8SFramework's admission webhook rejects it for servants too. */
export const RESERVED_SERVANT_PORT = 19385;

/** Column sizes of `db_tars.t_server_conf`: set_name and set_area varchar(16), set_group varchar(64). */
const SET_PART_LIMITS = [16, 16, 64] as const;

/** Checks every Set; returns the ids of the Sets that exist (valid or not) for reference checks. */
export function checkSets(sets: unknown, names: FleetNames, report: Report): Set<string> {
  const ids = new Set<string>();
  for (const [id, set] of entriesOf(sets)) {
    const path = ["sets", id];
    ids.add(id);
    const match = SET_ID.exec(id);
    if (match === null) {
      report(
        path,
        `Set id must be setName.setArea.setGroup (lowercase letters . lowercase letters . digits or *), got ${JSON.stringify(id)}`,
        "key",
      );
    } else {
      const tooLong = match.slice(1).findIndex((part, i) => part.length > SET_PART_LIMITS[i]);
      if (tooLong >= 0) {
        const part = ["setName", "setArea", "setGroup"][tooLong];
        report(
          path,
          `${part} is longer than the ${SET_PART_LIMITS[tooLong]} characters TARS stores, got ${JSON.stringify(id)}`,
          "key",
        );
      }
    }
    const cluster = asString(field(set, "cluster"));
    if (cluster !== undefined && !names.clusters.has(cluster)) {
      report(
        [...path, "cluster"],
        `unknown cluster ${JSON.stringify(cluster)}, expected ${allowed(names.clusters.keys())}`,
      );
    }
    checkStandby(path, set, cluster, names, report);
  }
  return ids;
}

function checkStandby(
  path: FieldPath,
  set: unknown,
  cluster: string | undefined,
  names: FleetNames,
  report: Report,
): void {
  const standby = asString(field(set, "standby"));
  if (standby !== undefined && !names.clusters.has(standby)) {
    report(
      [...path, "standby"],
      `unknown cluster ${JSON.stringify(standby)}, expected ${allowed(names.clusters.keys())}`,
    );
  } else if (standby !== undefined && standby === cluster) {
    report(
      [...path, "standby"],
      `standby must differ from cluster, both are ${JSON.stringify(standby)}`,
    );
  }
  if (standby === undefined) {
    if (asBoolean(field(set, "warmStandby")) === true) {
      report([...path, "warmStandby"], "warmStandby needs a standby cluster (set standby)");
    }
    if (asBoolean(field(set, "failedOver")) === true) {
      report([...path, "failedOver"], "failedOver needs a standby cluster to run in (set standby)");
    }
  }
}

/** Checks every server: names, image, servants, resources and replicas per Set. */
export function checkServers(servers: unknown, names: FleetNames, report: Report): void {
  const byLowerCase = new Map<string, string>();
  for (const [id, server] of entriesOf(servers)) {
    const path = ["servers", id];
    if (!SERVER_ID.test(id)) {
      report(
        path,
        `server must be App.Server (letters and digits, each starting with a letter), got ${JSON.stringify(id)}`,
        "key",
      );
    } else {
      const other = byLowerCase.get(id.toLowerCase());
      if (other !== undefined) {
        report(
          path,
          `server ${id} differs from ${other} only in letter case; their Kubernetes names would clash`,
          "key",
        );
      } else byLowerCase.set(id.toLowerCase(), id);
    }
    const image = asString(field(server, "image"));
    const problem = image === undefined ? undefined : pinnedImageProblem(image);
    if (problem !== undefined) report([...path, "image"], problem);
    checkServants(path, field(server, "servants"), report);
    checkResources(path, field(server, "resources"), report);
    for (const [setId] of entriesOf(field(server, "replicas"))) {
      const at = [...path, "replicas", setId];
      if (!names.sets.has(setId)) {
        report(at, `unknown Set ${JSON.stringify(setId)}, expected ${allowed(names.sets)}`, "key");
      } else if (SERVER_ID.test(id) && SET_ID.test(setId)) {
        const name = deploymentName(id, setId);
        if (!isDnsLabel(name)) {
          report(
            at,
            `Deployment name "${name}" has ${name.length} characters, at most 63 allowed; shorten the server or Set name`,
            "key",
          );
        }
      }
    }
  }
}

function checkServants(path: FieldPath, servants: unknown, report: Report): void {
  const entries = entriesOf(servants);
  if (isRecord(servants) && entries.length === 0) {
    report([...path, "servants"], "must define at least one servant");
  }
  const ports = new Map<number, string>();
  for (const [name, servant] of entries) {
    const at = [...path, "servants", name];
    if (!SERVANT_NAME.test(name)) {
      report(
        at,
        `servant name must be letters and digits starting with a letter (at most 63), got ${JSON.stringify(name)}`,
        "key",
      );
    }
    const port = field(servant, "port");
    if (typeof port !== "number") continue;
    if (port === RESERVED_SERVANT_PORT) {
      report(
        [...at, "port"],
        `port ${RESERVED_SERVANT_PORT} is reserved for tarsnode, choose another`,
      );
    }
    const other = ports.get(port);
    if (other !== undefined)
      report([...at, "port"], `port ${port} is already used by servant ${other}`);
    else ports.set(port, name);
  }
}

function checkResources(path: FieldPath, resources: unknown, report: Report): void {
  const cpu = field(resources, "cpu");
  if (typeof cpu === "string" || typeof cpu === "number") {
    const parsed = parseCpuMilli(cpu);
    if (!parsed.ok) report([...path, "resources", "cpu"], parsed.reason);
  }
  const memory = field(resources, "memory");
  if (typeof memory === "string") {
    const parsed = parseMemoryMiB(memory);
    if (!parsed.ok) report([...path, "resources", "memory"], parsed.reason);
  }
}
