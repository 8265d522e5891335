/**
 * Port specs as security groups write them, and the ports that must never be open to the world.
 *
 * A Tencent Cloud security-group rule names its ports as `ALL`, `80`, `80,443` or `80-90`
 * (SecurityGroupRuleSet `port`). The protected ports are the fleet's own, from the same constants
 * the security groups and manifests are built from: TARS (registry, admin registry, framework
 * services, tarsnode, tarscli's servant range, and the servers' servant ports when the fleet is
 * known), tarsweb, and the framework database.
 */
import { WEB_PORT } from "../fleet/tars/framework";
import { MYSQL_PORT } from "../fleet/k8s/db-config";
import { type FleetSpec } from "../fleet/model/model";
import { tarsPortSpecs } from "../fleet/network/security";

/** An inclusive range of ports. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** A group of ports that must not be open to the internet. */
export interface ProtectedPorts {
  /** The security-group spelling, e.g. `17890,17891,12000`. */
  readonly port: string;
  /** What listens there, e.g. `TARS registry and admin registry`. */
  readonly description: string;
  readonly ranges: readonly PortRange[];
}

const ALL_PORTS: PortRange = { from: 1, to: 65535 };

/**
 * The ranges a port spec covers; undefined when it is not a port spec (a service template).
 *
 * @example parsePortSpec("80,8000-8080") → [{ from: 80, to: 80 }, { from: 8000, to: 8080 }]
 */
export function parsePortSpec(spec: string): PortRange[] | undefined {
  const trimmed = spec.trim();
  if (trimmed.toUpperCase() === "ALL") return [ALL_PORTS];
  const ranges: PortRange[] = [];
  for (const part of trimmed.split(",")) {
    const match = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(part);
    if (match === null) return undefined;
    const from = Number(match[1]);
    ranges.push({ from, to: match[2] === undefined ? from : Number(match[2]) });
  }
  return ranges;
}

/** Whether any range of `a` shares a port with any range of `b`. */
export function rangesOverlap(a: readonly PortRange[], b: readonly PortRange[]): boolean {
  return a.some((x) => b.some((y) => x.from <= y.to && y.from <= x.to));
}

/** The servers' servant ports, sorted, once each. */
export function servantPorts(fleet: FleetSpec): number[] {
  const ports = new Set(fleet.servers.flatMap((s) => s.servants.map((v) => v.port)));
  return [...ports].sort((a, b) => a - b);
}

/** Every port group that must not be open to the internet; servant ports only with a fleet. */
export function protectedPorts(fleet?: FleetSpec): ProtectedPorts[] {
  const specs = [
    ...tarsPortSpecs(fleet === undefined ? [] : servantPorts(fleet)),
    { port: String(WEB_PORT), description: "tarsweb" },
    { port: String(MYSQL_PORT), description: "TARS framework database" },
  ];
  return specs.map((s) => ({ ...s, ranges: parsePortSpec(s.port) ?? [] }));
}
