import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { InvariantError, ValidationError } from "../errors";
import type { CustomIntegration, CustomIntegrationAction } from "../schema/custom-integrations";

type RequestIntegration = Pick<CustomIntegration, "baseUrl" | "authHeader" | "authPrefix"> & Partial<Pick<CustomIntegration, "isActive">>;
type RequestAction = Pick<CustomIntegrationAction, "httpMethod" | "endpoint">;

/**
 * Builds the HTTP request for an action: base URL + endpoint with `{name}` path parameters filled
 * and encoded, the credential in the integration's auth header, the other parameters as the JSON
 * body (POST, PUT, PATCH) or the query string. Refuses any URL that would leave the base URL's
 * origin or path (`..`, encoded dots, `//host`, backslashes). An inactive integration
 * (`isActive: false`) cannot be called (InvariantError `integration_inactive`).
 *
 * @example
 * const request = buildActionRequest(integration, action, apiKey, { id: 42 });
 * const response = await fetch(request);
 */
export function buildActionRequest(
  integration: RequestIntegration,
  action: RequestAction,
  credential: string | undefined,
  params: Record<string, unknown> = {},
): Request {
  if (integration.isActive === false) throw new InvariantError("This custom integration is inactive and cannot be called", "integration_inactive");
  const base = new URL(integration.baseUrl);
  const rest = { ...params };
  const path = action.endpoint.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in rest) || rest[name] === undefined || rest[name] === null)
      throw new ValidationError(`params.${name}`, "is required by the endpoint");
    const value = String(rest[name]);
    delete rest[name];
    if (value === "" || value === "." || value === "..") throw new ValidationError(`params.${name}`, "must not be empty, '.' or '..'");
    return encodeURIComponent(value);
  });
  const joined = `${base.pathname.replace(/\/+$/, "")}${path}`;
  const url = new URL(joined, base.origin);
  // The URL parser resolves dot segments and backslashes; if it changed anything, refuse.
  if (url.origin !== base.origin || url.pathname !== joined || !url.pathname.startsWith(base.pathname.replace(/\/+$/, ""))) {
    throw new ValidationError("endpoint", "resolves outside the integration's base URL");
  }
  const method = action.httpMethod;
  const headers = new Headers({ accept: "application/json" });
  if (credential !== undefined) {
    if (/[\r\n]/.test(credential)) throw new ValidationError("credential", "must be one line");
    headers.set(integration.authHeader, integration.authPrefix ? `${integration.authPrefix} ${credential}` : credential);
  }
  const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
  if (hasBody) headers.set("content-type", "application/json");
  else for (const [k, v] of Object.entries(rest)) if (v !== undefined) url.searchParams.append(k, String(v));
  return new Request(url, { method, headers, body: hasBody ? JSON.stringify(rest) : undefined });
}

/** Loopback, link-local, private, shared, multicast and reserved ranges: not for outbound calls. */
const privateRanges = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  privateRanges.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  privateRanges.addSubnet(net, bits, "ipv6");

/** Whether an IP address is loopback, link-local, private or otherwise not a public unicast address. */
export function isPrivateAddress(address: string): boolean {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4mapped) return isPrivateAddress(v4mapped);
  const family = isIP(address);
  if (family === 0) return true;
  return privateRanges.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Refuses (ValidationError on `baseUrl`) a URL whose host is, or resolves to, a loopback,
 * link-local or private address, unless the operator allows private networks: a user-defined
 * integration must not reach the server's own network (SSRF). Call it before every outbound call
 * too (DNS answers change); for a guarantee against DNS rebinding, send calls through an egress proxy.
 *
 * @example
 * await assertPublicUpstream(integration.baseUrl);
 * const response = await fetch(buildActionRequest(integration, action, credential, params));
 */
export async function assertPublicUpstream(url: string, options: { allowPrivateNetworks?: boolean } = {}): Promise<void> {
  if (options.allowPrivateNetworks) return;
  if (typeof url !== "string" || !URL.canParse(url)) throw new ValidationError("baseUrl", "must be an absolute URL");
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new ValidationError("baseUrl", `host ${host} does not resolve`);
  if (addresses.some(isPrivateAddress)) {
    throw new ValidationError("baseUrl", `host ${host} is a loopback, link-local or private address (allowPrivateNetworks to permit)`);
  }
}
