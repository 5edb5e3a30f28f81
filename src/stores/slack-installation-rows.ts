// Bolt's Installation <-> the rows of slack_bots, slack_user_tokens and slack_installations: pure
// (no I/O), so the store's statements, its rotation and this mapping can be read one at a time.
import type { Installation, InstallationQuery } from "@slack/oauth";
import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Keyring } from "../crypto";
import { slackInstallationHistoryAad, slackTokenAad, slackTokenAads, type SlackTokenOwner } from "../crypto/aad";
import { ValidationError } from "../errors";
import { isPgText, parseInput, pgText } from "../input";
import { type SlackBot, slackBots, type SlackUserToken } from "../schema/slack-oauth";

/** Which installation a delete or fetch means: Bolt's InstallationQuery. */
export type SlackInstallationQuery = InstallationQuery<boolean>;

/** One stored installation: client id, enterprise id, team id (NULL for an org-wide install). */
export type InstallationRowKey = Omit<SlackTokenOwner, "userId">;

/** What a fetch reads: the bot row's columns an Installation needs, and the user's tokens (if any). */
export interface FetchRow {
  bot: Pick<
    SlackBot,
    | "id"
    | "clientId"
    | "enterpriseId"
    | "enterpriseName"
    | "enterpriseUrl"
    | "teamId"
    | "teamName"
    | "isEnterpriseInstall"
    | "appId"
    | "tokenType"
    | "authVersion"
    | "metadata"
    | "incomingWebhookUrl"
    | "incomingWebhookChannel"
    | "incomingWebhookChannelId"
    | "incomingWebhookConfigurationUrl"
    | "botId"
    | "botUserId"
    | "botToken"
    | "botScopes"
    | "botRefreshToken"
    | "botTokenExpiresAt"
    | "installerUserId"
  >;
  user: Pick<SlackUserToken, "userId" | "userToken" | "userScopes" | "userRefreshToken" | "userTokenExpiresAt"> | null;
}

/**
 * True for an incoming webhook URL stored before 0020 (plaintext): reads pass it through until
 * `rotate-keys` encrypts it. Ciphertext never starts with a URL scheme.
 */
export const isPlaintextWebhookUrl = (value: string): boolean => /^https?:\/\//i.test(value);
/** `isPlaintextWebhookUrl` in SQL, for `rotateSecrets` and `shared-db verify`. */
export const plaintextWebhookUrl = (column: PgColumn): SQL => sql`${column} ~* '^https?://'`;

const optionalText = (max: number) => pgText().max(max).nullish();
/** Slack's epoch seconds, within what a JavaScript Date and `timestamptz` hold. */
const epochSeconds = z.number().int().min(0).max(8_640_000_000_000).nullish();
const scopes = z.array(pgText().max(255)).max(1000).nullish();
/** What storeInstallation writes, checked before any SQL; unknown keys are Slack's and pass. */
const installationInput = z.looseObject({
  team: z.looseObject({ id: optionalText(255), name: optionalText(1024) }).nullish(),
  enterprise: z.looseObject({ id: optionalText(255), name: optionalText(1024) }).nullish(),
  user: z
    .looseObject({ id: optionalText(255), token: optionalText(8192), refreshToken: optionalText(8192), expiresAt: epochSeconds, scopes })
    .nullish(),
  bot: z
    .looseObject({
      id: optionalText(255),
      userId: optionalText(255),
      token: optionalText(8192),
      refreshToken: optionalText(8192),
      expiresAt: epochSeconds,
      scopes,
    })
    .nullish(),
  incomingWebhook: z
    .looseObject({ url: pgText().max(4096), channel: optionalText(255), channelId: optionalText(255), configurationUrl: optionalText(4096) })
    .nullish(),
  appId: optionalText(255),
  tokenType: optionalText(50),
  enterpriseUrl: optionalText(4096),
  isEnterpriseInstall: z.boolean().nullish(),
  authVersion: z.enum(slackBots.authVersion.enumValues).nullish(),
  metadata: optionalText(65_536),
});

const queryInput = z.looseObject({
  teamId: optionalText(255),
  enterpriseId: optionalText(255),
  userId: optionalText(255),
  conversationId: optionalText(255),
  isEnterpriseInstall: z.boolean().nullish(),
});
const QUERY_TEXT = ["teamId", "enterpriseId", "userId", "conversationId"] as const;
const isOptionalId = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.length <= 255 && isPgText(v));

/**
 * Checks a query as `queryInput` does, by hand: it runs on every Bolt event. Only a query the
 * hand-written check refuses goes through zod, which names the field, so the check may be
 * stricter than the schema but never looser.
 */
