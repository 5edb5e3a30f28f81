// The installation store's statements; each function takes the store's context first.
import { and, asc, desc, eq, gt, isNotNull, isNull, lt, sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Keyring } from "../crypto";
import type { Db } from "../db";
import { parseInput } from "../input";
import { prepared } from "../prepared";
import { slackBots, type slackInstallations, slackUserTokens } from "../schema/slack-oauth";
import { SLACK_INSTALLATION_CHANNEL, type InstallationCache, type InstallationKey, type InstallationNotices } from "./slack-installation-cache";
import { requireInstallationNamed, type FetchRow, type InstallationRowKey, type SlackInstallationQuery } from "./slack-installation-rows";

/** What every part of one installation store shares. */
export interface InstallationStoreContext {
  /** The primary: Bolt fetches an installation right after the OAuth callback stores it. */
  db: Db;
  keyring: Keyring;
  clientId: string;
  historical: boolean;
  cache: InstallationCache | undefined;
  /** Seals the NOTIFY payload of each write, so other processes' caches can tell it from a forgery. */
  notices: InstallationNotices;
  /** A token this close to its expiry is refreshed (with rotation) and never cached. */
  refreshWindowMs: number;
  rotation: RotationSettings | undefined;
}

export interface RotationSettings {
  clientSecret: string;
  slackApiUrl: string;
  /** The most a refresh may take, the lock wait included. */
  timeoutMs: number;
}

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

type KeyedTable = typeof slackBots | typeof slackUserTokens | typeof slackInstallations;

/** The rows of one stored installation, whatever query shape found it. */
export const sameInstallation = (t: typeof slackBots | typeof slackUserTokens, k: InstallationRowKey) =>
  and(eq(t.clientId, k.clientId), sql`${t.enterpriseId} is not distinct from ${k.enterpriseId}`, sql`${t.teamId} is not distinct from ${k.teamId}`)!;

/** Which rows of a keyed table a (normalized) query means. An org-wide install ignores teamId. */
export function matches(t: KeyedTable, clientId: string, q: SlackInstallationQuery): SQL {
  requireInstallationNamed(q);
  if (q.isEnterpriseInstall) return and(eq(t.clientId, clientId), eq(t.enterpriseId, q.enterpriseId!), isNull(t.teamId))!;
  return and(eq(t.clientId, clientId), eq(t.teamId, q.teamId!), q.enterpriseId ? eq(t.enterpriseId, q.enterpriseId) : undefined)!;
}

/** The cache key of the installation a (normalized) query means. */
export const queryKey = (clientId: string, q: SlackInstallationQuery): InstallationKey => ({
  c: clientId,
  e: q.enterpriseId ?? null,
  t: q.isEnterpriseInstall ? null : (q.teamId ?? null),
});
export const rowKey = (k: InstallationRowKey): InstallationKey => ({ c: k.clientId, e: k.enterpriseId, t: k.teamId });

/** Tells every process (in this transaction: a rollback tells nobody) that an installation changed, in a sealed notice. */
export const notifyChange = (ctx: InstallationStoreContext, tx: Db, key: InstallationKey) =>
  tx.execute(sql`select pg_notify(${SLACK_INSTALLATION_CHANNEL}, ${ctx.notices.seal(key)})`);

