/**
 * The custom-integrations connector API on shared-db: Hono, the user taken from a signed bearer
 * token (never a user_id query parameter), every request inside withRls.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { ConflictError, NotFoundError, ValidationError, withRls, type Db, type Tx } from "shared-db";
import type { Keyring } from "shared-db/crypto";
import {
  buildActionRequest,
  createCustomIntegration,
  deleteCustomIntegration,
  getCustomIntegration,
  listCustomIntegrations,
  markCustomCredential,
  revealCustomCredential,
  storeCustomCredential,
  updateCustomIntegration,
} from "shared-db/stores";

/** A bearer token for a user: `<userId>.<base64url HMAC-SHA256(secret, userId)>` (use your IdP's JWTs in production). */
export function signUserToken(secret: string, userId: string): string {
  return `${userId}.${createHmac("sha256", secret).update(userId).digest("base64url")}`;
}

function verifiedUser(secret: string, header: string | undefined): string | undefined {
  const token = header?.match(/^Bearer (.+)$/)?.[1];
  const [userId, signature] = token?.split(".") ?? [];
  if (!userId || !signature) return undefined;
  const expected = Buffer.from(signUserToken(secret, userId).split(".")[1]!);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? userId : undefined;
}

export interface ConnectorApiOptions {
  db: Db;
  keyring: Keyring;
  /** Secret for the bearer tokens. */
  tokenSecret: string;
}

type Env = { Variables: { userId: string } };

export function createConnectorApi({ db, keyring, tokenSecret }: ConnectorApiOptions): Hono<Env> {
  const app = new Hono<Env>();

  app.use("/api/*", async (c, next) => {
    const userId = verifiedUser(tokenSecret, c.req.header("authorization"));
    if (!userId) return c.json({ error: "unauthorized" }, 401);
    c.set("userId", userId);
    await next();
  });

  app.onError((e, c) => {
    if (e instanceof ValidationError) return c.json({ error: e.message, field: e.field }, 400);
    if (e instanceof NotFoundError) return c.json({ error: e.message }, 404);
    if (e instanceof ConflictError) return c.json({ error: e.message }, 409);
    console.error(e);
    return c.json({ error: "internal error" }, 500);
  });

  /** Runs the handler's database work as the authenticated user. */
  const asUser = <T>(c: Context<Env>, fn: (tx: Tx, userId: string) => Promise<T>) =>
    withRls(db, { userId: c.get("userId") }, (tx) => fn(tx, c.get("userId")));
  const body = async (c: Context) => (await c.req.json().catch(() => ({}))) as Record<string, unknown>;

  app.get("/api/custom-integrations", async (c) => c.json(await asUser(c, (tx, userId) => listCustomIntegrations(tx, userId))));
  app.post("/api/custom-integrations", async (c) => {
    const input = await body(c);
    return c.json(await asUser(c, (tx, userId) => createCustomIntegration(tx, { ...input, userId } as never)), 201);
  });
  app.get("/api/custom-integrations/:id", async (c) =>
    c.json(await asUser(c, (tx, userId) => getCustomIntegration(tx, { userId, integrationId: c.req.param("id") }))),
  );
  app.put("/api/custom-integrations/:id", async (c) => {
    const { actions, ...patch } = await body(c);
    return c.json(await asUser(c, (tx, userId) => updateCustomIntegration(tx, { userId, integrationId: c.req.param("id"), patch, actions } as never)));
  });
  app.delete("/api/custom-integrations/:id", async (c) => {
    await asUser(c, (tx, userId) => deleteCustomIntegration(tx, { userId, integrationId: c.req.param("id") }));
    return c.body(null, 204);
  });
  app.post("/api/custom-integrations/:id/credentials", async (c) => {
    const { type, value, expiresAt } = await body(c);
    const info = await asUser(c, (tx, userId) =>
      storeCustomCredential(tx, keyring, {
        userId,
        integrationId: c.req.param("id"),
        credentialType: type as never,
        value: value as string,
        tokenExpiresAt: typeof expiresAt === "string" ? new Date(expiresAt) : undefined,
      }),
    );
    return c.json(info, 201);
  });
  /** Calls one action with the stored credential and records whether the credential worked. */
  app.post("/api/custom-integrations/:id/test", async (c) => {
    const { actionId, params } = await body(c);
    const integrationId = c.req.param("id");
    const { integration, credential } = await asUser(c, async (tx, userId) => {
      const found = await getCustomIntegration(tx, { userId, integrationId });
      const type = found.authType === "oauth" ? "oauth_token" : "api_key";
      return { integration: found, credential: await revealCustomCredential(tx, keyring, { userId, integrationId, credentialType: type }) };
    });
    const action = integration.actions.find((a) => a.actionId === actionId);
    if (!action) throw new ValidationError("actionId", `is not an action of this integration`);
    const response = await fetch(buildActionRequest(integration, action, credential, (params ?? {}) as Record<string, unknown>));
    const ok = response.ok;
    if (credential !== undefined) {
      await asUser(c, (tx, userId) =>
        markCustomCredential(tx, { userId, integrationId, credentialType: integration.authType === "oauth" ? "oauth_token" : "api_key" }, ok),
      );
    }
    return c.json({ ok, status: response.status, body: await response.text() });
  });
  return app;
}