function checkQuery(q: SlackInstallationQuery): void {
  const v = q as unknown as Record<string, unknown> | null;
  let ok = typeof v === "object" && v !== null && !Array.isArray(v);
  for (let i = 0; ok && i < QUERY_TEXT.length; i++) ok = isOptionalId(v![QUERY_TEXT[i]!]);
  if (ok && v!.isEnterpriseInstall !== undefined && v!.isEnterpriseInstall !== null) ok = typeof v!.isEnterpriseInstall === "boolean";
  if (!ok) parseInput(queryInput, q);
}

/**
 * Checks a query and says which installation it means. A query naming an enterprise but no team,
 * and not saying whether it means an org-wide install (a hand-written uninstall handler may send
 * it), can only mean the org-wide install: it is the one installation without a team. A workspace
 * install inside that enterprise is never guessed.
 */
export function normalizeQuery(q: SlackInstallationQuery): SlackInstallationQuery {
  checkQuery(q);
  if (q.isEnterpriseInstall === undefined && !q.teamId && q.enterpriseId) return { ...q, isEnterpriseInstall: true } as SlackInstallationQuery;
  return q;
}

/** Refuses a (normalized) query that names no installation: an org-wide one needs its enterprise, any other its team. */
export function requireInstallationNamed(q: SlackInstallationQuery): void {
  if (q.isEnterpriseInstall) {
    if (!q.enterpriseId) throw new ValidationError("enterpriseId", "is required for an enterprise install");
  } else if (!q.teamId) {
    throw new ValidationError("teamId", "is required unless isEnterpriseInstall is true or an enterpriseId alone names the org-wide install");
  }
}

const seconds = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : undefined);
// `expiresAt: null` (Slack sends it for a token that does not expire) is no expiry, not the epoch.
const date = (s: number | null | undefined) => (s == null ? null : new Date(s * 1000));
const nonEmpty = (s: string | undefined | null): s is string => typeof s === "string" && s.length > 0;
/** Sets `key` only when there is a value: a fetched installation deep-equals what was stored (no undefined keys). */
function put<T extends object, K extends keyof T>(o: T, key: K, value: T[K] | null | undefined): void {
  if (value !== undefined && value !== null) o[key] = value;
}

/** The Installation Bolt gets for a fetched row, tokens decrypted (DecryptionError if tampered). */
export function toInstallation({ bot: b, user: u }: FetchRow, q: SlackInstallationQuery, keyring: Keyring): Installation {
  const key: SlackTokenOwner = { clientId: b.clientId, enterpriseId: b.enterpriseId, teamId: b.teamId };
  const installation = { isEnterpriseInstall: b.isEnterpriseInstall, authVersion: b.authVersion } as Installation;
  if (!b.isEnterpriseInstall && b.teamId) {
    installation.team = { id: b.teamId };
    put(installation.team, "name", b.teamName);
  }
  if (b.enterpriseId) {
    installation.enterprise = { id: b.enterpriseId };
    put(installation.enterprise, "name", b.enterpriseName);
  }
  if (u) {
    const user: Installation["user"] = { id: u.userId } as Installation["user"];
    const aad = slackTokenAads("slack_user_tokens", { ...key, userId: u.userId });
    if (u.userToken !== null) user.token = keyring.decrypt(u.userToken, aad("user_token"));
    if (u.userRefreshToken !== null) user.refreshToken = keyring.decrypt(u.userRefreshToken, aad("user_refresh_token"));
    put(user, "expiresAt", seconds(u.userTokenExpiresAt));
    put(user, "scopes", u.userScopes);
    installation.user = user;
  } else {
    installation.user = { id: q.userId ?? b.installerUserId ?? "" } as Installation["user"];
  }
  const botAad = slackTokenAads("slack_bots", key);
  if (b.botToken) {
    const bot: NonNullable<Installation["bot"]> = {
      id: b.botId ?? "",
      userId: b.botUserId ?? "",
      token: keyring.decrypt(b.botToken, botAad("bot_token")),
      scopes: b.botScopes ?? [],
    };
    if (b.botRefreshToken !== null) bot.refreshToken = keyring.decrypt(b.botRefreshToken, botAad("bot_refresh_token"));
    put(bot, "expiresAt", seconds(b.botTokenExpiresAt));
    installation.bot = bot;
  }
  if (b.incomingWebhookUrl) {
    const url = isPlaintextWebhookUrl(b.incomingWebhookUrl)
      ? b.incomingWebhookUrl
      : keyring.decrypt(b.incomingWebhookUrl, botAad("incoming_webhook_url"));
    const hook: NonNullable<Installation["incomingWebhook"]> = { url };
    put(hook, "channel", b.incomingWebhookChannel);
    put(hook, "channelId", b.incomingWebhookChannelId);
    put(hook, "configurationUrl", b.incomingWebhookConfigurationUrl);
    installation.incomingWebhook = hook;
  }
  put(installation, "appId", b.appId);
  put(installation, "tokenType", b.tokenType as "bot" | null);
  put(installation, "enterpriseUrl", b.enterpriseUrl);
  put(installation, "metadata", b.metadata);
  return installation;
}