// Only the columns an Installation needs: fewer values to parse on the hot path. In this order:
// toFetchRow reads them by position.
const fetchColumns = {
  bot: {
    id: slackBots.id,
    clientId: slackBots.clientId,
    enterpriseId: slackBots.enterpriseId,
    enterpriseName: slackBots.enterpriseName,
    enterpriseUrl: slackBots.enterpriseUrl,
    teamId: slackBots.teamId,
    teamName: slackBots.teamName,
    isEnterpriseInstall: slackBots.isEnterpriseInstall,
    appId: slackBots.appId,
    tokenType: slackBots.tokenType,
    authVersion: slackBots.authVersion,
    metadata: slackBots.metadata,
    incomingWebhookUrl: slackBots.incomingWebhookUrl,
    incomingWebhookChannel: slackBots.incomingWebhookChannel,
    incomingWebhookChannelId: slackBots.incomingWebhookChannelId,
    incomingWebhookConfigurationUrl: slackBots.incomingWebhookConfigurationUrl,
    botId: slackBots.botId,
    botUserId: slackBots.botUserId,
    botToken: slackBots.botToken,
    botScopes: slackBots.botScopes,
    botRefreshToken: slackBots.botRefreshToken,
    botTokenExpiresAt: slackBots.botTokenExpiresAt,
    installerUserId: slackBots.installerUserId,
  },
  user: {
    userId: slackUserTokens.userId,
    userToken: slackUserTokens.userToken,
    userScopes: slackUserTokens.userScopes,
    userRefreshToken: slackUserTokens.userRefreshToken,
    userTokenExpiresAt: slackUserTokens.userTokenExpiresAt,
  },
};

