// Issue 27, item 4: a user-defined integration's base URL must not reach the server's own network.
// Before the fix, IPv6 forms of loopback passed assertPublicUpstream ([::127.0.0.1], [64:ff9b::127.0.0.1],
// [2002:7f00:1::], [::ffff:0:127.0.0.1]), the name was resolved again by fetch after the check (DNS
// rebinding), and nothing in the library sent the request to the address it had checked. The
// attacker stores such a base URL, or controls a DNS name that answers a public address to the check
// and 127.0.0.1 to the connection, or a public upstream that redirects inside. A real HTTP server on
// 127.0.0.1 stands for the inside: it must never be reached.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors";
import { assertPublicUpstream, buildActionRequest, fetchPublicUpstream, isPrivateAddress } from "../../src/stores";
import { pinnedLookup, type ResolvedAddress } from "../../src/stores/custom-integration-request";

let inside: Server;
let port = 0;
let hits = 0;
let lastSeen: { method?: string; url?: string; host?: string; auth?: string; body: string } | undefined;
let elsewhere: Server;
let elsewherePort = 0;
let elsewhereHits = 0;

const listen = async (handler: Parameters<typeof createServer>[1]) => {
  const server = createServer(handler);
  // Dual stack: IPv4 (127.0.0.1, as ::ffff:127.0.0.1) and IPv6 loopback both land here.
  await new Promise<void>((r) => server.listen(0, "::", r));
  return server;
};

beforeAll(async () => {
  elsewhere = await listen((_, res) => {
    elsewhereHits++;
    res.end("inside");
  });
  elsewherePort = (elsewhere.address() as AddressInfo).port;
  inside = await listen((req, res) => {
    hits++;
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      lastSeen = { method: req.method, url: req.url, host: req.headers.host, auth: req.headers.authorization, body };
      if (req.url === "/redirect") res.writeHead(302, { location: `http://127.0.0.1:${elsewherePort}/secret` }).end();
      else res.end("inside");
    });
  });
  port = (inside.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => inside.close(r));
  await new Promise((r) => elsewhere.close(r));
});

/** The request a stored integration with this base URL makes. */
const requestTo = (baseUrl: string, endpoint = "/v1/items") =>
  buildActionRequest({ baseUrl, authHeader: "Authorization", authPrefix: "Bearer" }, { httpMethod: "GET", endpoint }, "secret-key");

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** Hosts that are, or embed, a non-public address; `${port}` is the inside server's. */
const inside4 = "127.0.0.1";
const HOSTS = [
  // The four.
  "[::127.0.0.1]",
  "[64:ff9b::127.0.0.1]",
  "[2002:7f00:1::]",
  "[::ffff:0:127.0.0.1]",
  // The rest of the embedding forms.
  "[::ffff:127.0.0.1]",
  "[64:ff9b::a9fe:a9fe]", // NAT64 of 169.254.169.254, the cloud metadata address
  "[64:ff9b:1::a00:1]", // local-use NAT64
  "[2002:a00:1::1]", // 6to4 of 10.0.0.1
  "[2001:0:4136:e378:8000:63bf:80ff:fffe]", // Teredo, client 127.0.0.1 (bits inverted)
  "[2001:0:7f00:1::1]", // Teredo, server 127.0.0.1
  // Non-public IPv6 ranges.
  "[::1]",
  "[::]",
  "[fe80::1]",
  "[fc00::1]",
  "[fd12:3456::1]",
  "[fec0::1]",
  "[ff02::1]",
  "[2001:db8::1]",
  "[3fff::1]",
  "[100::1]",
  // IPv4, literal in every spelling the URL parser accepts, and by name.
  inside4,
  "2130706433",
  "0x7f.1",
  "0.0.0.0",
  "169.254.169.254",
  "10.0.0.1",
  "192.0.2.1",
  "localhost",
];

