/**
 * Whether the framework database can be reached, and the refusal of operations that need new
 * registrations while it cannot.
 *
 * Every TARS pod registers itself in the database before its server starts: tarscli's supervisor
 * tries `registerNode` and, while it fails, sleeps a minute and tries again, forever, never
 * starting the server (K8STARS `app/supervisor/launch.go`, `Start`: `for { if err :=
 * c.registerServer(); err == nil { break }; time.Sleep(time.Minute) }`). So while the database is
 * unreachable a new or rescheduled pod never serves: a scale (in or out), a Set failover or
 * failback, or an `up` of a TARS stack that replaces pods takes serving pods away, or adds none.
 *
 * How tarsfed knows: the database is private to the fleet's VPCs, so tarsfed cannot reach it
 * itself. It probes what the engine would reach: the Kubernetes API servers of the serving
 * region's clusters (`tars.db.servingRegion`, the database's region; home for the in-cluster
 * database), with a TCP connection to each, as the Kubernetes providers connect to them (and fail
 * with "configured Kubernetes cluster is unreachable" when they cannot, `./engine.ts`). The
 * servers come from the clusters' kubeconfigs: the serving infra stack's `kubeconfigs` output
 * for clusters the fleet creates, the kubeconfig file for existing ones. When none of them
 * answers, the region is taken as dark, and its database with it. When the addresses cannot be
 * read (no Pulumi CLI, a stack never applied), the state is unknown and nothing is refused.
 */
import * as net from "node:net";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { kubeconfigPath } from "../../fleet/model/kubeconfig";
import { type LoadedFleet } from "../../fleet/model/load";
import { infraStackName } from "../../fleet/model/naming";
import { DbMode } from "../../fleet/model/schema";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { type Io } from "../io";

/** What a probe found. */
export type DatabaseReachability =
  | { readonly state: "reachable" }
  | { readonly state: "unreachable"; readonly reason: string }
  | { readonly state: "unknown"; readonly reason: string };

/** Probes the database's reachability for a fleet. */
export type DatabaseProbe = (fleet: LoadedFleet) => Promise<DatabaseReachability>;

/** A probe that never knows: commands built without one refuse nothing. */
export const noDatabaseProbe: DatabaseProbe = () =>
  Promise.resolve({ state: "unknown", reason: "no probe" });

/** The region whose database instance is the master. */
export function servingRegion(fleet: LoadedFleet): string {
  const db = fleet.spec.tars.db;
  return db.mode === DbMode.TencentDb ? db.servingRegion : fleet.spec.homeRegion;
}

/**
 * Refuses `what` (e.g. `scaling TestApp.HelloServer in app.gz.1`) when the probe finds the
 * database unreachable, unless `force`; says so on stderr when it goes ahead anyway.
 */
export async function refuseWhileDatabaseDown(
  probe: DatabaseProbe,
  fleet: LoadedFleet,
  what: string,
  force: boolean,
  io: Io,
): Promise<void> {
  const found = await probe(fleet);
  if (found.state !== "unreachable") return;
  const region = servingRegion(fleet);
  const why =
    `the framework database (in ${region}) is unreachable: ${found.reason}. Every new or ` +
    "rescheduled TARS pod must register in it before its server starts, and tarscli's supervisor " +
    "retries every minute without ever starting it (K8STARS app/supervisor/launch.go), so " +
    `${what} would take serving pods away or add none`;
  if (force) {
    io.err(`warning: ${why} (going ahead: --force)`);
    return;
  }
  const home =
    region === fleet.spec.homeRegion &&
    fleet.spec.tars.db.mode === DbMode.TencentDb &&
    fleet.spec.tars.db.standbyRegion !== undefined
      ? `; to bring the database back in ${fleet.spec.tars.db.standbyRegion}, run tarsfed failover --region ${region} (README: Losing the home region)`
      : "";
  throw new UserError(`refused: ${why}${home}; pass --force to go ahead anyway`, ExitCode.Refused);
}

/** `host:port` of a kubeconfig's current cluster (or its first), or undefined. */
export function kubeconfigServer(text: string): { host: string; port: number } | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  const config = doc as {
    "current-context"?: string;
    contexts?: { name?: string; context?: { cluster?: string } }[];
    clusters?: { name?: string; cluster?: { server?: string } }[];
  } | null;
  const context = config?.contexts?.find((c) => c.name === config["current-context"]);
  const cluster =
    config?.clusters?.find((c) => c.name === context?.context?.cluster) ?? config?.clusters?.[0];
  const server = cluster?.cluster?.server;
  if (server === undefined) return undefined;
  try {
    const url = new URL(server);
    return { host: url.hostname, port: Number(url.port || (url.protocol === "http:" ? 80 : 443)) };
  } catch {
    return undefined;
  }
}

/** Whether a TCP connection to `host:port` opens within `timeoutMs`. */
export function tcpOpens(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** How the real probe reads a stack's outputs (secrets shown). */
export type StackOutputs = (stack: string) => Promise<Readonly<Record<string, unknown>>>;

/** The probe described in the file comment, over `outputs` (`../engine/one-off.ts`). */
export function apiServerProbe(outputs: StackOutputs, timeoutMs = 5000): DatabaseProbe {
  return async (fleet) => {
    const region = fleet.spec.regions.find((r) => r.name === servingRegion(fleet));
    if (region === undefined) return { state: "unknown", reason: "no serving region" };
    const kubeconfigs: string[] = [];
    for (const cluster of region.clusters) {
      const source = cluster.existing?.kubeconfig;
      if (source !== undefined && "file" in source) {
        try {
          kubeconfigs.push(readFileSync(kubeconfigPath(fleet.file, source.file), "utf8"));
        } catch {
          // An unreadable file says nothing about the region.
        }
      }
    }
    if (region.clusters.some((c) => c.existing === undefined)) {
      try {
        const all = (await outputs(infraStackName(region.name))).kubeconfigs;
        if (all !== null && typeof all === "object")
          for (const text of Object.values(all as Record<string, unknown>))
            if (typeof text === "string") kubeconfigs.push(text);
      } catch (error) {
        if (kubeconfigs.length === 0)
          return {
            state: "unknown",
            reason: error instanceof Error ? error.message : String(error),
          };
      }
    }
    const servers = kubeconfigs.flatMap((k) => kubeconfigServer(k) ?? []);
    if (servers.length === 0) return { state: "unknown", reason: "no API server address" };
    const open = await Promise.all(servers.map((s) => tcpOpens(s.host, s.port, timeoutMs)));
    if (open.some((o) => o)) return { state: "reachable" };
    const list = servers.map((s) => `${s.host}:${s.port}`).join(", ");
    return {
      state: "unreachable",
      reason: `no Kubernetes API server of ${region.name}'s clusters answers (${list}, ${timeoutMs / 1000}s each)`,
    };
  };
}
