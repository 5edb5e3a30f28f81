import type { Installation, InstallationQuery, InstallationStore } from "@slack/oauth";
import { and, asc, desc, eq, gt, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { secretAad, type Keyring } from "../crypto";
import { primaryOf, type Db } from "../db";
import { NotFoundError, pgErrorOf, rethrowDbError, SlackTokenRefreshError, ValidationError } from "../errors";
import { parseInput, pgText } from "../input";
import { prepared } from "../prepared";
import { slackBots, slackInstallations, slackUserTokens, type SlackBot, type SlackUserToken } from "../schema/slack-oauth";
import {
  createInstallationCache,
  SLACK_INSTALLATION_CHANNEL,
  type InstallationKey,
  type SlackInstallationCacheOptions,
} from "./slack-installation-cache";

export { SlackTokenRefreshError } from "../errors";

export interface SlackTokenRotationOptions {
  /** The app's client secret, for `oauth.v2.access` refreshes. */
  clientSecret: string;
  /** @default "https://slack.com/api/" */
  slackApiUrl?: string;
  /**
   * Refresh a token this many seconds before it expires. Longer than Bolt's own two-hour window,
   * so Bolt never refreshes (unlocked) itself.
   * @default 7500
   */
  refreshWithinSeconds?: number;
  /**
   * The most a refresh may take, waiting for the installation's lock included. Past it the
   * request to Slack is aborted, the transaction rolled back (the lock goes with it) and
   * `fetchInstallation` throws `SlackTokenRefreshError` with code `timeout`.
   * @default 5000
   */
  refreshTimeoutMs?: number;
}

export interface SlackInstallationStoreOptions {
  /** The service connection (not a withRls transaction): Bolt's work is service work. */
  db: Db;
  keyring: Keyring;
  /** The Slack app's client id; one database serves several apps. Required for token rotation. @default "" */
  clientId?: string;
  /** Also keep every installation as delivered in `slack_installations`. @default true */
  historicalDataEnabled?: boolean;
  /**
   * Refresh rotating tokens inside `fetchInstallation`, under a per-installation advisory lock
   * with a re-read after taking it, so concurrent Bolt processes refresh once (node-slack-sdk#2504).
   */
  tokenRotation?: SlackTokenRotationOptions;
  /**
   * Keep fetched installations in process memory (decrypted tokens included), invalidated at once
   * by every write here and, through LISTEN/NOTIFY, in every other process. Opt-in.
   * @default no cache
   */
  cache?: SlackInstallationCacheOptions;
}

/** Which installation a delete or fetch means: Bolt's InstallationQuery. */
export type SlackInstallationQuery = InstallationQuery<boolean>;

export interface SlackInstallationSummary {
  enterpriseId: string | null;
  enterpriseName: string | null;
  teamId: string | null;
  teamName: string | null;
  isEnterpriseInstall: boolean;
  appId: string | null;
  botId: string | null;
  botUserId: string | null;
  botScopes: string[] | null;
  hasBotToken: boolean;
  installerUserId: string | null;
  installedAt: Date;
  updatedAt: Date;
}

export interface ExpiringSlackToken {
  kind: "bot" | "user";
  enterpriseId: string | null;
  teamId: string | null;
  isEnterpriseInstall: boolean;
  userId?: string;
  expiresAt: Date;
}

export interface SlackInstallationStore extends Required<InstallationStore> {
  /** Removes the bot token (keeps user tokens), e.g. on a `tokens_revoked` event for the bot. */
  deleteBot(query: SlackInstallationQuery): Promise<void>;
  /** Removes the installation with all its user tokens and history (`app_uninstalled`). */
  deleteAll(query: SlackInstallationQuery): Promise<void>;
  /** Installations of this client id, without tokens, `limit` at a time. */
  listInstallations(options?: { limit?: number; cursor?: string }): Promise<{ items: SlackInstallationSummary[]; nextCursor?: string }>;
  /** Rotating tokens that expire within `withinSeconds`, to refresh outside event handlers. */
  findExpiringTokens(withinSeconds: number): Promise<ExpiringSlackToken[]>;
  /** Stops the cache's listener (a no-op without a cache). */
  close(): Promise<void>;
}

/** Thrown by fetchInstallation when nothing is installed for the query; Bolt reports its message. */
export class SlackInstallationNotFoundError extends NotFoundError {
  override name = "SlackInstallationNotFoundError";
}

/** The associated data a token is bound to: its table, column and installation (and user). */
export function slackTokenAad(
  table: "slack_bots" | "slack_user_tokens" | "slack_installations",
  column: string,
  key: { clientId: string; enterpriseId: string | null; teamId: string | null; userId?: string | null },
): string {
  return secretAad(table, column, JSON.stringify([key.clientId, key.enterpriseId, key.teamId, key.userId ?? null]));
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
  authVersion: z.enum(["v1", "v2"]).nullish(),
  metadata: optionalText(65_536),
});
const queryInput = z.looseObject({
  teamId: optionalText(255),
  enterpriseId: optionalText(255),
  userId: optionalText(255),
  conversationId: optionalText(255),
  isEnterpriseInstall: z.boolean().nullish(),
});
const listInput = z.strictObject({ limit: z.number().int().min(1).max(1000).default(100), cursor: z.uuid().optional() });
/** Up to ten years ahead. */
const withinSecondsInput = z
  .number()
  .min(0)
  .max(10 * 366 * 86_400);

