/**
 * Type tokens of the resources the rules look at.
 *
 * Rules compare `type` with these literal tokens rather than with SDK classes, so the pack needs
 * neither the local `@pulumi/tencentcloud` nor `@pulumi/kubernetes` (pulumi-policy B.5 notes).
 * The Tencent Cloud tokens are the generated SDK's (`tencentcloud:index/<camel>:<Pascal>`).
 */

/** Tencent Cloud resources. */
export const TencentType = {
  Vpc: "tencentcloud:index/vpc:Vpc",
  KubernetesCluster: "tencentcloud:index/kubernetesCluster:KubernetesCluster",
  KubernetesClusterEndpoint:
    "tencentcloud:index/kubernetesClusterEndpoint:KubernetesClusterEndpoint",
  MysqlInstance: "tencentcloud:index/mysqlInstance:MysqlInstance",
  MysqlDrInstance: "tencentcloud:index/mysqlDrInstance:MysqlDrInstance",
  ClbInstance: "tencentcloud:index/clbInstance:ClbInstance",
  SecurityGroupRuleSet: "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet",
  /** A CVM; the tarsnode machines of the CVM pools. */
  Instance: "tencentcloud:index/instance:Instance",
  /** Deprecated by the provider, and unused here, but a user may still add one. */
  SecurityGroupLiteRule: "tencentcloud:index/securityGroupLiteRule:SecurityGroupLiteRule",
} as const;

/** Kubernetes objects. */
export const K8sType = {
  Deployment: "kubernetes:apps/v1:Deployment",
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  DaemonSet: "kubernetes:apps/v1:DaemonSet",
  Job: "kubernetes:batch/v1:Job",
  CronJob: "kubernetes:batch/v1:CronJob",
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  Service: "kubernetes:core/v1:Service",
  PodDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
  Namespace: "kubernetes:core/v1:Namespace",
  NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  PersistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
} as const;

/** Kubernetes objects that run pods. */
export const WORKLOAD_TYPES: readonly string[] = [
  K8sType.Deployment,
  K8sType.StatefulSet,
  K8sType.DaemonSet,
  K8sType.Job,
  K8sType.CronJob,
];