/** Which stored installation (slack_bots row) an Installation is: an org-wide install has no team. */
export const installationKey = (installation: Installation, clientId: string): InstallationRowKey => ({
  clientId,
  enterpriseId: installation.enterprise?.id ?? null,
  teamId: installation.isEnterpriseInstall ? null : (installation.team?.id ?? null),
});

/**
 * The rows an Installation is stored as, tokens encrypted and bound to where they are stored.
 * Throws ValidationError (naming the field) for an installation that names no workspace or user.
 */
export function installationRows(installation: Installation, clientId: string, keyring: Keyring) {
  parseInput(installationInput, installation);
  const isEnterpriseInstall = installation.isEnterpriseInstall ?? false;
  const key = installationKey(installation, clientId);
  if (isEnterpriseInstall && !key.enterpriseId) throw new ValidationError("enterprise.id", "is required for an enterprise install");
  if (!isEnterpriseInstall && !key.teamId) throw new ValidationError("team.id", "is required unless isEnterpriseInstall is true");
  if (!nonEmpty(installation.user?.id)) throw new ValidationError("user.id", "is required");
  const { bot, user, incomingWebhook: hook } = installation;
  const userKey = { ...key, userId: user.id };
  const enc = (value: string | undefined | null, aad: string) => (nonEmpty(value) ? keyring.encrypt(value, aad) : null);

  const installationValues = {
    ...key,
    appId: installation.appId ?? null,
    enterpriseName: installation.enterprise?.name ?? null,
    enterpriseUrl: installation.enterpriseUrl ?? null,
    teamName: isEnterpriseInstall ? null : (installation.team?.name ?? null),
    isEnterpriseInstall,
    tokenType: installation.tokenType ?? null,
    authVersion: installation.authVersion ?? "v2",
    ...(hook && {
      incomingWebhookChannel: hook.channel ?? null,
      incomingWebhookChannelId: hook.channelId ?? null,
      incomingWebhookConfigurationUrl: hook.configurationUrl ?? null,
    }),
    ...(installation.metadata !== undefined && { metadata: installation.metadata }),
  };
  // A webhook URL is a bearer secret: ciphertext bound to its row, like the tokens.
  const hookUrl = (aad: string) => (hook ? { incomingWebhookUrl: enc(hook.url, aad) } : {});
  const botValues = nonEmpty(bot?.token)
    ? {
        botId: bot!.id,
        botUserId: bot!.userId,
        botToken: enc(bot!.token, slackTokenAad("slack_bots", "bot_token", key)),
        botScopes: bot!.scopes ?? [],
        botRefreshToken: enc(bot!.refreshToken, slackTokenAad("slack_bots", "bot_refresh_token", key)),
        botTokenExpiresAt: date(bot!.expiresAt),
      }
    : {};
  const userValues = nonEmpty(user.token)
    ? {
        userToken: enc(user.token, slackTokenAad("slack_user_tokens", "user_token", userKey)),
        userScopes: user.scopes ?? null,
        userRefreshToken: enc(user.refreshToken, slackTokenAad("slack_user_tokens", "user_refresh_token", userKey)),
        userTokenExpiresAt: date(user.expiresAt),
      }
    : undefined;
  /** The slack_installations history row, bound to its id. */
  const history = (id: string) => {
    const aad = (column: string) => slackInstallationHistoryAad(column, id);
    return {
      id,
      ...installationValues,
      ...hookUrl(aad("incoming_webhook_url")),
      botId: bot?.id ?? null,
      botUserId: bot?.userId ?? null,
      botScopes: bot?.scopes ?? null,
      botToken: enc(bot?.token, aad("bot_token")),
      botRefreshToken: enc(bot?.refreshToken, aad("bot_refresh_token")),
      botTokenExpiresAt: date(bot?.expiresAt),
      userId: user.id,
      userToken: enc(user.token, aad("user_token")),
      userScopes: user.scopes ?? null,
      userRefreshToken: enc(user.refreshToken, aad("user_refresh_token")),
      userTokenExpiresAt: date(user.expiresAt),
    };
  };
  return {
    key,
    userKey,
    /** The slack_bots row: the installation, its webhook and (when it carries one) its bot. */
    bot: { ...installationValues, ...hookUrl(slackTokenAad("slack_bots", "incoming_webhook_url", key)), ...botValues, installerUserId: user.id },
    /** The slack_user_tokens values, or undefined when the user brought no token (not an install). */
    user: userValues,
    history,
  };
}
