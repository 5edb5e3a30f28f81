// The installation store's writes: each one transaction that notifies every process's cache.
import type { Installation } from "@slack/oauth";
import { and, eq, sql } from "drizzle-orm";
import { rethrowDbError } from "../errors";
import { slackBots, slackInstallations, slackUserTokens } from "../schema/slack-oauth";
import { matches, notifyChange, queryKey, rowKey, type InstallationStoreContext } from "./slack-installation-queries";
import { installationRows, normalizeQuery, type SlackInstallationQuery } from "./slack-installation-rows";

export async function storeInstallation(ctx: InstallationStoreContext, installation: Installation): Promise<void> {
  const rows = installationRows(installation, ctx.clientId, ctx.keyring);
  await ctx.db
    .transaction(async (tx) => {
      // Only what this installation carries is written: a user-scopes-only install keeps the
      // bot, and an empty token never overwrites a stored one. A saved user without a token
      // (Bolt writing back a refreshed bot token it fetched for a user who never installed)
      // is not an install: the installer stays and no history row is added.
      const latest = { ...rows.bot, installedAt: new Date() };
      const { clientId: _c, enterpriseId: _e, teamId: _t, ...update } = latest;
      const { installerUserId: _i, installedAt: _at, ...inPlace } = update;
      const [upsert] = await tx
        .insert(slackBots)
        .values(latest)
        .onConflictDoUpdate({ target: [slackBots.clientId, slackBots.enterpriseId, slackBots.teamId], set: rows.user ? update : inPlace })
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      if (rows.user) {
        await tx
          .insert(slackUserTokens)
          .values({ ...rows.userKey, ...rows.user, installedAt: new Date() })
          .onConflictDoUpdate({
            target: [slackUserTokens.clientId, slackUserTokens.enterpriseId, slackUserTokens.teamId, slackUserTokens.userId],
            set: rows.user,
          });
      }
      if (ctx.historical && (rows.user || upsert!.inserted)) await tx.insert(slackInstallations).values(rows.history(crypto.randomUUID()));
      await notifyChange(tx, rowKey(rows.key));
    })
    .catch(rethrowDbError);
  ctx.cache?.invalidate(rowKey(rows.key));
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
      await notifyChange(tx, queryKey(clientId, query));
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
      await notifyChange(tx, queryKey(clientId, query));
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
      await notifyChange(tx, queryKey(clientId, query));
    })
    .catch(rethrowDbError);
  ctx.cache?.invalidate(queryKey(clientId, query));
}
