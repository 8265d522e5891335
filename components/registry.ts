/**
 * Type tokens of this project's components.
 *
 * A token is part of every child's URN: changing one replaces the component's resources, so
 * treat a change as breaking and add `aliases` (see the changelog in README.md).
 */
export const ComponentType = {
  FleetCcn: "tarsfed:network:FleetCcn",
  RegionNetwork: "tarsfed:network:RegionNetwork",
  TkeCluster: "tarsfed:compute:TkeCluster",
  CvmPool: "tarsfed:compute:CvmPool",
  TarsFramework: "tarsfed:tars:TarsFramework",
  TarsDatabase: "tarsfed:tars:TarsDatabase",
  TarsIdcGroups: "tarsfed:tars:TarsIdcGroups",
  TarsHomeServices: "tarsfed:tars:TarsHomeServices",
  TarsSetDeployment: "tarsfed:tars:TarsSetDeployment",
} as const;

/** One of {@link ComponentType}. */
export type ComponentType = (typeof ComponentType)[keyof typeof ComponentType];
