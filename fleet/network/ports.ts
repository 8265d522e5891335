/**
 * The TARS framework's well-known ports and how endpoints and locators are written.
 *
 * @see https://github.com/TarsCloud/TarsFramework/tree/master/deploy/framework/sql (tars_servers*.sql)
 */

/** Ports of `tarsregistry`; nodes and servers need outbound access to both. */
export const REGISTRY_PORTS = {
  /** `tars.tarsregistry.QueryObj`: what locators point at. */
  query: 17890,
  /** `tars.tarsregistry.RegistryObj`: where tarsnode registers and sends keepalives. */
  registry: 17891,
} as const;

/**
 * Port of `tars.tarsAdminRegistry.AdminRegObj`.
 *
 * Since TarsFramework v3.0.8 admin commands reach tarsnode over its own outbound connection to
 * this port, so nodes need outbound access to it.
 */
export const ADMIN_REGISTRY_PORT = 12000;

/** Ports tarsnode listens on, from the native framework's port table. */
export const TARSNODE_PORTS = {
  /** `tars.tarsnode.NodeObj`; no longer served since TarsFramework v3.0.8, still configured. */
  nodeObj: 19385,
  /** `tars.tarsnode.ServerObj`: business processes on the node send heartbeats here. */
  serverObj: 19386,
  /** Admin port bound to 127.0.0.1. */
  local: 19387,
} as const;

/** Native ports of the other framework services (tarsconfig 18193 … tarslog 18993). */
export const FRAMEWORK_SERVICE_PORT_RANGE = { from: 18193, to: 18993 } as const;

/** tarscli picks a free port in this range for a servant without a fixed port (K8STARS genconf). */
export const TARSCLI_RANDOM_PORT_RANGE = { from: 13000, to: 16000 } as const;

/** One `host:port` a registry's `QueryObj` is reached at. */
export interface RegistryEndpoint {
  /** IPv4 address or DNS name, e.g. a load balancer VIP or a Service's cluster DNS name. */
  readonly host: string;
  /** TCP port, 1 to 65535; normally {@link REGISTRY_PORTS}.query. */
  readonly port: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/** RFC 1123 host name; the last label needs a letter, or it reads as an IP (RFC 3696 section 2). */
const DNS_NAME = new RegExp(`^(${DNS_LABEL}\\.)*(?=[A-Za-z0-9-]*[A-Za-z])${DNS_LABEL}$`);

/** True when `text` is a dotted-quad IPv4 address. */
export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/** True when `host` is a dotted-quad IPv4 address or a DNS host name. */
export function isHost(host: string): boolean {
  return IPV4.test(host) || (host.length <= 253 && DNS_NAME.test(host));
}

/** Throws a RangeError naming `field[i]` when an endpoint is malformed, or when there are none. */
export function checkEndpoints(endpoints: readonly RegistryEndpoint[], field: string): void {
  const refuse = (at: string, problem: string, value: unknown): never => {
    throw new RangeError(`${at}: ${problem}, got ${JSON.stringify(value)}`);
  };
  if (endpoints.length === 0) refuse(field, "at least one registry endpoint is required", []);
  endpoints.forEach(({ host, port }, i) => {
    if (!isHost(host)) refuse(`${field}[${i}].host`, "not an IPv4 address or DNS name", host);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      refuse(`${field}[${i}].port`, "must be an integer from 1 to 65535", port);
    }
  });
}

/**
 * The TARS locator of the registries' QueryObj.
 *
 * For example `tars.tarsregistry.QueryObj@tcp -h A -p 17890:tcp -h B -p 17890`; endpoints keep
 * their order. Throws a RangeError naming the bad `endpoints[i]` field when a host is not an IPv4
 * address or DNS name or a port is outside 1 to 65535, or when there are none.
 *
 * @see https://github.com/TarsCloud/TarsDocs/blob/master/installation/node.md (the `locator` key)
 */
export function tarsLocator(endpoints: readonly RegistryEndpoint[]): string {
  checkEndpoints(endpoints, "endpoints");
  const addresses = endpoints.map(({ host, port }) => `tcp -h ${host} -p ${port}`);
  return `tars.tarsregistry.QueryObj@${addresses.join(":")}`;
}
