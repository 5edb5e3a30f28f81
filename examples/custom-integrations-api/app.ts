/**
 * The custom-integrations connector API on shared-db: Hono, the seed's wire format (snake_case in
 * and out, see wire.ts), the user taken from a signed bearer token (never a `?user_id=` query
 * parameter: the one deliberate change for a frontend), every request inside withRls.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { ConflictError, InvariantError, NotFoundError, ValidationError, withRls, type Db, type Tx } from "shared-db";
import type { Keyring } from "shared-db/crypto";
import {
  assertPublicUpstream,
  buildActionRequest,
  createCustomIntegration,
  deleteCustomIntegration,
  endpointSchema,
  fetchPublicUpstream,
  requireCustomIntegration,
  listCustomIntegrations,
  markCustomCredential,
  revealCustomCredential,
  storeCustomCredential,
  updateCustomIntegration,
} from "shared-db/stores";
import { createInput, credentialInput, credentialOut, integrationOut, testInput, updateInput, wireField } from "./wire";

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
  /**
   * Let integrations point at loopback, link-local or private addresses (an upstream on the same
   * host or network). Off by default: a user-defined base URL must not reach the server's network.
   * @default false
   */
  allowPrivateNetworks?: boolean;
}

type Env = { Variables: { userId: string } };
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

export function createConnectorApi({ db, keyring, tokenSecret, allowPrivateNetworks = false }: ConnectorApiOptions): Hono<Env> {
  const app = new Hono<Env>();

  app.use("/api/*", async (c, next) => {
    const userId = verifiedUser(tokenSecret, c.req.header("authorization"));
    if (!userId) return c.json({ error: "unauthorized" }, 401);
    c.set("userId", userId);
    await next();
  });

  app.onError((e, c) => {
    if (e instanceof ValidationError) return c.json({ error: e.message, field: wireField(e.field) }, 400);
    if (e instanceof NotFoundError) return c.json({ error: e.message }, 404);
    if (e instanceof ConflictError) return c.json({ error: e.message }, 409);
    if (e instanceof InvariantError) return c.json({ error: e.message, code: e.rule }, 409);
    console.error(e);
    return c.json({ error: "internal error" }, 500);
  });

  /** Runs the handler's database work as the authenticated user. */
  const asUser = <T>(c: Context<Env>, fn: (tx: Tx, userId: string) => Promise<T>) =>
    withRls(db, { userId: c.get("userId") }, (tx) => fn(tx, c.get("userId")));
  const body = async (c: Context) => (await c.req.json().catch(() => ({}))) as unknown;
  const checkUpstream = (baseUrl: unknown) =>
    typeof baseUrl === "string" && URL.canParse(baseUrl) ? assertPublicUpstream(baseUrl, { allowPrivateNetworks }) : Promise.resolve();

  app.get("/api/custom-integrations", async (c) =>
    c.json((await asUser(c, (tx, userId) => listCustomIntegrations(tx, { userId }))).map(integrationOut)),
  );
  app.post("/api/custom-integrations", async (c) => {
    const input = createInput(await body(c), c.get("userId"));
    await checkUpstream(input.baseUrl);
    return c.json(integrationOut(await asUser(c, (tx) => createCustomIntegration(tx, input))), 201);
  });
  app.get("/api/custom-integrations/:id", async (c) =>
    c.json(integrationOut(await asUser(c, (tx, userId) => requireCustomIntegration(tx, { userId, integrationId: c.req.param("id") })))),
  );
  app.put("/api/custom-integrations/:id", async (c) => {
    const input = updateInput(await body(c), c.get("userId"), c.req.param("id"));
    await checkUpstream(input.patch?.baseUrl);
    return c.json(integrationOut(await asUser(c, (tx) => updateCustomIntegration(tx, input))));
  });
  app.delete("/api/custom-integrations/:id", async (c) => {
    await asUser(c, (tx, userId) => deleteCustomIntegration(tx, { userId, integrationId: c.req.param("id") }));
    return c.body(null, 204);
  });
  app.post("/api/custom-integrations/:id/credentials", async (c) => {
    const { type, value, expires_at } = credentialInput(await body(c));
    const info = await asUser(c, (tx, userId) =>
      storeCustomCredential(tx, {
        keyring,
        userId,
        integrationId: c.req.param("id"),
        credentialType: type as never,
        value: value as string,
        tokenExpiresAt: typeof expires_at === "string" ? new Date(expires_at) : (expires_at as null | undefined),
      }),
    );
    return c.json(credentialOut(info), 201);
  });
  /**
   * Calls the integration with the stored credential and records whether it worked: the seed's
   * `{ endpoint, method, body }` (any path inside base_url), or a stored action by `action_id`.
   */
  app.post("/api/custom-integrations/:id/test", async (c) => {
    const input = testInput(await body(c));
    const integrationId = c.req.param("id");
    const credentialType = (authType: string) => (authType === "oauth" ? "oauth_token" : "api_key");
    const { integration, credential } = await asUser(c, async (tx, userId) => {
      const found = await requireCustomIntegration(tx, { userId, integrationId });
      // Inactive: refused before the credential is even decrypted (buildActionRequest refuses too).
      if (!found.isActive) throw new InvariantError("This custom integration is inactive and cannot be called", "integration_inactive");
      return {
        integration: found,
        credential: await revealCustomCredential(tx, { keyring, userId, integrationId, credentialType: credentialType(found.authType) }),
      };
    });
    let request: Request;
    if ("action_id" in input) {
      const action = integration.actions.find((a) => a.actionId === input.action_id);
      if (!action) throw new ValidationError("action_id", "is not an action of this integration");
      request = buildActionRequest(integration, action, credential, input.params ?? {});
    } else {
      const endpoint = endpointSchema.safeParse(input.endpoint);
      if (!endpoint.success) throw new ValidationError("endpoint", endpoint.error.issues[0]!.message);
      const method = (input.method ?? "GET") as string;
      if (!METHODS.includes(method as never)) throw new ValidationError("method", `must be one of ${METHODS.join(", ")}`);
      // Path parameters are the stored actions' business: a free endpoint is sent as written.
      if (/[{}]/.test(endpoint.data)) throw new ValidationError("endpoint", "must not contain '{' or '}'");
      request = buildActionRequest(integration, { httpMethod: method as never, endpoint: endpoint.data }, credential, input.body ?? {});
    }
    // Resolved once, every address checked, connected to those addresses only; redirects not followed.
    const response = await fetchPublicUpstream(request, { allowPrivateNetworks });
    const ok = response.ok;
    if (credential !== undefined) {
      await asUser(c, (tx, userId) =>
        markCustomCredential(tx, { userId, integrationId, credentialType: credentialType(integration.authType), isValid: ok }),
      );
    }
    return c.json({ ok, status: response.status, body: await response.text() });
  });
  return app;
}
