// The installation store's writes: each one transaction that notifies every process's cache.
import type { Installation } from "@slack/oauth";
import { and, eq, sql } from "drizzle-orm";
import { rethrowDbError } from "../errors";
import { slackBots, slackInstallations, slackUserTokens } from "../schema/slack-oauth";
import { matches, notifyChange, queryKey, rowKey, sameInstallation, type InstallationStoreContext } from "./slack-installation-queries";
import { installationKey, installationRows, normalizeQuery, type SlackInstallationQuery } from "./slack-installation-rows";

export async function storeInstallation(ctx: InstallationStoreContext, installation: Installation): Promise<void> {
  await save(ctx, installation);
}

/**
 * The import's save: stored with the source row's install time, unless the store holds an
 * installation of that workspace installed at or after it (then nothing is written and its install
 * time is returned). A source row without an install time only fills a gap.
 */
export function importInstallation(
  ctx: InstallationStoreContext,
  installation: Installation,
  installedAt: Date | undefined,
): Promise<Date | undefined> {
  return save(ctx, installation, { installedAt });
}

/** The install time of the installation the store holds for `installation`'s workspace, if any. */
export async function storedInstalledAt(ctx: InstallationStoreContext, installation: Installation): Promise<Date | undefined> {
  const [row] = await ctx.db
    .select({ installedAt: slackBots.installedAt })
    .from(slackBots)
    .where(sameInstallation(slackBots, installationKey(installation, ctx.clientId)))
    .catch(rethrowDbError);
  return row?.installedAt;
}

async function save(
  ctx: InstallationStoreContext,
  installation: Installation,
  imported?: { installedAt: Date | undefined },
): Promise<Date | undefined> {
  const rows = installationRows(installation, ctx.clientId, ctx.keyring);
  const installedAt = imported?.installedAt ?? new Date();
  const kept = await ctx.db
    .transaction(async (tx) => {
      // Only what this installation carries is written: a user-scopes-only install keeps the
      // bot, and an empty token never overwrites a stored one. A saved user without a token
      // (Bolt writing back a refreshed bot token it fetched for a user who never installed)
      // is not an install: the installer stays and no history row is added.
      const latest = { ...rows.bot, installedAt };
      const { clientId: _c, enterpriseId: _e, teamId: _t, ...update } = latest;
      const { installerUserId: _i, installedAt: _at, ...inPlace } = update;
      const [upsert] = await tx
        .insert(slackBots)
        .values(latest)
        .onConflictDoUpdate({
          target: [slackBots.clientId, slackBots.enterpriseId, slackBots.teamId],
          set: rows.user ? update : inPlace,
          // An import replaces only an installation installed before its row. Decided on the
          // conflicting row, locked and re-read after a concurrent install commits: no check-then-write race.
          ...(imported && { setWhere: imported.installedAt ? sql`${slackBots.installedAt} < excluded.installed_at` : sql`false` }),
        })
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      if (!upsert) {
        const [row] = await tx.select({ installedAt: slackBots.installedAt }).from(slackBots).where(sameInstallation(slackBots, rows.key));
        return row!.installedAt;
      }
      if (rows.user) {
        await tx
          .insert(slackUserTokens)
          .values({ ...rows.userKey, ...rows.user, installedAt })
          .onConflictDoUpdate({
            target: [slackUserTokens.clientId, slackUserTokens.enterpriseId, slackUserTokens.teamId, slackUserTokens.userId],
            set: rows.user,
          });
      }
      if (ctx.historical && (rows.user || upsert.inserted))
        await tx.insert(slackInstallations).values({ ...rows.history(crypto.randomUUID()), installedAt });
      await notifyChange(ctx, tx, rowKey(rows.key));
      return undefined;
    })
    .catch(rethrowDbError);
  if (!kept) ctx.cache?.invalidate(rowKey(rows.key));
  return kept;
}

/** Removes the installation with all its user tokens and history (`app_uninstalled`). */
export async function deleteAll(ctx: InstallationStoreContext, input: SlackInstallationQuery): Promise<void> {
  const query = normalizeQuery(input);
  const { clientId } = ctx;
  await ctx.db
    .transaction(async (tx) => {
      await tx.delete(slackUserTokens).where(matches(slackUserTokens, clientId, query));
      await tx.delete(slackInstallations).where(matches(slackInstallations, clientId, query));
      await tx.delete(slackBots).where(matches(slackBots, clientId, query));
      await notifyChange(ctx, tx, queryKey(clientId, query));
    })
    .catch(rethrowDbError);
  ctx.cache?.invalidate(queryKey(clientId, query));
}

/** Removes one user's tokens, or (without a user id) the whole installation. */
export async function deleteInstallation(ctx: InstallationStoreContext, input: SlackInstallationQuery): Promise<void> {
  const query = normalizeQuery(input);
  if (!query.userId) return deleteAll(ctx, query);
  const { clientId } = ctx;
  await ctx.db
    .transaction(async (tx) => {
      await tx.delete(slackUserTokens).where(and(matches(slackUserTokens, clientId, query), eq(slackUserTokens.userId, query.userId!)));
      await tx.delete(slackInstallations).where(and(matches(slackInstallations, clientId, query), eq(slackInstallations.userId, query.userId!)));
      await notifyChange(ctx, tx, queryKey(clientId, query));
    })
    .catch(rethrowDbError);
  ctx.cache?.invalidate(queryKey(clientId, query));
}

/** Removes the bot token (keeps user tokens), e.g. on a `tokens_revoked` event for the bot. */
export async function deleteBot(ctx: InstallationStoreContext, input: SlackInstallationQuery): Promise<void> {
  const query = normalizeQuery(input);
  const { clientId } = ctx;
  const none = { botToken: null, botRefreshToken: null, botTokenExpiresAt: null, botScopes: null, botId: null, botUserId: null };
  await ctx.db
    .transaction(async (tx) => {
      await tx
        .update(slackBots)
        .set(none)
        .where(matches(slackBots, clientId, query));
      await tx
        .update(slackInstallations)
        .set(none)
        .where(matches(slackInstallations, clientId, query));
      await notifyChange(ctx, tx, queryKey(clientId, query));
    })
    .catch(rethrowDbError);
  ctx.cache?.invalidate(queryKey(clientId, query));
}
