import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
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

/**
 * IPv4 ranges that are not public unicast: "this network", private, shared (CGN), loopback,
 * link-local, IETF protocol assignments, documentation, the 6to4 relay, benchmarking, multicast,
 * reserved and broadcast.
 */
const privateIPv4 = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  privateIPv4.addSubnet(net, bits, "ipv4");

/**
 * The ranges inside global unicast (2000::/3) that are not public: documentation (2001:db8::/32,
 * 3fff::/20), benchmarking (2001:2::/48), ORCHID (2001:10::/28, 2001:20::/28). Everything outside
 * 2000::/3 (loopback, unspecified, ULA, link-local, site-local, multicast, discard, 64:ff9b:1::/48)
 * is refused without a list.
 */
const privateIPv6 = new BlockList();
for (const [net, bits] of [
  ["2001:db8::", 32],
  ["3fff::", 20],
  ["2001:2::", 48],
  ["2001:10::", 28],
  ["2001:20::", 28],
] as const)
  privateIPv6.addSubnet(net, bits, "ipv6");

/** The eight 16-bit groups of a valid IPv6 address (a zone id dropped, a dotted IPv4 tail read as two groups). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string) =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = group.split(".").map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = address.split("%")[0]!.split("::") as [string, string | undefined];
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
const zero = (groups: number[]) => groups.every((g) => g === 0);

/** The IPv4 addresses an IPv6 address stands for or carries, by the forms that embed one; undefined for none. */
function embeddedIPv4(g: number[]): string[] | undefined {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (with :: and ::1), IPv4-translated ::ffff:0:a.b.c.d.
  if (zero(g.slice(0, 5)) && (g5 === 0xffff || g5 === 0)) return [ipv4Of(g6, g7)];
  if (zero(g.slice(0, 4)) && g4 === 0xffff && g5 === 0) return [ipv4Of(g6, g7)];
  // NAT64 64:ff9b::a.b.c.d (RFC 6052).
  if (g0 === 0x64 && g1 === 0xff9b && zero(g.slice(2, 6))) return [ipv4Of(g6, g7)];
  // 6to4 2002:aabb:ccdd::/48.
  if (g0 === 0x2002) return [ipv4Of(g1, g2)];
  // Teredo 2001:0:<server IPv4>:<flags>:<port>:<client IPv4, bits inverted>.
  if (g0 === 0x2001 && g1 === 0) return [ipv4Of(g2, g3), ipv4Of(g6 ^ 0xffff, g7 ^ 0xffff)];
  return undefined;
}

/**
 * Whether an IP address is not a public unicast address: loopback, link-local, private, shared,
 * documentation, multicast or reserved, in IPv4 or IPv6, or an IPv6 form that embeds such an IPv4
 * address (mapped, compatible, translated, NAT64, 6to4, Teredo). Anything that is not an IP address is too.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return privateIPv4.check(address, "ipv4");
  if (family !== 6) return true;
  const groups = ipv6Groups(address.toLowerCase());
  const embedded = embeddedIPv4(groups);
  if (embedded?.some((v4) => privateIPv4.check(v4, "ipv4"))) return true;
  if (embedded && groups[0] !== 0x2002 && groups[0] !== 0x2001) return false;
  // Only global unicast, 2000::/3, can be public.
  if ((groups[0]! & 0xe000) !== 0x2000) return true;
  return privateIPv6.check(address.split("%")[0]!, "ipv6");
}

/** A resolved address of a host name, as `dns.lookup(host, { all: true })` returns them. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface PublicUpstreamOptions {
  /**
   * Let the host be a loopback, link-local or private address (an upstream on the same host or
   * network). Off by default: a user-defined URL must not reach the server's own network (SSRF).
   * @default false
   */
  allowPrivateNetworks?: boolean;
  /** Resolves a host name to every address it has (tests; a custom resolver). @default `dns.lookup(host, { all: true })` */
  lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
}

