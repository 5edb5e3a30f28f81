/**
 * The seed's wire format (custom-integrations-connector.md): snake_case in and out, actions as
 * `{ id, name, method, endpoint, parameters }`, `base_url`/`auth_header`/`auth_prefix` at the top
 * level or inside `oauth_config`. Parsed strictly, then handed to the stores in their own names.
 */
import { z } from "zod";
import { ValidationError } from "shared-db";
import type { CreateCustomIntegrationInput, CustomCredentialInfo, UpdateCustomIntegrationInput } from "shared-db/stores";

type Integration = Awaited<ReturnType<typeof import("shared-db/stores").requireCustomIntegration>>;

const action = z.strictObject({
  id: z.unknown(),
  name: z.unknown(),
  method: z.unknown(),
  endpoint: z.unknown(),
  parameters: z.unknown().optional(),
  description: z.unknown().optional(),
});
const integration = z.strictObject({
  name: z.unknown().optional(),
  display_name: z.unknown().optional(),
  description: z.unknown().optional(),
  auth_type: z.unknown().optional(),
  base_url: z.unknown().optional(),
  auth_header: z.unknown().optional(),
  auth_prefix: z.unknown().optional(),
  oauth_config: z.record(z.string(), z.unknown()).nullable().optional(),
  is_active: z.unknown().optional(),
  actions: z.array(action).optional(),
});

/** Store field path -> wire field path, for error responses. */
const WIRE_NAMES: Record<string, string> = {
  displayName: "display_name",
  authType: "auth_type",
  baseUrl: "base_url",
  authHeader: "auth_header",
  authPrefix: "auth_prefix",
  oauthConfig: "oauth_config",
  isActive: "is_active",
  actionId: "id",
  actionName: "name",
  httpMethod: "method",
  credentialType: "type",
  tokenExpiresAt: "expires_at",
};
export const wireField = (field: string) =>
  field
    .replace(/^patch\./, "")
    .split(".")
    .map((part) => WIRE_NAMES[part] ?? part)
    .join(".");

function parseWire<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".");
  throw new ValidationError(field, issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}` : issue.message);
}

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function fields(b: z.output<typeof integration>) {
  const config = b.oauth_config ?? undefined;
  return defined({
    displayName: b.display_name,
    description: b.description,
    authType: b.auth_type,
    // The seed puts connection details inside oauth_config; top-level columns win when both are given.
    baseUrl: b.base_url ?? config?.base_url,
    authHeader: b.auth_header ?? config?.auth_header,
    authPrefix: b.auth_prefix ?? config?.auth_prefix,
    oauthConfig: b.oauth_config,
    isActive: b.is_active,
  });
}
const actions = (list: z.output<typeof action>[] | undefined) =>
  list?.map((a) => defined({ actionId: a.id, actionName: a.name, httpMethod: a.method, endpoint: a.endpoint, parameters: a.parameters }));

export function createInput(body: unknown, userId: string): CreateCustomIntegrationInput {
  const b = parseWire(integration, body);
  return { userId, name: b.name, ...fields(b), actions: actions(b.actions) } as CreateCustomIntegrationInput;
}

export function updateInput(body: unknown, userId: string, integrationId: string): UpdateCustomIntegrationInput {
  const b = parseWire(integration, body);
  if (b.name !== undefined) throw new ValidationError("name", "cannot be changed");
  return { userId, integrationId, patch: fields(b), actions: actions(b.actions) } as UpdateCustomIntegrationInput;
}

export const credentialInput = (body: unknown) =>
  parseWire(z.strictObject({ type: z.unknown(), value: z.unknown(), expires_at: z.unknown().optional() }), body);

/** `POST /:id/test`: the seed's `{ endpoint, method, body }`, or a stored action by `action_id`. */
export function testInput(body: unknown) {
  if (body && typeof body === "object" && "action_id" in body) {
    return parseWire(z.strictObject({ action_id: z.string(), params: z.record(z.string(), z.unknown()).optional() }), body);
  }
  return parseWire(
    z.strictObject({ endpoint: z.unknown(), method: z.unknown().optional(), body: z.record(z.string(), z.unknown()).optional() }),
    body,
  );
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const integrationOut = (i: Integration) => ({
  id: i.id,
  user_id: i.userId,
  name: i.name,
  display_name: i.displayName,
  description: i.description,
  auth_type: i.authType,
  base_url: i.baseUrl,
  auth_header: i.authHeader,
  auth_prefix: i.authPrefix,
  oauth_config: i.oauthConfig,
  is_active: i.isActive,
  created_at: iso(i.createdAt),
  updated_at: iso(i.updatedAt),
  actions: i.actions.map((a) => ({ id: a.actionId, name: a.actionName, method: a.httpMethod, endpoint: a.endpoint, parameters: a.parameters })),
});

export const credentialOut = (c: CustomCredentialInfo) => ({
  id: c.id,
  integration_id: c.integrationId,
  credential_type: c.credentialType,
  token_expires_at: iso(c.tokenExpiresAt),
  is_valid: c.isValid,
  last_validated_at: iso(c.lastValidatedAt),
  created_at: iso(c.createdAt),
  updated_at: iso(c.updatedAt),
});
