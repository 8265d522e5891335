/**
 * `tarsfed capacity`: per cluster, what its pods request against what its node pools hold at
 * `maxSize`, and for each region whether the fleet survives losing it.
 */
import { Command } from "commander";
import {
  capacityReport,
  type CapacityReport,
  formatShortfall,
  type Resources,
} from "../../fleet/operations/capacity";
import { type FleetSpec } from "../../fleet/model/model";
import { formatMemory } from "../../fleet/model/quantity";
import { type CommandContext } from "../context";
import { ExitCode } from "../exit-codes";
import { json, table } from "../render";

/** The capacity report of a fleet. */
export function runCapacity(fleet: FleetSpec): CapacityReport {
  return capacityReport(fleet);
}

/** Cores for a table cell: `7`, `2.5`, `-0.25`. */
function cores(milli: number): string {
  return `${milli / 1000}`;
}

/** Memory for a table cell, negative values included: `7.8Gi`, `-512Mi`. */
function memory(mib: number): string {
  return mib < 0 ? `-${formatMemory(-mib)}` : formatMemory(mib);
}

const now = (r: Resources) => `${cores(r.cpuMilli)} / ${memory(r.memoryMiB)}`;

/** The text rendering: a cluster table, then a region-loss table. */
export function renderCapacity(report: CapacityReport): string {
  const clusters = table(
    [
      "cluster",
      "region",
      "CPU demand",
      "CPU at max",
      "CPU headroom",
      "memory demand",
      "memory at max",
      "memory headroom",
      "now (CPU / memory)",
      "fits",
    ],
    report.clusters.map((c) => [
      c.cluster,
      c.region,
      cores(c.demand.cpuMilli),
      cores(c.capacity.cpuMilli),
      cores(c.headroom.cpuMilli),
      memory(c.demand.memoryMiB),
      memory(c.capacity.memoryMiB),
      memory(c.headroom.memoryMiB),
      now(c.capacityNow),
      c.fits ? "yes" : "NO",
    ]),
  );
  const regions = table(
    ["region lost", "survivable", "Sets moved", "Sets lost", "shortfalls"],
    report.regions.map((r) => [
      r.region,
      r.survivable ? "yes" : "NO",
      r.movedSets.join(", ") || "-",
      r.lostSets.join(", ") || "-",
      r.shortfalls.map((s) => `${s.cluster}: ${formatShortfall(s)}`).join("\n") || "-",
    ]),
  );
  const notes = report.regions.flatMap((r) => [
    ...r.blockers.map((b) => `not survivable: ${r.region}: ${b}`),
    ...r.notes.map((n) => `note: ${r.region}: ${n}`),
  ]);
  return [
    "CPU in cores, memory in MiB/GiB; capacity is every node pool at maxSize, 'now' at desiredSize (an existing cluster: what it declares)",
    clusters,
    "",
    "if one region is lost, its Sets move to their standby clusters:",
    regions,
    ...notes,
    "",
  ].join("\n");
}

/** The `capacity` command. */
export function capacityCommand(ctx: CommandContext): Command {
  return new Command("capacity")
    .description(
      "per cluster: demand, capacity at node-pool max, headroom; and whether losing any one " +
        "region fits",
    )
    .action((_options: unknown, command: Command) => {
      const globals = ctx.globals(command);
      const report = runCapacity(ctx.load(globals.fleet).spec);
      ctx.io.out(globals.json ? json(report) : renderCapacity(report));
      ctx.setExitCode(ExitCode.Ok);
    });
}