const systemLookup = (hostname: string) => dnsLookup(hostname, { all: true, verbatim: true });

/** A URL's host resolved once, every address checked: the only addresses a request to it may use. */
async function checkedUpstream(url: unknown, options: PublicUpstreamOptions) {
  if (typeof url !== "string" || !URL.canParse(url)) throw new ValidationError("baseUrl", "must be an absolute URL");
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const family = isIP(host);
  const addresses: readonly ResolvedAddress[] = family ? [{ address: host, family }] : await (options.lookup ?? systemLookup)(host).catch(() => []);
  if (addresses.length === 0) throw new ValidationError("baseUrl", `host ${host} does not resolve`);
  if (!options.allowPrivateNetworks && addresses.some((a) => isPrivateAddress(a.address))) {
    throw new ValidationError("baseUrl", `host ${host} is a loopback, link-local or private address (allowPrivateNetworks to permit)`);
  }
  return { url: parsed, host, addresses };
}

/**
 * Refuses (ValidationError on `baseUrl`) a URL whose host is, or resolves to, a loopback,
 * link-local or private address, unless the operator allows private networks: a user-defined
 * integration must not reach the server's own network (SSRF). A check for storing a base URL; to
 * call it, use `fetchPublicUpstream`, which checks the addresses it connects to.
 *
 * @example
 * await assertPublicUpstream(input.baseUrl);
 */
export async function assertPublicUpstream(url: string, options: PublicUpstreamOptions = {}): Promise<void> {
  if (options.allowPrivateNetworks) return;
  await checkedUpstream(url, options);
}

/**
 * A `lookup` for `net.connect` that answers only `addresses` (already checked), whatever name it
 * is asked for: the connection goes where the check looked, not where DNS points by then.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  const answers = addresses.map(({ address, family }) => ({ address, family }));
  return (_hostname, options, callback) => {
    if (options.all) return callback(null, answers);
    const answer = answers.find((a) => !options.family || a.family === options.family) ?? answers[0]!;
    callback(null, answer.address, answer.family);
  };
}

/** Statuses whose response has no body (and that a `Response` refuses one for). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * Sends `request` (from `buildActionRequest`) like `fetch(request, { redirect: "manual" })`, to an
 * address checked as `assertPublicUpstream` checks it: the host is resolved once, every address
 * it has is checked, and the connection goes to those addresses (TLS still verifies the name), so
 * a DNS answer that changes between check and connect (rebinding) reaches nothing. Redirects are
 * never followed: a 3xx comes back as it is. Rejects with ValidationError (`baseUrl`) before any
 * connection, or as fetch does (a TypeError whose `cause` is the network error).
 *
 * @example
 * const response = await fetchPublicUpstream(buildActionRequest(integration, action, credential, params));
 */
export async function fetchPublicUpstream(request: Request, options: PublicUpstreamOptions = {}): Promise<Response> {
  const { url, host, addresses } = await checkedUpstream(request.url, options);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ValidationError("baseUrl", "must be an http or https URL");
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (body) headers["content-length"] = String(body.length);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const failed = (e: unknown) => reject(request.signal.aborted ? request.signal.reason : new TypeError("fetch failed", { cause: e }));
    const answered = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 599) {
        res.destroy();
        return failed(new Error(`the upstream answered with HTTP status ${status}`));
      }
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      const empty = NULL_BODY.has(status) || request.method === "HEAD";
      if (empty) res.resume();
      resolve(
        new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
          status,
          statusText: res.statusMessage,
          headers: responseHeaders,
        }),
      );
    };
    const req = send(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        // A fresh connection each time: a pooled socket would be for an earlier resolution.
        agent: false,
        lookup: pinnedLookup(addresses),
        // TLS checks the certificate against the name (SNI too, which an IP literal cannot carry).
        ...(url.protocol === "https:" && !isIP(host) && { servername: host }),
        signal: request.signal,
      },
      answered,
    );
    req.on("error", failed);
    req.end(body);
  });
}
