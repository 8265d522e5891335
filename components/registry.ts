/**
 * Type tokens of this project's components.
 *
 * A token is part of every child's URN: changing one replaces the component's resources, so
 * treat a change as breaking and add `aliases` (see the changelog in README.md).
 */
export const ComponentType = {
  FleetCcn: "tarsfed:network:FleetCcn",
  RegionNetwork: "tarsfed:network:RegionNetwork",
  TarsLoadBalancers: "tarsfed:network:TarsLoadBalancers",
  DatabaseDnsZone: "tarsfed:network:DatabaseDnsZone",
  DatabaseDnsAttachment: "tarsfed:network:DatabaseDnsAttachment",
  DatabaseDnsRecord: "tarsfed:network:DatabaseDnsRecord",
  TkeCluster: "tarsfed:compute:TkeCluster",
  ClusterConnection: "tarsfed:compute:ClusterConnection",
  CvmPool: "tarsfed:compute:CvmPool",
  TarsFramework: "tarsfed:tars:TarsFramework",
  TarsDatabase: "tarsfed:tars:TarsDatabase",
  TarsDatabaseInstance: "tarsfed:tars:TarsDatabaseInstance",
  TarsDatabaseReplica: "tarsfed:tars:TarsDatabaseReplica",
  TarsIdcGroups: "tarsfed:tars:TarsIdcGroups",
  TarsHomeServices: "tarsfed:tars:TarsHomeServices",
  TarsStandbyWeb: "tarsfed:tars:TarsStandbyWeb",
  TarsSetDeployment: "tarsfed:tars:TarsSetDeployment",
} as const;

/** One of {@link ComponentType}. */
export type ComponentType = (typeof ComponentType)[keyof typeof ComponentType];
