/**
 * The TARS framework's well-known ports and how endpoints are written.
 *
 * @see https://github.com/TarsCloud/TarsFramework/tree/master/deploy/framework/sql (tars_servers*.sql)
 */

/** The registry: QueryObj answers name lookups, RegistryObj takes node and server registrations. */
export const REGISTRY_PORTS = { query: 17890, registry: 17891 } as const;

/** tarsAdminRegistry's AdminRegObj; tarsnode (v3.0.8+) keeps an outbound connection to it. */
export const ADMIN_REGISTRY_PORT = 12000;

/** tarsnode's objects on a CVM: NodeObj (legacy), ServerObj (local heartbeats), local admin. */
export const TARSNODE_PORTS = { nodeObj: 19385, serverObj: 19386, local: 19387 } as const;

/** Native ports of the other framework services (tarsconfig 18193 … tarslog 18993). */
export const FRAMEWORK_SERVICE_PORT_RANGE = { from: 18193, to: 18993 } as const;

/** tarscli picks a free port in this range for a servant without a fixed port (K8STARS genconf). */
export const TARSCLI_RANDOM_PORT_RANGE = { from: 13000, to: 16000 } as const;

/** One `tcp -h host -p port` endpoint. */
export interface TarsEndpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * The locator string of the registry at `endpoints`, as TARS clients and tarsnode take it.
 *
 * @example tarsLocator([{ host: "10.10.8.5", port: 17890 }]) === "tars.tarsregistry.QueryObj@tcp -h 10.10.8.5 -p 17890"
 */
export function tarsLocator(endpoints: readonly TarsEndpoint[]): string {
  if (endpoints.length === 0)
    throw new RangeError("a locator needs at least one registry endpoint");
  return `tars.tarsregistry.QueryObj@${endpoints.map((e) => `tcp -h ${e.host} -p ${e.port}`).join(":")}`;
}
