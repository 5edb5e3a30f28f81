import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "shared-db/crypto";
import { makeUser, useTestDb } from "../../test/support/db";
import { createConnectorApi, signUserToken } from "./app";

const t = useTestDb();
const secret = "token-secret";
let api: ServerType;
let base = "";
let upstream: Server;
let upstreamUrl = "";
const seen: { url: string; auth?: string }[] = [];

beforeAll(async () => {
  // The third-party API a custom integration points at.
  upstream = createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    const ok = req.headers.authorization === "Bearer good-key";
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify(ok ? { items: [1, 2] } : { error: "bad key" }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api`;
  const app = createConnectorApi({ db: t.db, keyring: createKeyring({ keys: [generateKey()] }), tokenSecret: secret });
  await new Promise<void>((r) => {
    api = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      base = `http://127.0.0.1:${info.port}`;
      r();
    });
  });
});
afterAll(async () => {
  await new Promise((r) => api.close(r));
  await new Promise((r) => upstream.close(r));
});

const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe("custom integrations API", () => {
  it("serves the connector endpoints to the signed-in user only, and tests an integration end to end", async () => {
    const [alice, bob] = [await makeUser(t.db), await makeUser(t.db)];
    const [ta, tb] = [signUserToken(secret, alice.id), signUserToken(secret, bob.id)];
    expect((await call(undefined, "GET", "/api/custom-integrations")).status).toBe(401);
    expect((await call(`${alice.id}.forged`, "GET", "/api/custom-integrations")).status).toBe(401);

    const created = await call(ta, "POST", "/api/custom-integrations", {
      name: "my_api",
      displayName: "My API",
      authType: "api_key",
      baseUrl: upstreamUrl,
      actions: [{ actionId: "get_item", actionName: "Get", httpMethod: "GET", endpoint: "/v1/items/{id}", parameters: ["id"] }],
    });
    expect(created.status).toBe(201);
    const integration = (await created.json()) as { id: string };
    const bad = await call(ta, "POST", "/api/custom-integrations", { name: "x", displayName: "x", authType: "api_key", baseUrl: "ftp://x" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: "baseUrl" });

    expect(((await (await call(ta, "GET", "/api/custom-integrations")).json()) as unknown[]).length).toBe(1);
    expect(await (await call(tb, "GET", "/api/custom-integrations")).json()).toEqual([]);
    expect((await call(tb, "GET", `/api/custom-integrations/${integration.id}`)).status).toBe(404);
    expect((await call(tb, "DELETE", `/api/custom-integrations/${integration.id}`)).status).toBe(404);
    expect((await call(tb, "POST", `/api/custom-integrations/${integration.id}/credentials`, { type: "api_key", value: "steal" })).status).toBe(404);

    const stored = await call(ta, "POST", `/api/custom-integrations/${integration.id}/credentials`, { type: "api_key", value: "good-key" });
    expect(stored.status).toBe(201);
    expect(JSON.stringify(await stored.json())).not.toContain("good-key");

    const tested = await call(ta, "POST", `/api/custom-integrations/${integration.id}/test`, { actionId: "get_item", params: { id: "42" } });
    expect(await tested.json()).toMatchObject({ ok: true, status: 200 });
    expect(seen.at(-1)).toEqual({ url: "/api/v1/items/42", auth: "Bearer good-key" });

    const escape = await call(ta, "POST", `/api/custom-integrations/${integration.id}/test`, { actionId: "get_item", params: { id: ".." } });
    expect(escape.status).toBe(400);

    await call(ta, "POST", `/api/custom-integrations/${integration.id}/credentials`, { type: "api_key", value: "wrong-key" });
    expect(await (await call(ta, "POST", `/api/custom-integrations/${integration.id}/test`, { actionId: "get_item", params: { id: "1" } })).json()).toMatchObject({
      ok: false,
      status: 401,
    });

    const updated = await call(ta, "PUT", `/api/custom-integrations/${integration.id}`, { displayName: "Renamed" });
    expect(await updated.json()).toMatchObject({ displayName: "Renamed" });
    expect((await call(ta, "DELETE", `/api/custom-integrations/${integration.id}`)).status).toBe(204);
    expect((await call(ta, "GET", `/api/custom-integrations/${integration.id}`)).status).toBe(404);
  });
});
