import { sql } from "drizzle-orm";
import { bigserial, boolean, index, jsonb, text, timestamp, unique } from "drizzle-orm/pg-core";
import { id, sharedDb, timestamps } from "./namespace";
import { serviceAccess } from "./policies";

/** Installation-level columns shared by the latest row and the history. */
const installationColumns = () => ({
  /** The Slack app's client id, so one database serves several apps. '' for a single-app setup. */
  clientId: text("client_id").notNull().default(""),
  appId: text("app_id"),
  enterpriseId: text("enterprise_id"),
  enterpriseName: text("enterprise_name"),
  enterpriseUrl: text("enterprise_url"),
  /** NULL for an org-wide (enterprise) install. */
  teamId: text("team_id"),
  teamName: text("team_name"),
  isEnterpriseInstall: boolean("is_enterprise_install").notNull().default(false),
  tokenType: text("token_type"),
  authVersion: text("auth_version", { enum: ["v1", "v2"] })
    .notNull()
    .default("v2"),
  incomingWebhookUrl: text("incoming_webhook_url"),
  incomingWebhookChannel: text("incoming_webhook_channel"),
  incomingWebhookChannelId: text("incoming_webhook_channel_id"),
  incomingWebhookConfigurationUrl: text("incoming_webhook_configuration_url"),
  metadata: text("metadata"),
});

/** The bot columns; tokens are keyring ciphertext bound to their table and column. */
const botColumns = () => ({
  botId: text("bot_id"),
  botUserId: text("bot_user_id"),
  botToken: text("bot_token"),
  botScopes: text("bot_scopes").array(),
  botRefreshToken: text("bot_refresh_token"),
  botTokenExpiresAt: timestamp("bot_token_expires_at", { withTimezone: true }),
});

/** The latest state of each installation (one row per client, enterprise, team) with its bot. */
export const slackBots = sharedDb.table(
  "slack_bots",
  {
    id: id(),
    ...installationColumns(),
    ...botColumns(),
    /** The user who installed last: a fetch without a user id returns this user's token. */
    installerUserId: text("installer_user_id"),
    installedAt: timestamp("installed_at", { withTimezone: true }).notNull().defaultNow(),
    ...timestamps(),
  },
  (t) => [
    unique("slack_bots_installation_key").on(t.clientId, t.enterpriseId, t.teamId).nullsNotDistinct(),
    index("slack_bots_bot_token_expires_at_idx").on(t.botTokenExpiresAt).where(sql`${t.botRefreshToken} is not null`),
    // Bot and user tokens: service work only, no policy for user work.
    serviceAccess("slack_bots"),
  ],
);

/** Each user's tokens per installation. */
export const slackUserTokens = sharedDb.table(
  "slack_user_tokens",
  {
    id: id(),
    clientId: text("client_id").notNull().default(""),
    enterpriseId: text("enterprise_id"),
    teamId: text("team_id"),
    userId: text("user_id").notNull(),
    userToken: text("user_token"),
    userScopes: text("user_scopes").array(),
    userRefreshToken: text("user_refresh_token"),
    userTokenExpiresAt: timestamp("user_token_expires_at", { withTimezone: true }),
    installedAt: timestamp("installed_at", { withTimezone: true }).notNull().defaultNow(),
    ...timestamps(),
  },
  (t) => [
    unique("slack_user_tokens_installation_user_key").on(t.clientId, t.enterpriseId, t.teamId, t.userId).nullsNotDistinct(),
    index("slack_user_tokens_expires_at_idx").on(t.userTokenExpiresAt).where(sql`${t.userRefreshToken} is not null`),
    serviceAccess("slack_user_tokens"),
  ],
);

/** Every installation as Slack delivered it (when historical data is enabled). */
export const slackInstallations = sharedDb.table(
  "slack_installations",
  {
    id: id(),
    ...installationColumns(),
    ...botColumns(),
    userId: text("user_id").notNull(),
    userToken: text("user_token"),
    userScopes: text("user_scopes").array(),
    userRefreshToken: text("user_refresh_token"),
    userTokenExpiresAt: timestamp("user_token_expires_at", { withTimezone: true }),
    installedAt: timestamp("installed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("slack_installations_lookup_idx").on(t.clientId, t.enterpriseId, t.teamId, t.userId, t.installedAt),
    serviceAccess("slack_installations"),
  ],
);

/** OAuth state parameters: random, single-use, expiring. */
export const slackOauthStates = sharedDb.table(
  "slack_oauth_states",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    state: text("state").notNull().unique("slack_oauth_states_state_key"),
    installOptions: jsonb("install_options").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("slack_oauth_states_expires_at_idx").on(t.expiresAt), serviceAccess("slack_oauth_states")],
);

export type SlackBot = typeof slackBots.$inferSelect;
export type SlackUserToken = typeof slackUserTokens.$inferSelect;
export type SlackInstallationRecord = typeof slackInstallations.$inferSelect;