describe("SSRF guard (item 4)", () => {
  it.each(HOSTS)("assertPublicUpstream refuses http://%s", async (host) => {
    const e = await refusal(assertPublicUpstream(`http://${host}:${port}/`));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toMatchObject({ field: "baseUrl" });
  });

  it("fetchPublicUpstream refuses every one of them before connecting: the server on 127.0.0.1 is never reached", async () => {
    for (const host of HOSTS) {
      const e = await refusal(fetchPublicUpstream(requestTo(`http://${host}:${port}/`)));
      expect(e, host).toBeInstanceOf(ValidationError);
      expect(e, host).toMatchObject({ field: "baseUrl" });
    }
    expect(hits).toBe(0);
  });

  it("public addresses, and the embedding forms of public IPv4 addresses, are not refused", () => {
    for (const address of ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2001:0:808:808::f7f7:f7f7"])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it("a name that resolves to a public and a private address is refused, resolved once", async () => {
    let calls = 0;
    const lookup = async () => {
      calls++;
      return [
        { address: "93.184.215.14", family: 4 },
        { address: inside4, family: 4 },
      ];
    };
    const e = await refusal(fetchPublicUpstream(requestTo(`http://mixed.example:${port}/`), { lookup }));
    expect(e).toMatchObject({ field: "baseUrl" });
    expect(calls).toBe(1);
    expect(hits).toBe(0);
  });

  describe("DNS rebinding: a resolver that answers a public address first, then 127.0.0.1", () => {
    /** Every address a socket tries to connect to; the attempt is cut at once (no traffic leaves). */
    const attempts: string[] = [];
    const onSocket = (message: unknown) => {
      const socket = (message as { socket: Socket }).socket;
      socket.on("connectionAttempt", (ip: string) => {
        attempts.push(ip);
        socket.destroy();
      });
    };
    beforeAll(() => subscribe("net.client.socket", onSocket));
    afterAll(() => unsubscribe("net.client.socket", onSocket));

    const rebinding = () => {
      let calls = 0;
      const lookup = async (): Promise<ResolvedAddress[]> => [{ address: calls++ === 0 ? "93.184.215.14" : inside4, family: 4 }];
      return { lookup, calls: () => calls };
    };

    it("fetchPublicUpstream resolves once and connects to the address it checked, never to 127.0.0.1", async () => {
      const resolver = rebinding();
      attempts.length = 0;
      await refusal(fetchPublicUpstream(requestTo(`http://rebind.example:${port}/`), { lookup: resolver.lookup }));
      expect(resolver.calls()).toBe(1);
      expect(attempts).toEqual(["93.184.215.14"]);
      expect(hits).toBe(0);
    });

    it("the pinned lookup answers the checked address to every question the connection asks", async () => {
      const resolver = rebinding();
      const checked = await resolver.lookup();
      expect((await resolver.lookup())[0]!.address).toBe(inside4); // what DNS says by connect time
      const pinned = pinnedLookup(checked);
      const answers: unknown[] = [];
      pinned("rebind.example", { all: true }, (_, address) => answers.push(address));
      pinned("rebind.example", {}, (_, address) => answers.push(address));
      pinned("rebind.example", { family: 4 }, (_, address) => answers.push(address));
      expect(answers).toEqual([[{ address: "93.184.215.14", family: 4 }], "93.184.215.14", "93.184.215.14"]);
    });
  });

  it("a redirect is returned, not followed: the address it points to is never reached", async () => {
    // The upstream itself is on this host, so the operator's allowPrivateNetworks lets it be called;
    // its redirect to another inside address is still not followed.
    const before = hits;
    const response = await fetchPublicUpstream(requestTo(`http://127.0.0.1:${port}`, "/redirect"), { allowPrivateNetworks: true });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`http://127.0.0.1:${elsewherePort}/secret`);
    expect(hits).toBe(before + 1);
    expect(elsewhereHits).toBe(0);
  });

  it("with allowPrivateNetworks, a call goes through: method, path, Host, headers and body as built", async () => {
    const request = buildActionRequest(
      { baseUrl: `http://localhost:${port}/api`, authHeader: "Authorization", authPrefix: "Bearer" },
      { httpMethod: "POST", endpoint: "/v1/items/{id}" },
      "secret-key",
      { id: "a b", note: "ü" },
    );
    const response = await fetchPublicUpstream(request, { allowPrivateNetworks: true });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("inside");
    expect(lastSeen).toEqual({
      method: "POST",
      url: "/api/v1/items/a%20b",
      host: `localhost:${port}`,
      auth: "Bearer secret-key",
      body: JSON.stringify({ note: "ü" }),
    });
  });
});
