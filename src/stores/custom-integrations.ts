import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { customCredentialAad } from "../crypto/aad";
import type { Db } from "../db";
import { CredentialExpiredError, NotFoundError, pgErrorOf, rethrowConflict, rethrowDbError } from "../errors";
import { enumOf, keyring, parseInput, pgDate, pgJson, pgText, uuid } from "../input";
import {
  customAuthType,
  customCredentialType,
  customHttpMethod,
  customIntegrationActions,
  customIntegrationCredentials,
  customIntegrations,
  type CustomIntegration,
  type CustomIntegrationAction,
  type CustomIntegrationCredential,
} from "../schema/custom-integrations";

/** RFC 7230 token: what an HTTP header name may contain. */
const headerName = pgText().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "must be a valid HTTP header name");
const baseUrl = pgText()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "https:" || u.protocol === "http:") && !!u.hostname && !u.username && !u.password && !u.hash;
    } catch {
      return false;
    }
  }, "must be an absolute http(s) URL without credentials or fragment");
/** A path: starts with one '/', no '..' or '.' segments, no backslashes, scheme, query or fragment. */
export const endpointSchema = pgText()
  .max(2048)
  .regex(/^\/(?!\/)[^\s\\?#]*$/, "must be a path starting with '/'")
  .refine((s) => !s.split("/").some((seg) => seg === ".." || seg === "." || /%2e/i.test(seg)), "must not contain '.' or '..' segments");

export const customActionInput = z.strictObject({
  actionId: pgText().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be 1-100 letters, digits, '_', '.' or '-'"),
  actionName: pgText().trim().min(1).max(255),
  httpMethod: enumOf(customHttpMethod),
  endpoint: endpointSchema,
  parameters: z
    .array(pgText().regex(/^[A-Za-z0-9_]{1,100}$/, "must be a parameter name"))
    .max(100)
    .default([]),
});

const actionsList = z
  .array(customActionInput)
  .max(200)
  .superRefine((actions, ctx) => {
    const seen = new Set<string>();
    actions.forEach((a, i) => {
      if (seen.has(a.actionId)) ctx.addIssue({ code: "custom", path: [i, "actionId"], message: `duplicates action id "${a.actionId}"` });
      seen.add(a.actionId);
    });
  });

const integrationFields = {
  displayName: pgText().trim().min(1).max(255),
  description: pgText().max(10_000).nullable().optional(),
  authType: enumOf(customAuthType),
  baseUrl,
  authHeader: headerName.default("Authorization"),
  authPrefix: pgText()
    .max(50)
    .regex(/^[^\r\n]*$/, "must be one line")
    .nullable()
    .default("Bearer"),
  oauthConfig: pgJson().nullable().optional(),
  isActive: z.boolean().default(true),
};

export const createCustomIntegrationInput = z.strictObject({
  userId: uuid(),
  name: pgText().regex(/^[a-z0-9_][a-z0-9_-]{0,99}$/, "must be lowercase letters, digits, '_' or '-' (max 100)"),
  ...integrationFields,
  actions: actionsList.default([]),
});
export type CreateCustomIntegrationInput = z.input<typeof createCustomIntegrationInput>;

export const updateCustomIntegrationInput = z.strictObject({
  userId: uuid(),
  integrationId: uuid(),
  patch: z.strictObject(integrationFields).partial().default({}),
  /** Replaces every action when given (atomically, with the patch). */
  actions: actionsList.optional(),
});
export type UpdateCustomIntegrationInput = z.input<typeof updateCustomIntegrationInput>;

/** The key of one of a user's integrations. */
const ownedKey = { userId: uuid(), integrationId: uuid() };

export type CustomIntegrationWithActions = CustomIntegration & { actions: CustomIntegrationAction[] };

const whereOwned = (k: { userId: string; integrationId: string }) =>
  and(eq(customIntegrations.id, k.integrationId), eq(customIntegrations.userId, k.userId));

async function withActions(db: Db, rows: CustomIntegration[]): Promise<CustomIntegrationWithActions[]> {
  if (rows.length === 0) return [];
  const actions = await db
    .select()
    .from(customIntegrationActions)
    .where(
      inArray(
        customIntegrationActions.integrationId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(customIntegrationActions.actionId));
  return rows.map((r) => ({ ...r, actions: actions.filter((a) => a.integrationId === r.id) }));
}

const nameTaken = () => "You already have a custom integration with this name";

export const listCustomIntegrationsInput = z.strictObject({ userId: uuid() });
export type ListCustomIntegrationsInput = z.input<typeof listCustomIntegrationsInput>;

/** The user's integrations with their actions, by name. */
export async function listCustomIntegrations(db: Db, input: ListCustomIntegrationsInput): Promise<CustomIntegrationWithActions[]> {
  const v = parseInput(listCustomIntegrationsInput, input);
  return withActions(
    db,
    await db.select().from(customIntegrations).where(eq(customIntegrations.userId, v.userId)).orderBy(asc(customIntegrations.name)),
  );
}

/**
 * Creates an integration with its actions in one transaction: a bad action writes nothing.
 *
 * @example
 * await createCustomIntegration(tx, {
 *   userId, name: "my_api", displayName: "My API", authType: "api_key", baseUrl: "https://api.example.com",
 *   actions: [{ actionId: "list_items", actionName: "List items", httpMethod: "GET", endpoint: "/v1/items" }],
 * });
 */
export async function createCustomIntegration(db: Db, input: CreateCustomIntegrationInput): Promise<CustomIntegrationWithActions> {
  const v = parseInput(createCustomIntegrationInput, input);
  const { actions, ...values } = v;
  return db
    .transaction(async (tx) => {
      const [row] = await tx
        .insert(customIntegrations)
        .values(values)
        .returning()
        .catch((e: unknown) => rethrowConflict(e, nameTaken));
      const inserted = actions.length
        ? await tx
            .insert(customIntegrationActions)
            .values(actions.map((a) => ({ ...a, integrationId: row!.id, userId: values.userId })))
            .returning()
        : [];
      return { ...row!, actions: inserted };
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const requireCustomIntegrationInput = z.strictObject(ownedKey);
export type RequireCustomIntegrationInput = z.input<typeof requireCustomIntegrationInput>;

/** One of the user's integrations with its actions; NotFoundError when missing or not theirs. */
export async function requireCustomIntegration(db: Db, input: RequireCustomIntegrationInput): Promise<CustomIntegrationWithActions> {
  const v = parseInput(requireCustomIntegrationInput, input);
  const [row] = await withActions(db, await db.select().from(customIntegrations).where(whereOwned(v)));
  if (!row) throw new NotFoundError("custom integration", v.integrationId);
  return row;
}

/** Patches fields and (optionally) replaces the actions, atomically. */
export async function updateCustomIntegration(db: Db, input: UpdateCustomIntegrationInput): Promise<CustomIntegrationWithActions> {
  const v = parseInput(updateCustomIntegrationInput, input);
  const { userId, integrationId, patch, actions } = v;
  return db
    .transaction(async (tx) => {
      const [row] = Object.keys(patch).length
        ? await tx.update(customIntegrations).set(patch).where(whereOwned({ userId, integrationId })).returning()
        : await tx.select().from(customIntegrations).where(whereOwned({ userId, integrationId }));
      if (!row) throw new NotFoundError("custom integration", integrationId);
      if (actions) {
        await tx.delete(customIntegrationActions).where(eq(customIntegrationActions.integrationId, integrationId));
        if (actions.length) await tx.insert(customIntegrationActions).values(actions.map((a) => ({ ...a, integrationId, userId })));
      }
      const [full] = await withActions(tx, [row]);
      return full!;
    })
    .catch((e: unknown) => rethrowDbError(e));
}

export const deleteCustomIntegrationInput = z.strictObject(ownedKey);
export type DeleteCustomIntegrationInput = z.input<typeof deleteCustomIntegrationInput>;

/** Deletes an integration; its actions and credentials go with it. */
export async function deleteCustomIntegration(db: Db, input: DeleteCustomIntegrationInput): Promise<void> {
  const v = parseInput(deleteCustomIntegrationInput, input);
  const deleted = await db.delete(customIntegrations).where(whereOwned(v)).returning({ id: customIntegrations.id });
  if (deleted.length === 0) throw new NotFoundError("custom integration", v.integrationId);
}

/** A credential as the repository returns it: never the value. */
export type CustomCredentialInfo = Omit<CustomIntegrationCredential, "encryptedValue">;

/** The key of one stored credential. */
const credentialKey = { ...ownedKey, credentialType: enumOf(customCredentialType) };

export const storeCustomCredentialInput = z.strictObject({
  /** Encrypts the value. */
  keyring: keyring(),
  ...credentialKey,
  value: pgText().min(1).max(16_384),
  tokenExpiresAt: pgDate().nullable().optional(),
});
export type StoreCustomCredentialInput = z.input<typeof storeCustomCredentialInput>;

/**
 * Stores a credential encrypted and bound to its row; replaces the previous one of the same type
 * (the replacement gets a new row id, so the old ciphertext can never be passed off as the new).
 */
export async function storeCustomCredential(db: Db, input: StoreCustomCredentialInput): Promise<CustomCredentialInfo> {
  const v = parseInput(storeCustomCredentialInput, input);
  const id = crypto.randomUUID();
  const encryptedValue = v.keyring.encrypt(v.value, customCredentialAad(id));
  const fields = { id, encryptedValue, tokenExpiresAt: v.tokenExpiresAt ?? null, isValid: true, lastValidatedAt: null };
  const [row] = await db
    .insert(customIntegrationCredentials)
    .values({ userId: v.userId, integrationId: v.integrationId, credentialType: v.credentialType, ...fields })
    .onConflictDoUpdate({
      target: [customIntegrationCredentials.integrationId, customIntegrationCredentials.credentialType, customIntegrationCredentials.userId],
      set: fields,
    })
    .returning()
    .catch((e: unknown) => {
      // The composite foreign key fails when the integration is missing or someone else's.
      if (pgErrorOf(e)?.code === "23503") throw new NotFoundError("custom integration", v.integrationId, { field: "integrationId" });
      rethrowDbError(e);
    });
  const { encryptedValue: _hidden, ...info } = row!;
  return info;
}

const whereCredential = (k: { userId: string; integrationId: string; credentialType: CustomIntegrationCredential["credentialType"] }) =>
  and(
    eq(customIntegrationCredentials.userId, k.userId),
    eq(customIntegrationCredentials.integrationId, k.integrationId),
    eq(customIntegrationCredentials.credentialType, k.credentialType),
  );

export const markCustomCredentialInput = z.strictObject({ ...credentialKey, isValid: z.boolean() });
export type MarkCustomCredentialInput = z.input<typeof markCustomCredentialInput>;

/** Records the outcome of a validation (e.g. a "test integration" call). */
export async function markCustomCredential(db: Db, input: MarkCustomCredentialInput): Promise<CustomCredentialInfo> {
  const v = parseInput(markCustomCredentialInput, input);
  const [row] = await db
    .update(customIntegrationCredentials)
    .set({ isValid: v.isValid, lastValidatedAt: new Date() })
    .where(whereCredential(v))
    .returning();
  if (!row) throw new NotFoundError("credential", `${v.integrationId}/${v.credentialType}`);
  const { encryptedValue: _hidden, ...info } = row;
  return info;
}

export const revealCustomCredentialInput = z.strictObject({
  /** Decrypts the value. */
  keyring: keyring(),
  ...credentialKey,
});
export type RevealCustomCredentialInput = z.input<typeof revealCustomCredentialInput>;

/**
 * The decrypted credential, or undefined when none is stored. Call it only to build a request.
 * Throws CredentialExpiredError once `token_expires_at` has passed (by the database's clock).
 */
export async function revealCustomCredential(db: Db, input: RevealCustomCredentialInput): Promise<string | undefined> {
  const v = parseInput(revealCustomCredentialInput, input);
  const [row] = await db
    .select({
      id: customIntegrationCredentials.id,
      value: customIntegrationCredentials.encryptedValue,
      expiresAt: customIntegrationCredentials.tokenExpiresAt,
      expired: sql<boolean>`coalesce(${customIntegrationCredentials.tokenExpiresAt} <= now(), false)`,
    })
    .from(customIntegrationCredentials)
    .where(whereCredential(v));
  if (row?.expired) throw new CredentialExpiredError(v.credentialType, row.expiresAt!);
  return row && v.keyring.decrypt(row.value, customCredentialAad(row.id));
}
