/**
 * No framework database reachable from the internet.
 *
 * The TARS registry, tarsweb and every framework service trust the database completely; it is
 * reached over the VPCs and CCN only. TencentDB for MySQL publishes a public address when
 * `internetService` is 1.
 * @see https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/mysql_instance
 */
import { type Props } from "../props";
import { EnforcementLevel, type ResourceRule } from "../rule";
import { TencentType } from "../tokens";

/** Why the MySQL instance's inputs give it a public address, if they do. */
export function publicDatabaseProblem(props: Props): string | undefined {
  if (props.internetService !== 1) return undefined;
  return "the database has a public address (internetService: 1); set internetService: 0 and reach it over the VPC and CCN";
}

/** The rule. */
export const noPublicDatabase: ResourceRule = {
  kind: "resource",
  name: "no-public-database",
  description: "The framework database has no public address.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [TencentType.MysqlInstance],
  check: (resource) => {
    const problem = publicDatabaseProblem(resource.props);
    return problem === undefined ? [] : [problem];
  },
};
