/**
 * Every tarsfed policy rule, in the order findings are reported.
 *
 * The offline plan (`policies/evaluate.ts`) and the CrossGuard pack (`policies/index.ts`) both use
 * this list, so a rule added here is enforced in both places.
 */
import { type TarsfedRule } from "../rule";
import { allowListsBounded } from "./allow-lists-bounded";
import { clusterEndpointSecurityGroup } from "./cluster-endpoint-security-group";
import { grClusterReachability } from "./gr-cluster-reachability";
import { homeRegionStandby } from "./home-region-standby";
import { imagesPinned } from "./images-pinned";
import { namespacePodSecurity, namespacesIsolated } from "./namespaces-isolated";
import { noOpenTarsPorts } from "./no-open-tars-ports";
import { noPlaintextSecrets } from "./no-plaintext-secrets";
import { noPublicClusterEndpoint } from "./no-public-cluster-endpoint";
import { noPublicDatabase } from "./no-public-database";
import { noPublicLoadBalancer } from "./no-public-load-balancer";
import { podSecurityContext } from "./pod-security-context";
import { regionLossFits } from "./region-loss-fits";
import { resourceRequestsAndLimits } from "./resource-requests-and-limits";
import { setDeploymentPdb } from "./set-deployment-pdb";
import { setStandbyInAnotherRegion } from "./set-standby-in-another-region";
import { statefulResourcesProtected } from "./stateful-resources-protected";
import { tarsGracefulShutdown } from "./tars-graceful-shutdown";
import { tarsnodePackageVerified } from "./tarsnode-package-verified";

/** Every rule: the mandatory ones first, then the advisory ones. */
export const rules: readonly TarsfedRule[] = [
  noPublicClusterEndpoint,
  clusterEndpointSecurityGroup,
  noPublicDatabase,
  noPublicLoadBalancer,
  noOpenTarsPorts,
  allowListsBounded,
  imagesPinned,
  resourceRequestsAndLimits,
  podSecurityContext,
  namespacePodSecurity,
  namespacesIsolated,
  tarsGracefulShutdown,
  setDeploymentPdb,
  statefulResourcesProtected,
  noPlaintextSecrets,
  tarsnodePackageVerified,
  setStandbyInAnotherRegion,
  regionLossFits,
  homeRegionStandby,
  grClusterReachability,
];

export {
  allowListsBounded,
  clusterEndpointSecurityGroup,
  grClusterReachability,
  homeRegionStandby,
  imagesPinned,
  namespacePodSecurity,
  namespacesIsolated,
  noOpenTarsPorts,
  noPlaintextSecrets,
  noPublicClusterEndpoint,
  noPublicDatabase,
  noPublicLoadBalancer,
  podSecurityContext,
  regionLossFits,
  resourceRequestsAndLimits,
  setDeploymentPdb,
  setStandbyInAnotherRegion,
  statefulResourcesProtected,
  tarsGracefulShutdown,
  tarsnodePackageVerified,
};