const seconds = (d: Date | null) => (d ? Math.floor(d.getTime() / 1000) : undefined);
const date = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000));
const orUndefined = <T>(v: T | null) => v ?? undefined;
const nonEmpty = (s: string | undefined | null): s is string => typeof s === "string" && s.length > 0;
/** Drops keys whose value is undefined: a fetched installation deep-equals what was stored. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
/** The row of one stored installation, whatever query shape found it. */
const sameInstallation = (t: typeof slackBots | typeof slackUserTokens, k: Key) =>
  and(eq(t.clientId, k.clientId), sql`${t.enterpriseId} is not distinct from ${k.enterpriseId}`, sql`${t.teamId} is not distinct from ${k.teamId}`)!;

interface Key {
  clientId: string;
  enterpriseId: string | null;
  teamId: string | null;
}

/**
 * A query naming an enterprise but no team, and not saying whether it means an org-wide install
 * (a hand-written uninstall handler may send it), can only mean the org-wide install: it is the
 * one installation without a team. A workspace install inside that enterprise is never guessed.
 */
function normalize(q: SlackInstallationQuery): SlackInstallationQuery {
  parseInput(queryInput, q);
  if (q.isEnterpriseInstall === undefined && !q.teamId && q.enterpriseId) return { ...q, isEnterpriseInstall: true } as SlackInstallationQuery;
  return q;
}

/** Which row of a keyed table an InstallationQuery means. An org-wide install ignores teamId. */
function matches(t: typeof slackBots | typeof slackUserTokens | typeof slackInstallations, clientId: string, q: SlackInstallationQuery): SQL {
  if (q.isEnterpriseInstall) {
    if (!q.enterpriseId) throw new ValidationError("enterpriseId", "is required for an enterprise install");
    return and(eq(t.clientId, clientId), eq(t.enterpriseId, q.enterpriseId), isNull(t.teamId))!;
  }
  if (!q.teamId)
    throw new ValidationError("teamId", "is required unless isEnterpriseInstall is true or an enterpriseId alone names the org-wide install");
  return and(eq(t.clientId, clientId), eq(t.teamId, q.teamId), q.enterpriseId ? eq(t.enterpriseId, q.enterpriseId) : undefined)!;
}

const fetchColumns = {
  bot: slackBots,
  user: {
    userId: slackUserTokens.userId,
    userToken: slackUserTokens.userToken,
    userScopes: slackUserTokens.userScopes,
    userRefreshToken: slackUserTokens.userRefreshToken,
    userTokenExpiresAt: slackUserTokens.userTokenExpiresAt,
  },
};
type FetchRow = {
  bot: SlackBot;
  user: Pick<SlackUserToken, "userId" | "userToken" | "userScopes" | "userRefreshToken" | "userTokenExpiresAt"> | null;
};

