import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "shared-db/crypto";
import { createCustomIntegration, requireCustomIntegration } from "shared-db/stores";
import { makeUser, useTestDb } from "../../test/support/db";
import { createConnectorApi, signUserToken } from "./app";

const t = useTestDb();
const secret = "token-secret";
const keyring = createKeyring({ keys: [generateKey()] });
let upstream: Server;
let upstreamUrl = "";
const seen: { method: string; url: string; auth?: string; body: string }[] = [];
const servers: ServerType[] = [];

async function start(allowPrivateNetworks: boolean): Promise<string> {
  const app = createConnectorApi({ db: t.db, keyring, tokenSecret: secret, allowPrivateNetworks });
  return new Promise((r) => {
    servers.push(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => r(`http://127.0.0.1:${info.port}`)));
  });
}
let base = ""; // allows private networks: the test upstream is on 127.0.0.1
let strict = ""; // the default

beforeAll(async () => {
  // The third-party API a custom integration points at.
  upstream = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const ok = req.headers.authorization === "Bearer good-key";
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify(ok ? { items: [1, 2] } : { error: "bad key" }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api`;
  base = await start(true);
  strict = await start(false);
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await new Promise((r) => upstream.close(r));
});

const call = (token: string | undefined, method: string, path: string, body?: unknown, at = base) =>
  fetch(`${at}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** The seed's own create request (custom-integrations-connector.md, "Create Custom Integration"). */
const seedBody = (baseUrl: string, name = "my_api") => ({
  name,
  display_name: "My Custom API",
  auth_type: "api_key",
  oauth_config: { base_url: baseUrl, auth_header: "Authorization", auth_prefix: "Bearer" },
  actions: [{ id: "list_items", name: "List Items", method: "GET", endpoint: "/v1/items" }],
});

describe("custom integrations API (the seed's wire format)", () => {
  it("serves the seed's requests unchanged, snake_case in and out, to the signed-in user only", async () => {
    const [alice, bob] = [await makeUser(t.db), await makeUser(t.db)];
    const [ta, tb] = [signUserToken(secret, alice.id), signUserToken(secret, bob.id)];
    expect((await call(undefined, "GET", "/api/custom-integrations")).status).toBe(401);
    expect((await call(`${alice.id}.forged`, "GET", "/api/custom-integrations")).status).toBe(401);
    // The seed's ?user_id= is not an identity: the token is.
    expect(await (await call(tb, "GET", `/api/custom-integrations?user_id=${alice.id}`)).json()).toEqual([]);

    const created = await call(ta, "POST", "/api/custom-integrations", seedBody(upstreamUrl));
    expect(created.status).toBe(201);
    const integration = (await created.json()) as Record<string, unknown> & { id: string };
    expect(integration).toMatchObject({
      user_id: alice.id,
      name: "my_api",
      display_name: "My Custom API",
      auth_type: "api_key",
      base_url: upstreamUrl,
      auth_header: "Authorization",
      auth_prefix: "Bearer",
      oauth_config: { base_url: upstreamUrl },
      is_active: true,
      actions: [{ id: "list_items", name: "List Items", method: "GET", endpoint: "/v1/items", parameters: [] }],
    });
    expect(Object.keys(integration).filter((k) => /[A-Z]/.test(k))).toEqual([]);

    // Stricter validation, reported in the wire's field names; nothing is written.
    const bad = await call(ta, "POST", "/api/custom-integrations", { ...seedBody("ftp://x", "bad_one") });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: "base_url" });
    const badAction = await call(ta, "POST", "/api/custom-integrations", {
      ...seedBody(upstreamUrl, "bad_two"),
      actions: [{ id: "x", name: "X", method: "TRACE", endpoint: "/x" }],
    });
    expect(await badAction.json()).toMatchObject({ field: "actions.0.method" });
    const camel = await call(ta, "POST", "/api/custom-integrations", { name: "camel", displayName: "x", authType: "api_key", baseUrl: upstreamUrl });
    expect(camel.status).toBe(400);
    expect(((await (await call(ta, "GET", "/api/custom-integrations")).json()) as unknown[]).length).toBe(1);

    expect(await (await call(tb, "GET", "/api/custom-integrations")).json()).toEqual([]);
    expect((await call(tb, "GET", `/api/custom-integrations/${integration.id}`)).status).toBe(404);
    expect((await call(tb, "DELETE", `/api/custom-integrations/${integration.id}`)).status).toBe(404);
    expect((await call(tb, "POST", `/api/custom-integrations/${integration.id}/credentials`, { type: "api_key", value: "steal" })).status).toBe(404);

    // The seed's "Store Credentials" request.
    const stored = await call(ta, "POST", `/api/custom-integrations/${integration.id}/credentials`, { type: "api_key", value: "good-key" });
    expect(stored.status).toBe(201);
    const info = await stored.json();
    expect(info).toMatchObject({ integration_id: integration.id, credential_type: "api_key", is_valid: true, token_expires_at: null });
    expect(JSON.stringify(info)).not.toContain("good-key");

    // The seed's "Test Integration" request: any endpoint inside base_url.
    const tested = await call(ta, "POST", `/api/custom-integrations/${integration.id}/test`, { endpoint: "/v1/items", method: "GET", body: {} });
    expect(await tested.json()).toMatchObject({ ok: true, status: 200 });
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/api/v1/items", auth: "Bearer good-key" });
    const posted = await call(ta, "POST", `/api/custom-integrations/${integration.id}/test`, {
      endpoint: "/v1/items",
      method: "POST",
      body: { a: 1 },
    });
    expect(await posted.json()).toMatchObject({ ok: true });
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/api/v1/items", body: '{"a":1}' });
    const count = seen.length;
    for (const endpoint of ["/../admin", "//evil.example/x", "/%2e%2e/admin", "http://evil.example/", "/a\\..\\b"]) {
      const escape = await call(ta, "POST", `/api/custom-integrations/${integration.id}/test`, { endpoint, method: "GET" });
      expect(escape.status).toBe(400);
      expect(await escape.json()).toMatchObject({ field: "endpoint" });
    }
    expect(seen.length).toBe(count);

    await call(ta, "POST", `/api/custom-integrations/${integration.id}/credentials`, { type: "api_key", value: "wrong-key" });
    expect(await (await call(ta, "POST", `/api/custom-integrations/${integration.id}/test`, { action_id: "list_items" })).json()).toMatchObject({
      ok: false,
      status: 401,
    });

    const updated = await call(ta, "PUT", `/api/custom-integrations/${integration.id}`, { display_name: "Renamed" });
    expect(await updated.json()).toMatchObject({ display_name: "Renamed", actions: [{ id: "list_items" }] });
    expect((await call(ta, "DELETE", `/api/custom-integrations/${integration.id}`)).status).toBe(204);
    expect((await call(ta, "GET", `/api/custom-integrations/${integration.id}`)).status).toBe(404);
  });

  it("refuses loopback, link-local and private base URLs unless the operator allows them; nothing is stored or called", async () => {
    const alice = await makeUser(t.db);
    const ta = signUserToken(secret, alice.id);
    const port = (upstream.address() as AddressInfo).port;
    for (const url of [
      upstreamUrl,
      `http://localhost:${port}/api`,
      "http://169.254.169.254/latest",
      "http://10.0.0.5/",
      "http://[::1]:80/",
      "http://[::ffff:127.0.0.1]/",
      "http://192.168.1.1/",
    ]) {
      const r = await call(ta, "POST", "/api/custom-integrations", seedBody(url, "ssrf"), strict);
      expect(r.status, url).toBe(400);
      expect(await r.json()).toMatchObject({ field: "base_url" });
    }
    expect(await (await call(ta, "GET", "/api/custom-integrations", undefined, strict)).json()).toEqual([]);
    // A row that points inside (written before the rule, or by another service) is not called either.
    const inside = await createCustomIntegration(t.db, {
      userId: alice.id,
      name: "inside",
      displayName: "x",
      authType: "api_key",
      baseUrl: upstreamUrl,
    });
    const count = seen.length;
    const r = await call(ta, "POST", `/api/custom-integrations/${inside.id}/test`, { endpoint: "/v1/items", method: "GET" }, strict);
    expect(r.status).toBe(400);
    expect(seen.length).toBe(count);
    // Nor may an update move an integration inside.
    const outside = await createCustomIntegration(t.db, {
      userId: alice.id,
      name: "outside",
      displayName: "x",
      authType: "api_key",
      baseUrl: "https://93.184.215.14/",
    });
    expect((await call(ta, "PUT", `/api/custom-integrations/${outside.id}`, { base_url: "http://127.0.0.1:9/" }, strict)).status).toBe(400);
    expect((await requireCustomIntegration(t.db, { userId: alice.id, integrationId: outside.id })).baseUrl).toBe("https://93.184.215.14/");
  });

  it("an expired credential is refused with credential_expired, an inactive integration with integration_inactive; the upstream is not called", async () => {
    const alice = await makeUser(t.db);
    const ta = signUserToken(secret, alice.id);
    const { id } = (await (await call(ta, "POST", "/api/custom-integrations", seedBody(upstreamUrl, "expiring"))).json()) as { id: string };
    const past = new Date(Date.now() - 60_000).toISOString();
    const stored = await call(ta, "POST", `/api/custom-integrations/${id}/credentials`, { type: "api_key", value: "good-key", expires_at: past });
    expect(await stored.json()).toMatchObject({ token_expires_at: past });
    const count = seen.length;
    const expired = await call(ta, "POST", `/api/custom-integrations/${id}/test`, { endpoint: "/v1/items", method: "GET" });
    expect(expired.status).toBe(409);
    expect(await expired.json()).toMatchObject({ code: "credential_expired" });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await call(ta, "POST", `/api/custom-integrations/${id}/credentials`, { type: "api_key", value: "good-key", expires_at: future });
    expect(await (await call(ta, "POST", `/api/custom-integrations/${id}/test`, { endpoint: "/v1/items" })).json()).toMatchObject({ ok: true });

    expect(await (await call(ta, "PUT", `/api/custom-integrations/${id}`, { is_active: false })).json()).toMatchObject({ is_active: false });
    const inactive = await call(ta, "POST", `/api/custom-integrations/${id}/test`, { endpoint: "/v1/items" });
    expect(inactive.status).toBe(409);
    expect(await inactive.json()).toMatchObject({ code: "integration_inactive" });
    expect(seen.length).toBe(count + 1);
  });
});
