/**
 * The outputs stacks read from one another, by name: what an infra stack hands its region's TARS
 * stack (and the other infra stacks), and what the home TARS stack hands the other TARS stacks.
 */
import { MASTER_GTID_OUTPUT } from "../fleet/network/database-placement";

/** Outputs of `<region>-infra`. */
export const InfraOutput = {
  VpcId: "vpcId",
  /** Subnet ids by carve key. */
  SubnetIds: "subnetIds",
  /** TKE cluster ids by fleet cluster name: the Kubernetes providers' `clusterIdentifier`. */
  ClusterIds: "clusterIds",
  /** Intranet kubeconfigs by fleet cluster name (secret). */
  Kubeconfigs: "kubeconfigs",
  /** `{ id, address }` of each created cluster's registry CLB, by cluster name. */
  RegistryLoadBalancers: "registryLoadBalancers",
  /**
   * Home: `{ id, address }` of tarsweb's CLB, when the home cluster is created; the database's
   * standby region: its standby tarsweb's, when its first cluster is created.
   */
  WebLoadBalancer: "webLoadBalancer",
  /** Home: tarsweb's address (its CLB's VIP), which CVM pools of other regions download from. */
  WebAddress: "webAddress",
  /** Home: `{ id, address }` of the in-cluster database's CLB. */
  DbLoadBalancer: "dbLoadBalancer",
  /** Home, TencentDB: its intranet address. */
  DbInstanceHost: "dbInstanceHost",
  /** Home, TencentDB: the master's instance id, which the standby's DR replica follows. */
  DbInstanceId: "dbInstanceId",
  /**
   * Home, TencentDB: the master's `gtid` ("`0` - Not enabled; `1` - Enabled"), which the standby's
   * DR replica needs; `tarsfed preview`/`up` of the standby infra stack check it
   * (fleet/network/database-placement.ts, masterGtidRefusal).
   */
  DbGtid: MASTER_GTID_OUTPUT,
  /** Home, TencentDB: the master's security group id (a failover fences the master with it). */
  DbSecurityGroupId: "dbSecurityGroupId",
  /** Standby region (`tars.db.standbyRegion`): the DR replica's instance id. */
  DbDrInstanceId: "dbDrInstanceId",
  /** Standby region: the DR replica's intranet address. */
  DbDrInstanceHost: "dbDrInstanceHost",
  /**
   * The region holding the database's DNS record (home without a standby, else the standby):
   * the record's id, `<zone id>#<record id>`.
   */
  DbRecordId: "dbRecordId",
  /** Home: the database's root password (secret). */
  DbRootPassword: "dbRootPassword",
  /** Home: the framework user's password (secret). */
  DbAdminPassword: "dbAdminPassword",
} as const;

/** Outputs of the `global` stack. */
export const GlobalOutput = {
  CcnId: "ccnId",
  /** TencentDB: the Private DNS zone of the database's name (fleet/network/database-dns.ts). */
  DbDnsZoneId: "dbDnsZoneId",
} as const;

/** Outputs of the home TARS stack: how every framework service reaches the database. */
export const HomeOutput = {
  DbHost: "dbHost",
  DbPort: "dbPort",
  DbUser: "dbUser",
  /** Secret. */
  DbPassword: "dbPassword",
} as const;

/** A load balancer as an output: its id and its address. */
export interface LoadBalancerOutput {
  readonly id: string;
  readonly address: string;
}