/** The latest bot row and the asked-for user's tokens (else the installer's), in one statement. */
function selectInstallation(db: Db, where: SQL, userId: SQL) {
  return db
    .select(fetchColumns)
    .from(slackBots)
    .leftJoin(
      slackUserTokens,
      and(
        eq(slackUserTokens.clientId, slackBots.clientId),
        sql`${slackUserTokens.enterpriseId} is not distinct from ${slackBots.enterpriseId}`,
        sql`${slackUserTokens.teamId} is not distinct from ${slackBots.teamId}`,
        eq(slackUserTokens.userId, sql`coalesce(${userId}, ${slackBots.installerUserId})`),
      ),
    )
    .where(where)
    .orderBy(desc(slackBots.installedAt))
    .limit(1);
}

/**
 * A Slack `InstallationStore` on shared-db: plug it into Bolt with one line,
 * `new App({ ..., installationStore: createSlackInstallationStore({ db, keyring, clientId }) })`.
 * Tokens are stored as keyring ciphertext bound to their column and installation; saves are
 * `INSERT ... ON CONFLICT` upserts; a fetch is one SQL statement.
 *
 * @example
 * const installationStore = createSlackInstallationStore({
 *   db, keyring: keyringFromEnv(), clientId: process.env.SLACK_CLIENT_ID,
 *   tokenRotation: { clientSecret: process.env.SLACK_CLIENT_SECRET! },
 * });
 */
