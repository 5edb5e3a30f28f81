import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { createKeyring, DecryptionError, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { ConflictError, NotFoundError, ValidationError } from "../../src/errors";
import { customIntegrationActions, customIntegrationCredentials, customIntegrations } from "../../src/schema";
import {
  buildActionRequest,
  createCustomIntegration,
  deleteCustomIntegration,
  requireCustomIntegration,
  listCustomIntegrations,
  markCustomCredential,
  revealCustomCredential,
  storeCustomCredential,
  updateCustomIntegration,
  type CreateCustomIntegrationInput,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let n = 0;
const input = (userId: string, patch: Partial<CreateCustomIntegrationInput> = {}): CreateCustomIntegrationInput => ({
  userId,
  name: `my_api_${++n}`,
  displayName: "My API",
  authType: "api_key",
  baseUrl: "https://api.example.com/base",
  actions: [
    { actionId: "list_items", actionName: "List items", httpMethod: "GET", endpoint: "/v1/items" },
    { actionId: "get_item", actionName: "Get item", httpMethod: "GET", endpoint: "/v1/items/{id}", parameters: ["id"] },
  ],
  ...patch,
});
const count = async (table: typeof customIntegrations | typeof customIntegrationActions) =>
  (await t.db.select({ n: sql<number>`count(*)::int` }).from(table))[0]!.n;

describe("custom integrations", () => {
  it("creates with actions, lists, gets, updates atomically and deletes with everything", async () => {
    const u = await makeUser(t.db);
    const created = await createCustomIntegration(t.db, input(u.id));
    expect(created.actions.map((a) => a.actionId)).toEqual(["list_items", "get_item"]);
    expect(await listCustomIntegrations(t.db, { userId: u.id })).toEqual([{ ...created, actions: expect.arrayContaining(created.actions) }]);
    const updated = await updateCustomIntegration(t.db, {
      userId: u.id,
      integrationId: created.id,
      patch: { displayName: "Renamed" },
      actions: [{ actionId: "create", actionName: "Create", httpMethod: "POST", endpoint: "/v1/items" }],
    });
    expect(updated.displayName).toBe("Renamed");
    expect(updated.actions.map((a) => a.actionId)).toEqual(["create"]);
    await storeCustomCredential(t.db, { keyring, userId: u.id, integrationId: created.id, credentialType: "api_key", value: "k" });
    await deleteCustomIntegration(t.db, { userId: u.id, integrationId: created.id });
    await expect(requireCustomIntegration(t.db, { userId: u.id, integrationId: created.id })).rejects.toBeInstanceOf(NotFoundError);
    expect(await t.db.select().from(customIntegrationActions).where(eq(customIntegrationActions.integrationId, created.id))).toEqual([]);
    expect(await t.db.select().from(customIntegrationCredentials).where(eq(customIntegrationCredentials.integrationId, created.id))).toEqual([]);
  });

  it("rolls back the integration when an action is bad, and an update when its actions are", async () => {
    const u = await makeUser(t.db);
    const before = [await count(customIntegrations), await count(customIntegrationActions)];
    // Passes validation but fails in the database (too long for the column).
    const bad = input(u.id, { actions: [{ actionId: "ok", actionName: "x".repeat(300), httpMethod: "GET", endpoint: "/a" }] });
    await expect(createCustomIntegration(t.db, bad)).rejects.toThrow();
    expect([await count(customIntegrations), await count(customIntegrationActions)]).toEqual(before);
    const created = await createCustomIntegration(t.db, input(u.id));
    await expect(
      updateCustomIntegration(t.db, {
        userId: u.id,
        integrationId: created.id,
        patch: { displayName: "Changed" },
        actions: [{ actionId: "x", actionName: "y".repeat(300), httpMethod: "GET", endpoint: "/a" }],
      }),
    ).rejects.toThrow();
    const after = await requireCustomIntegration(t.db, { userId: u.id, integrationId: created.id });
    expect(after.displayName).toBe("My API");
    expect(after.actions.map((a) => a.id).sort()).toEqual(created.actions.map((a) => a.id).sort());
  });

  it("keeps names unique per user", async () => {
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    await createCustomIntegration(t.db, input(a.id, { name: "shared_name" }));
    await createCustomIntegration(t.db, input(b.id, { name: "shared_name" }));
    await expect(createCustomIntegration(t.db, input(a.id, { name: "shared_name" }))).rejects.toBeInstanceOf(ConflictError);
  });

  it.each([
    [{ baseUrl: "ftp://x.example.com" }, "baseUrl"],
    [{ baseUrl: "/relative" }, "baseUrl"],
    [{ baseUrl: "https://user:pw@x.example.com" }, "baseUrl"],
    [{ authHeader: "Bad Header" }, "authHeader"],
    [{ authHeader: "X-Key\r\n" }, "authHeader"],
    [{ authPrefix: "Bearer\r\nX: y" }, "authPrefix"],
    [{ name: "Has Spaces" }, "name"],
    [{ authType: "basic" }, "authType"],
    [{ colour: "red" }, "colour"],
    [{ actions: [{ actionId: "a", actionName: "A", httpMethod: "GET", endpoint: "v1/no-slash" }] }, "actions.0.endpoint"],
    [{ actions: [{ actionId: "a", actionName: "A", httpMethod: "GET", endpoint: "//evil.example/x" }] }, "actions.0.endpoint"],
    [{ actions: [{ actionId: "a", actionName: "A", httpMethod: "GET", endpoint: "/v1/../admin" }] }, "actions.0.endpoint"],
    [{ actions: [{ actionId: "a", actionName: "A", httpMethod: "GET", endpoint: "/v1/%2e%2e/admin" }] }, "actions.0.endpoint"],
    [{ actions: [{ actionId: "a", actionName: "A", httpMethod: "TRACE", endpoint: "/a" }] }, "actions.0.httpMethod"],
    [
      {
        actions: [
          { actionId: "dup", actionName: "A", httpMethod: "GET", endpoint: "/a" },
          { actionId: "dup", actionName: "B", httpMethod: "GET", endpoint: "/b" },
        ],
      },
      "actions.1.actionId",
    ],
  ])("rejects %j naming the field, writing nothing", async (patch, field) => {
    const u = await makeUser(t.db);
    const before = await count(customIntegrations);
    const e = await createCustomIntegration(t.db, input(u.id, patch as never)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe(field);
    expect(await count(customIntegrations)).toBe(before);
  });
});

describe("credentials", () => {
  it("are encrypted at rest, bound to their row, replaced per type, and marked valid or invalid", async () => {
    const u = await makeUser(t.db);
    const i = await createCustomIntegration(t.db, input(u.id));
    const key = { userId: u.id, integrationId: i.id, credentialType: "api_key" } as const;
    const first = await storeCustomCredential(t.db, { keyring, ...key, value: "sk_live_FIRST_SECRET" });
    expect(first).not.toHaveProperty("encryptedValue");
    const second = await storeCustomCredential(t.db, { keyring, ...key, value: "sk_live_SECOND_SECRET", tokenExpiresAt: new Date("2030-01-01") });
    expect(await revealCustomCredential(t.db, { keyring, ...key })).toBe("sk_live_SECOND_SECRET");
    const rows = await t.db.select().from(customIntegrationCredentials).where(eq(customIntegrationCredentials.integrationId, i.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toBe(second.id);
    expect(JSON.stringify(rowsOf(await t.db.execute(sql`select * from shared_db.custom_integration_credentials`)))).not.toContain("sk_live_");
    const marked = await markCustomCredential(t.db, { ...key, isValid: false });
    expect(marked).toMatchObject({ isValid: false, lastValidatedAt: expect.any(Date) });
    expect(await revealCustomCredential(t.db, { keyring, ...key, credentialType: "oauth_token" })).toBeUndefined();
  });

  it("a ciphertext copied into another row fails to decrypt", async () => {
    const u = await makeUser(t.db);
    const [i1, i2] = [await createCustomIntegration(t.db, input(u.id)), await createCustomIntegration(t.db, input(u.id))];
    const k1 = { userId: u.id, integrationId: i1.id, credentialType: "api_key" } as const;
    const k2 = { ...k1, integrationId: i2.id };
    await storeCustomCredential(t.db, { keyring, ...k1, value: "secret-one" });
    await storeCustomCredential(t.db, { keyring, ...k2, value: "secret-two" });
    await t.db.execute(
      sql`update shared_db.custom_integration_credentials set encrypted_value = (select encrypted_value from shared_db.custom_integration_credentials where integration_id = ${i1.id}) where integration_id = ${i2.id}`,
    );
    await expect(revealCustomCredential(t.db, { keyring, ...k2 })).rejects.toBeInstanceOf(DecryptionError);
  });

  it("cannot be stored on someone else's integration", async () => {
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    const i = await createCustomIntegration(t.db, input(a.id));
    await expect(
      storeCustomCredential(t.db, { keyring, userId: b.id, integrationId: i.id, credentialType: "api_key", value: "x" }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("buildActionRequest", () => {
  const integration = { baseUrl: "https://api.example.com/base", authHeader: "Authorization", authPrefix: "Bearer" };

  it("fills and encodes path parameters, adds auth, query for GET and JSON body for POST", async () => {
    const get = buildActionRequest(integration, { httpMethod: "GET", endpoint: "/v1/items/{id}" }, "tok", { id: "a b/c", limit: 5 });
    expect(get.url).toBe("https://api.example.com/base/v1/items/a%20b%2Fc?limit=5");
    expect(get.headers.get("authorization")).toBe("Bearer tok");
    const post = buildActionRequest(
      { ...integration, authHeader: "X-Api-Key", authPrefix: null },
      { httpMethod: "POST", endpoint: "/v1/items" },
      "k",
      {
        name: "n",
      },
    );
    expect(post.headers.get("x-api-key")).toBe("k");
    expect(await post.json()).toEqual({ name: "n" });
  });

  it.each(["..", ".", "%2e%2e", "../../admin", "//evil.example", "\\evil", "..%2f"])("refuses the path parameter %j that would escape", (id) => {
    let built: Request | undefined;
    try {
      built = buildActionRequest(integration, { httpMethod: "GET", endpoint: "/v1/items/{id}" }, "tok", { id });
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return;
    }
    // Encoded so that it stays a single segment under the base path.
    expect(new URL(built!.url).origin).toBe("https://api.example.com");
    expect(new URL(built!.url).pathname.startsWith("/base/v1/items/")).toBe(true);
    expect(new URL(built!.url).pathname.split("/")).toHaveLength(5);
  });

  it("refuses a missing path parameter and a header-splitting credential", () => {
    expect(() => buildActionRequest(integration, { httpMethod: "GET", endpoint: "/v1/items/{id}" }, "tok")).toThrow(/params\.id/);
    expect(() => buildActionRequest(integration, { httpMethod: "GET", endpoint: "/v1" }, "a\r\nX-Evil: 1")).toThrow(ValidationError);
  });
});

describe("RLS", () => {
  it("owners see only their integrations under withRls", async () => {
    const [a, b] = [await makeUser(t.db), await makeUser(t.db)];
    await createCustomIntegration(t.db, input(a.id));
    const mine = await withRls(t.db, { userId: b.id }, (tx) => listCustomIntegrations(tx, { userId: a.id }));
    expect(mine).toEqual([]);
  });
});
