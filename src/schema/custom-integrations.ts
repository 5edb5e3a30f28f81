import { boolean, foreignKey, index, jsonb, primaryKey, text, timestamp, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { rowId, sharedDb, timestamps } from "./namespace";
import { isCurrentUser, serviceAccess, userPolicy } from "./policies";
import { users } from "./users";

export const customAuthType = sharedDb.enum("custom_integration_auth_type", ["api_key", "oauth"]);
export const customHttpMethod = sharedDb.enum("custom_integration_http_method", ["GET", "POST", "PUT", "PATCH", "DELETE"]);
export const customCredentialType = sharedDb.enum("custom_integration_credential_type", ["api_key", "oauth_token", "oauth_refresh_token"]);

/** A user-defined API connector. */
export const customIntegrations = sharedDb.table(
  "custom_integrations",
  {
    id: rowId(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    displayName: varchar("display_name", { length: 255 }).notNull(),
    description: text("description"),
    authType: customAuthType("auth_type").notNull(),
    baseUrl: varchar("base_url", { length: 2048 }).notNull(),
    authHeader: varchar("auth_header", { length: 100 }).notNull().default("Authorization"),
    authPrefix: varchar("auth_prefix", { length: 50 }).default("Bearer"),
    oauthConfig: jsonb("oauth_config").$type<Record<string, unknown>>(),
    isActive: boolean("is_active").notNull().default(true),
    ...timestamps(),
  },
  (t) => [
    unique("custom_integrations_user_id_name_key").on(t.userId, t.name),
    // The target of the children's (integration_id, user_id) keys: a child always has its parent's owner.
    primaryKey({ name: "custom_integrations_pkey", columns: [t.id, t.userId] }),
    serviceAccess("custom_integrations"),
    userPolicy("custom_integrations_owner_all", "all", isCurrentUser(t.userId)),
  ],
);

/** An endpoint of an integration. `user_id` repeats the owner's, so RLS is one indexed comparison. */
export const customIntegrationActions = sharedDb.table(
  "custom_integration_actions",
  {
    id: rowId(),
    integrationId: uuid("integration_id").notNull(),
    userId: uuid("user_id").notNull(),
    actionId: varchar("action_id", { length: 100 }).notNull(),
    actionName: varchar("action_name", { length: 255 }).notNull(),
    httpMethod: customHttpMethod("http_method").notNull(),
    endpoint: varchar("endpoint", { length: 2048 }).notNull(),
    parameters: jsonb("parameters").$type<string[]>().notNull().default([]),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "custom_integration_actions_pkey", columns: [t.id, t.userId] }),
    unique("custom_integration_actions_integration_id_action_id_user_id_key").on(t.integrationId, t.actionId, t.userId),
    index("custom_integration_actions_user_id_idx").on(t.userId),
    foreignKey({
      name: "custom_integration_actions_integration_fk",
      columns: [t.integrationId, t.userId],
      foreignColumns: [customIntegrations.id, customIntegrations.userId],
    }).onDelete("cascade"),
    serviceAccess("custom_integration_actions"),
    userPolicy("custom_integration_actions_owner_all", "all", isCurrentUser(t.userId)),
  ],
);

/** One credential per integration and type; `encrypted_value` is keyring ciphertext bound to its row. */
export const customIntegrationCredentials = sharedDb.table(
  "custom_integration_credentials",
  {
    id: rowId(),
    userId: uuid("user_id").notNull(),
    integrationId: uuid("integration_id").notNull(),
    credentialType: customCredentialType("credential_type").notNull(),
    encryptedValue: text("encrypted_value").notNull(),
    tokenExpiresAt: timestamp("token_expires_at", { withTimezone: true }),
    isValid: boolean("is_valid").notNull().default(true),
    lastValidatedAt: timestamp("last_validated_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ name: "custom_integration_credentials_pkey", columns: [t.id, t.userId] }),
    unique("custom_integration_credentials_integration_id_type_user_id_key").on(t.integrationId, t.credentialType, t.userId),
    index("custom_integration_credentials_user_id_idx").on(t.userId),
    foreignKey({
      name: "custom_integration_credentials_integration_fk",
      columns: [t.integrationId, t.userId],
      foreignColumns: [customIntegrations.id, customIntegrations.userId],
    }).onDelete("cascade"),
    serviceAccess("custom_integration_credentials"),
    userPolicy("custom_integration_credentials_owner_all", "all", isCurrentUser(t.userId)),
  ],
);

export type CustomIntegration = typeof customIntegrations.$inferSelect;
export type CustomIntegrationAction = typeof customIntegrationActions.$inferSelect;
export type CustomIntegrationCredential = typeof customIntegrationCredentials.$inferSelect;