export function createSlackInstallationStore(options: SlackInstallationStoreOptions): SlackInstallationStore {
  // Bolt fetches an installation right after the OAuth callback stores it: read from the primary.
  const db = primaryOf(options.db);
  const { keyring } = options;
  const clientId = options.clientId ?? "";
  const historical = options.historicalDataEnabled ?? true;
  const rotation = options.tokenRotation;
  const refreshWindow = rotation?.refreshWithinSeconds ?? 7500;
  const refreshTimeout = rotation?.refreshTimeoutMs ?? 5000;
  if (!(Number.isInteger(refreshTimeout) && refreshTimeout > 0))
    throw new ValidationError("tokenRotation.refreshTimeoutMs", "must be a positive whole number of milliseconds");
  if (rotation && !clientId) throw new ValidationError("clientId", "is required for token rotation");
  const cache = options.cache && createInstallationCache(options.cache);
  if (cache && options.cache?.listenUrl) void cache.listen(options.cache.listenUrl);
  else if (cache) {
    const client = (db as { $client?: { listen?: unknown; waitReady?: unknown } }).$client;
    // Embedded PGlite delivers NOTIFY within the process.
    if (client && typeof client.listen === "function" && "waitReady" in client) void cache.listenInProcess(client as never);
  }
  const queryKey = (q: SlackInstallationQuery): InstallationKey => ({
    c: clientId,
    e: q.enterpriseId ?? null,
    t: q.isEnterpriseInstall ? null : (q.teamId ?? null),
  });
  /** Tells every process (in this transaction: a rollback tells nobody) that an installation changed. */
  const notifyChange = (tx: Db, key: InstallationKey) => tx.execute(sql`select pg_notify(${SLACK_INSTALLATION_CHANNEL}, ${JSON.stringify(key)})`);

  const mapped = (e: unknown) => rethrowDbError(e);
  const enc = (value: string | undefined | null, aad: string) => (nonEmpty(value) ? keyring.encrypt(value, aad) : null);
  const dec = (value: string | null, aad: string) => (value === null ? undefined : keyring.decrypt(value, aad));

  // Hot path: one prepared statement per query shape on the store's own handle.
  const fetchPrepared = (q: SlackInstallationQuery) =>
    q.isEnterpriseInstall
      ? prepared(db, "shared_db_slack_fetch_org", (d) =>
          selectInstallation(
            d,
            and(
              eq(slackBots.clientId, sql.placeholder("clientId")),
              eq(slackBots.enterpriseId, sql.placeholder("enterpriseId")),
              isNull(slackBots.teamId),
            )!,
            sql`${sql.placeholder("userId")}::text`,
          ).prepare("shared_db_slack_fetch_org"),
        )
      : prepared(db, "shared_db_slack_fetch_team", (d) =>
          selectInstallation(
            d,
            and(
              eq(slackBots.clientId, sql.placeholder("clientId")),
              eq(slackBots.teamId, sql.placeholder("teamId")),
              sql`(${sql.placeholder("enterpriseId")}::text is null or ${slackBots.enterpriseId} = ${sql.placeholder("enterpriseId")}::text)`,
            )!,
            sql`${sql.placeholder("userId")}::text`,
          ).prepare("shared_db_slack_fetch_team"),
        );

  const readRow = async (q: SlackInstallationQuery, via: Db = db): Promise<FetchRow | undefined> => {
    if (via === db) {
      matches(slackBots, clientId, q); // validates the query
      const [row] = await fetchPrepared(q).execute({
        clientId,
        enterpriseId: q.enterpriseId ?? null,
        teamId: q.teamId ?? null,
        userId: q.userId ?? null,
      });
      return row as FetchRow | undefined;
    }
    const [row] = await selectInstallation(via, matches(slackBots, clientId, q), sql`${q.userId ?? null}::text`);
    return row as FetchRow | undefined;
  };

  const toInstallation = ({ bot: b, user: u }: FetchRow, q: SlackInstallationQuery): Installation => {
    const key: Key = { clientId: b.clientId, enterpriseId: b.enterpriseId, teamId: b.teamId };
    const userKey = { ...key, userId: u?.userId };
    return defined({
      team: b.isEnterpriseInstall || !b.teamId ? undefined : defined({ id: b.teamId, name: orUndefined(b.teamName) }),
      enterprise: b.enterpriseId ? defined({ id: b.enterpriseId, name: orUndefined(b.enterpriseName) }) : undefined,
      user: u
        ? defined({
            id: u.userId,
            token: dec(u.userToken, slackTokenAad("slack_user_tokens", "user_token", userKey)),
            refreshToken: dec(u.userRefreshToken, slackTokenAad("slack_user_tokens", "user_refresh_token", userKey)),
            expiresAt: seconds(u.userTokenExpiresAt),
            scopes: orUndefined(u.userScopes),
          })
        : { id: q.userId ?? b.installerUserId ?? "" },
      bot: b.botToken
        ? defined({
            id: b.botId ?? "",
            userId: b.botUserId ?? "",
            token: dec(b.botToken, slackTokenAad("slack_bots", "bot_token", key))!,
            refreshToken: dec(b.botRefreshToken, slackTokenAad("slack_bots", "bot_refresh_token", key)),
            expiresAt: seconds(b.botTokenExpiresAt),
            scopes: b.botScopes ?? [],
          })
        : undefined,
      incomingWebhook: b.incomingWebhookUrl
        ? defined({
            url: isPlaintextWebhookUrl(b.incomingWebhookUrl)
              ? b.incomingWebhookUrl
              : dec(b.incomingWebhookUrl, slackTokenAad("slack_bots", "incoming_webhook_url", key))!,
            channel: orUndefined(b.incomingWebhookChannel),
            channelId: orUndefined(b.incomingWebhookChannelId),
            configurationUrl: orUndefined(b.incomingWebhookConfigurationUrl),
          })
        : undefined,
      appId: orUndefined(b.appId),
      tokenType: (b.tokenType as "bot" | null) ?? undefined,
      enterpriseUrl: orUndefined(b.enterpriseUrl),
      isEnterpriseInstall: b.isEnterpriseInstall,
      authVersion: b.authVersion as "v1" | "v2",
      metadata: orUndefined(b.metadata),
    }) as Installation;
  };

  const expiring = (row: FetchRow) => {
    const limit = Date.now() + refreshWindow * 1000;
    const bot = row.bot.botRefreshToken !== null && row.bot.botTokenExpiresAt !== null && row.bot.botTokenExpiresAt.getTime() <= limit;
    const user = !!row.user?.userRefreshToken && row.user.userTokenExpiresAt !== null && row.user.userTokenExpiresAt.getTime() <= limit;
    return { bot, user, any: bot || user };
  };
  /** When the first token of a row with an expiry enters the refresh window (ms since the epoch). */
  const windowOpensAt = (row: FetchRow): number | undefined => {
    const times = [row.bot.botToken ? row.bot.botTokenExpiresAt : null, row.user?.userToken ? row.user.userTokenExpiresAt : null].filter(
      (d) => d !== null,
    );
    return times.length > 0 ? Math.min(...times.map((d) => d!.getTime())) - refreshWindow * 1000 : undefined;
  };

  async function callRefresh(refresh: string, signal: AbortSignal) {
    const body = new URLSearchParams({
      client_id: clientId,
      client_secret: rotation!.clientSecret,
      grant_type: "refresh_token",
      refresh_token: refresh,
    });
    let status = 0;
    let json: { ok?: boolean; error?: string; access_token?: string; refresh_token?: string; expires_in?: number } | undefined;
    try {
      const response = await fetch(`${rotation!.slackApiUrl ?? "https://slack.com/api/"}oauth.v2.access`, { method: "POST", body, signal });
      status = response.status;
      json = (await response.json().catch(() => undefined)) as typeof json;
    } catch (e) {
      if (signal.aborted) throw new SlackTokenRefreshError(`Slack token refresh got no answer within ${refreshTimeout} ms`, "timeout", { cause: e });
      throw new SlackTokenRefreshError(`Slack token refresh failed: ${(e as Error).message}`, "network_error", { cause: e });
    }
    if (json?.ok === false)
      throw new SlackTokenRefreshError(`Slack token refresh failed: ${json.error ?? "unknown error"}`, json.error ?? `http_${status}`);
    if (!json?.ok || !json.access_token || !json.refresh_token || !(typeof json.expires_in === "number")) {
      throw new SlackTokenRefreshError(`Slack token refresh failed: HTTP ${status} without a token`, `http_${status}`);
    }
    return { token: json.access_token, refreshToken: json.refresh_token, expiresAt: new Date(Date.now() + json.expires_in * 1000) };
  }

  /**
   * Refreshes expiring tokens once across every process: lock the stored installation (so every
   * query shape that finds it shares the lock), re-read, refresh what still needs it. Bounded by
   * `refreshTimeoutMs`, the lock wait included; what was refreshed before a failure is kept
   * (Slack has already rotated it), then the failure is thrown.
   */
  async function refreshUnderLock(found: FetchRow, q: SlackInstallationQuery): Promise<FetchRow | undefined> {
    const key: Key = { clientId: found.bot.clientId, enterpriseId: found.bot.enterpriseId, teamId: found.bot.teamId };
    const deadline = Date.now() + refreshTimeout;
    let failure: unknown;
    try {
      const row = await db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('lock_timeout', ${`${refreshTimeout}ms`}, true)`);
        await tx.execute(
          sql`select pg_advisory_xact_lock(hashtextextended(${`shared_db.slack:${JSON.stringify([key.clientId, key.enterpriseId, key.teamId])}`}, 0))`,
        );
        const [row] = (await selectInstallation(tx, sameInstallation(slackBots, key), sql`${q.userId ?? null}::text`)) as FetchRow[];
        if (!row) return undefined;
        const due = expiring(row);
        if (!due.any) return row;
        const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
        try {
          if (due.bot) {
            const fresh = await callRefresh(keyring.decrypt(row.bot.botRefreshToken!, slackTokenAad("slack_bots", "bot_refresh_token", key)), signal);
            const set = {
              botToken: keyring.encrypt(fresh.token, slackTokenAad("slack_bots", "bot_token", key)),
              botRefreshToken: keyring.encrypt(fresh.refreshToken, slackTokenAad("slack_bots", "bot_refresh_token", key)),
              botTokenExpiresAt: fresh.expiresAt,
            };
            await tx.update(slackBots).set(set).where(eq(slackBots.id, row.bot.id));
            Object.assign(row.bot, set);
          }
          if (due.user && row.user) {
            const userKey = { ...key, userId: row.user.userId };
            const fresh = await callRefresh(
              keyring.decrypt(row.user.userRefreshToken!, slackTokenAad("slack_user_tokens", "user_refresh_token", userKey)),
              signal,
            );
            const set = {
              userToken: keyring.encrypt(fresh.token, slackTokenAad("slack_user_tokens", "user_token", userKey)),
              userRefreshToken: keyring.encrypt(fresh.refreshToken, slackTokenAad("slack_user_tokens", "user_refresh_token", userKey)),
              userTokenExpiresAt: fresh.expiresAt,
            };
            await tx
              .update(slackUserTokens)
              .set(set)
              .where(and(sameInstallation(slackUserTokens, key), eq(slackUserTokens.userId, row.user.userId)));
            Object.assign(row.user, set);
          }
        } catch (e) {
          if (!(e instanceof SlackTokenRefreshError)) throw e;
          failure = e;
        }
        await notifyChange(tx, { c: key.clientId, e: key.enterpriseId, t: key.teamId });
        return row;
      });
      if (failure) throw failure;
      return row;
    } catch (e) {
      // 55P03: another process held the lock past this one's deadline.
      if (pgErrorOf(e)?.code === "55P03")
        throw new SlackTokenRefreshError(`Slack token refresh waited ${refreshTimeout} ms for another refresh`, "timeout", { cause: e });
      throw e;
    } finally {
      cache?.invalidate({ c: key.clientId, e: key.enterpriseId, t: key.teamId });
    }
  }

  async function fetchInstallation(input: SlackInstallationQuery): Promise<Installation> {
    const query = normalize(input);
    const hit = cache?.get(query);
    if (hit) return hit;
    const since = cache?.generation ?? 0;
    let row = await readRow(query);
    if (row && rotation && expiring(row).any) row = await refreshUnderLock(row, query);
    if (!row) {
      const where = query.isEnterpriseInstall
        ? `enterprise ${query.enterpriseId}`
        : `team ${query.teamId}${query.enterpriseId ? ` (enterprise ${query.enterpriseId})` : ""}`;
      throw new SlackInstallationNotFoundError("Slack installation", `${where}${clientId ? ` for client ${clientId}` : ""}`);
    }
    const installation = toInstallation(row, query);
    // A token inside the refresh window is never served from memory: rotation goes through the lock.
    if (!cache || expiring(row).any) return installation;
    return cache.set(query, { c: row.bot.clientId, e: row.bot.enterpriseId, t: row.bot.teamId }, installation, since, windowOpensAt(row));
  }

  async function storeInstallation(installation: Installation): Promise<void> {
    parseInput(installationInput, installation);
    const isEnterpriseInstall = installation.isEnterpriseInstall ?? false;
    const key: Key = {
      clientId,
      enterpriseId: installation.enterprise?.id ?? null,
      teamId: isEnterpriseInstall ? null : (installation.team?.id ?? null),
    };
    if (isEnterpriseInstall && !key.enterpriseId) throw new ValidationError("enterprise.id", "is required for an enterprise install");
    if (!isEnterpriseInstall && !key.teamId) throw new ValidationError("team.id", "is required unless isEnterpriseInstall is true");
    if (!nonEmpty(installation.user?.id)) throw new ValidationError("user.id", "is required");
    const { bot, user, incomingWebhook: hook } = installation;
    const hasBot = nonEmpty(bot?.token);
    const userKey = { ...key, userId: user.id };

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
    const botValues = hasBot
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

    await db
      .transaction(async (tx) => {
        // Only what this installation carries is written: a user-scopes-only install keeps the
        // bot, and an empty token never overwrites a stored one. A saved user without a token
        // (Bolt writing back a refreshed bot token it fetched for a user who never installed)
        // is not an install: the installer stays and no history row is added.
        const latest = {
          ...installationValues,
          ...hookUrl(slackTokenAad("slack_bots", "incoming_webhook_url", key)),
          ...botValues,
          installerUserId: user.id,
          installedAt: new Date(),
        };
        const { clientId: _c, enterpriseId: _e, teamId: _t, ...update } = latest;
        const { installerUserId: _i, installedAt: _at, ...inPlace } = update;
        const [upsert] = await tx
          .insert(slackBots)
          .values(latest)
          .onConflictDoUpdate({ target: [slackBots.clientId, slackBots.enterpriseId, slackBots.teamId], set: userValues ? update : inPlace })
          .returning({ inserted: sql<boolean>`(xmax = 0)` });
        if (userValues) {
          await tx
            .insert(slackUserTokens)
            .values({ ...userKey, ...userValues, installedAt: new Date() })
            .onConflictDoUpdate({
              target: [slackUserTokens.clientId, slackUserTokens.enterpriseId, slackUserTokens.teamId, slackUserTokens.userId],
              set: userValues,
            });
        }
        if (historical && (userValues || upsert!.inserted)) {
          const id = crypto.randomUUID();
          const aad = (column: string) => secretAad("slack_installations", column, id);
          await tx.insert(slackInstallations).values({
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
          });
        }
        await notifyChange(tx, { c: key.clientId, e: key.enterpriseId, t: key.teamId });
      })
      .catch(mapped);
    cache?.invalidate({ c: key.clientId, e: key.enterpriseId, t: key.teamId });
  }

  async function deleteAll(input: SlackInstallationQuery): Promise<void> {
    const query = normalize(input);
    await db
      .transaction(async (tx) => {
        await tx.delete(slackUserTokens).where(matches(slackUserTokens, clientId, query));
        await tx.delete(slackInstallations).where(matches(slackInstallations, clientId, query));
        await tx.delete(slackBots).where(matches(slackBots, clientId, query));
        await notifyChange(tx, queryKey(query));
      })
      .catch(mapped);
    cache?.invalidate(queryKey(query));
  }

  return {
    storeInstallation,
    fetchInstallation,
    async deleteInstallation(input) {
      const query = normalize(input);
      if (!query.userId) return deleteAll(query);
      await db
        .transaction(async (tx) => {
          await tx.delete(slackUserTokens).where(and(matches(slackUserTokens, clientId, query), eq(slackUserTokens.userId, query.userId!)));
          await tx.delete(slackInstallations).where(and(matches(slackInstallations, clientId, query), eq(slackInstallations.userId, query.userId!)));
          await notifyChange(tx, queryKey(query));
        })
        .catch(mapped);
      cache?.invalidate(queryKey(query));
    },
    deleteAll,
    async deleteBot(input) {
      const query = normalize(input);
      const none = { botToken: null, botRefreshToken: null, botTokenExpiresAt: null, botScopes: null, botId: null, botUserId: null };
      await db
        .transaction(async (tx) => {
          await tx
            .update(slackBots)
            .set(none)
            .where(matches(slackBots, clientId, query));
          await tx
            .update(slackInstallations)
            .set(none)
            .where(matches(slackInstallations, clientId, query));
          await notifyChange(tx, queryKey(query));
        })
        .catch(mapped);
      cache?.invalidate(queryKey(query));
    },
    async listInstallations(options = {}) {
      const { limit, cursor } = parseInput(listInput, options);
      const rows = await db
        .select()
        .from(slackBots)
        .where(and(eq(slackBots.clientId, clientId), cursor ? gt(slackBots.id, cursor) : undefined))
        .orderBy(asc(slackBots.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit).map((b) => ({
        enterpriseId: b.enterpriseId,
        enterpriseName: b.enterpriseName,
        teamId: b.teamId,
        teamName: b.teamName,
        isEnterpriseInstall: b.isEnterpriseInstall,
        appId: b.appId,
        botId: b.botId,
        botUserId: b.botUserId,
        botScopes: b.botScopes,
        hasBotToken: b.botToken !== null,
        installerUserId: b.installerUserId,
        installedAt: b.installedAt,
        updatedAt: b.updatedAt,
      }));
      return rows.length > limit ? { items, nextCursor: rows[limit - 1]!.id } : { items };
    },
    async close() {
      await cache?.close();
    },
    async findExpiringTokens(withinSeconds) {
      parseInput(withinSecondsInput, withinSeconds, "withinSeconds");
      const before = new Date(Date.now() + withinSeconds * 1000);
      const bots = await db
        .select({
          enterpriseId: slackBots.enterpriseId,
          teamId: slackBots.teamId,
          isEnterpriseInstall: slackBots.isEnterpriseInstall,
          expiresAt: slackBots.botTokenExpiresAt,
        })
        .from(slackBots)
        .where(and(eq(slackBots.clientId, clientId), isNotNull(slackBots.botRefreshToken), lt(slackBots.botTokenExpiresAt, before)));
      const users = await db
        .select({
          enterpriseId: slackUserTokens.enterpriseId,
          teamId: slackUserTokens.teamId,
          userId: slackUserTokens.userId,
          expiresAt: slackUserTokens.userTokenExpiresAt,
        })
        .from(slackUserTokens)
        .where(
          and(eq(slackUserTokens.clientId, clientId), isNotNull(slackUserTokens.userRefreshToken), lt(slackUserTokens.userTokenExpiresAt, before)),
        );
      return [
        ...bots.map((b) => ({ kind: "bot" as const, ...b, expiresAt: b.expiresAt! })),
        ...users.map((u) => ({ kind: "user" as const, ...u, isEnterpriseInstall: u.teamId === null, expiresAt: u.expiresAt! })),
      ];
    },
  };
}