/** The latest bot row and the asked-for user's tokens (else the installer's), in one statement. */
export function selectInstallation(db: Db, where: SQL, userId: SQL) {
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

// Drizzle's own row mapping (per column: entity checks, path walking, join nulling) was the largest
// client cost after decrypting both tokens (about half of it, in a CPU profile); this statement maps
// its one row by position instead, in an object literal (one shape), decoding the values that need
// it (arrays, timestamps: strings on every driver under Drizzle) with their column's own decoder.
const bot = fetchColumns.bot;
const user = fetchColumns.user;
const decode = <T>(column: PgColumn, v: unknown) => (v === null ? null : (column.mapFromDriverValue(v) as T));

/** The first row (values in `fetchColumns` order, as every driver hands a result mapper them) as a FetchRow. */
function toFetchRow(rows: unknown[][]): FetchRow | undefined {
  const v = rows[0] as any[] | undefined;
  if (!v) return undefined;
  return {
    bot: {
      id: v[0],
      clientId: v[1],
      enterpriseId: v[2],
      enterpriseName: v[3],
      enterpriseUrl: v[4],
      teamId: v[5],
      teamName: v[6],
      isEnterpriseInstall: v[7],
      appId: v[8],
      tokenType: v[9],
      authVersion: v[10],
      metadata: v[11],
      incomingWebhookUrl: v[12],
      incomingWebhookChannel: v[13],
      incomingWebhookChannelId: v[14],
      incomingWebhookConfigurationUrl: v[15],
      botId: v[16],
      botUserId: v[17],
      botToken: v[18],
      botScopes: decode(bot.botScopes, v[19]),
      botRefreshToken: v[20],
      botTokenExpiresAt: decode(bot.botTokenExpiresAt, v[21]),
      installerUserId: v[22],
    },
    // user_id is NOT NULL in its table: NULL here means the left join found no user row.
    user:
      v[23] === null
        ? null
        : {
            userId: v[23],
            userToken: v[24],
            userScopes: decode(user.userScopes, v[25]),
            userRefreshToken: v[26],
            userTokenExpiresAt: decode(user.userTokenExpiresAt, v[27]),
          },
  };
}

type FetchStatement = { execute(values: Record<string, string | null>): Promise<FetchRow | undefined> };

/**
 * The select, prepared by name on the handle's session with `toFetchRow` as its result mapper:
 * every Drizzle Postgres driver (postgres.js, node-postgres, PGlite) hands such a mapper the rows
 * as value arrays.
 */
const prepareFetch = (db: Db, name: string, where: SQL): FetchStatement =>
  db._.session.prepareQuery<{ execute: FetchRow | undefined; all: unknown; values: unknown }>(
    selectInstallation(db, where, sql`${sql.placeholder("userId")}::text`).toSQL(),
    undefined,
    name,
    true,
    toFetchRow as (rows: unknown[][]) => FetchRow | undefined,
  );

// Hot path: one prepared statement per query shape on the store's own handle.
const fetchPrepared = (db: Db, q: SlackInstallationQuery) =>
  q.isEnterpriseInstall
    ? prepared(db, "shared_db_slack_fetch_org", (d) =>
        prepareFetch(
          d,
          "shared_db_slack_fetch_org",
          and(
            eq(slackBots.clientId, sql.placeholder("clientId")),
            eq(slackBots.enterpriseId, sql.placeholder("enterpriseId")),
            isNull(slackBots.teamId),
          )!,
        ),
      )
    : prepared(db, "shared_db_slack_fetch_team", (d) =>
        prepareFetch(
          d,
          "shared_db_slack_fetch_team",
          and(
            eq(slackBots.clientId, sql.placeholder("clientId")),
            eq(slackBots.teamId, sql.placeholder("teamId")),
            sql`(${sql.placeholder("enterpriseId")}::text is null or ${slackBots.enterpriseId} = ${sql.placeholder("enterpriseId")}::text)`,
          )!,
        ),
      );

/** The installation a (normalized) query means, in one prepared statement. */
export function readInstallation(ctx: InstallationStoreContext, q: SlackInstallationQuery): Promise<FetchRow | undefined> {
  requireInstallationNamed(q);
  return fetchPrepared(ctx.db, q).execute({
    clientId: ctx.clientId,
    enterpriseId: q.enterpriseId ?? null,
    teamId: q.teamId ?? null,
    userId: q.userId ?? null,
  });
}

const listInput = z.strictObject({ limit: z.number().int().min(1).max(1000).default(100), cursor: z.uuid().optional() });
/** Up to ten years ahead. */
const withinSecondsInput = z
  .number()
  .min(0)
  .max(10 * 366 * 86_400);

export async function listInstallations(
  ctx: InstallationStoreContext,
  options: { limit?: number; cursor?: string } = {},
): Promise<{ items: SlackInstallationSummary[]; nextCursor?: string }> {
  const { limit, cursor } = parseInput(listInput, options);
  const rows = await ctx.db
    .select()
    .from(slackBots)
    .where(and(eq(slackBots.clientId, ctx.clientId), cursor ? gt(slackBots.id, cursor) : undefined))
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
}

export async function findExpiringTokens(ctx: InstallationStoreContext, withinSeconds: number): Promise<ExpiringSlackToken[]> {
  parseInput(withinSecondsInput, withinSeconds, "withinSeconds");
  const before = new Date(Date.now() + withinSeconds * 1000);
  const bots = await ctx.db
    .select({
      enterpriseId: slackBots.enterpriseId,
      teamId: slackBots.teamId,
      isEnterpriseInstall: slackBots.isEnterpriseInstall,
      expiresAt: slackBots.botTokenExpiresAt,
    })
    .from(slackBots)
    .where(and(eq(slackBots.clientId, ctx.clientId), isNotNull(slackBots.botRefreshToken), lt(slackBots.botTokenExpiresAt, before)));
  const users = await ctx.db
    .select({
      enterpriseId: slackUserTokens.enterpriseId,
      teamId: slackUserTokens.teamId,
      userId: slackUserTokens.userId,
      expiresAt: slackUserTokens.userTokenExpiresAt,
    })
    .from(slackUserTokens)
    .where(
      and(eq(slackUserTokens.clientId, ctx.clientId), isNotNull(slackUserTokens.userRefreshToken), lt(slackUserTokens.userTokenExpiresAt, before)),
    );
  return [
    ...bots.map((b) => ({ kind: "bot" as const, ...b, expiresAt: b.expiresAt! })),
    ...users.map((u) => ({ kind: "user" as const, ...u, isEnterpriseInstall: u.teamId === null, expiresAt: u.expiresAt! })),
  ];
}
