/**
 * The one place the policies read the capacity maths (`fleet/operations/capacity.ts`).
 *
 * Rules depend on this adapter's small shape, not on the capacity report's, so a change there
 * touches only this file.
 */
import { capacityReport, formatShortfall } from "../fleet/operations/capacity";
import { type FleetSpec } from "../fleet/model/model";

/** A cluster that cannot hold its pods once a region's Sets have failed over into it. */
export interface RegionLossShortfall {
  /** The region lost. */
  readonly region: string;
  /** The remaining cluster that would be short. */
  readonly cluster: string;
  /** What it lacks, for people: `2.5 CPU and 1.2Gi memory`. */
  readonly lacking: string;
}

/** Every cluster short of capacity after the loss of some region, region by region. */
export function regionLossShortfalls(fleet: FleetSpec): RegionLossShortfall[] {
  return capacityReport(fleet).regions.flatMap((verdict) =>
    verdict.shortfalls.map((s) => ({
      region: verdict.region,
      cluster: s.cluster,
      lacking: formatShortfall(s),
    })),
  );
}
