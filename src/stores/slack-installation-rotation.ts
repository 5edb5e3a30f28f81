// Token rotation: when a fetched token enters the refresh window, refresh it once across every
// process, under a lock on the installation's row with a re-read after taking it (node-slack-sdk#2504).
import { and, eq, sql } from "drizzle-orm";
import { type SlackTokenOwner, slackTokenAad } from "../crypto/aad";
import { pgErrorOf, SlackTokenRefreshError } from "../errors";
import { slackBots, slackUserTokens } from "../schema/slack-oauth";
import {
  notifyChange,
  rowKey,
  sameInstallation,
  selectInstallation,
  type InstallationStoreContext,
  type RotationSettings,
} from "./slack-installation-queries";
import type { FetchRow, InstallationRowKey, SlackInstallationQuery } from "./slack-installation-rows";

const NONE_EXPIRING = Object.freeze({ bot: false, user: false, any: false });

/** Which of a row's rotating tokens are inside the refresh window. */
export function expiring(row: FetchRow, windowMs: number) {
  if (row.bot.botRefreshToken === null && !row.user?.userRefreshToken) return NONE_EXPIRING;
  const limit = Date.now() + windowMs;
  const bot = row.bot.botRefreshToken !== null && row.bot.botTokenExpiresAt !== null && row.bot.botTokenExpiresAt.getTime() <= limit;
  const user = !!row.user?.userRefreshToken && row.user.userTokenExpiresAt !== null && row.user.userTokenExpiresAt.getTime() <= limit;
  return { bot, user, any: bot || user };
}

/** When the first token of a row with an expiry enters the refresh window (ms since the epoch). */
export function windowOpensAt(row: FetchRow, windowMs: number): number | undefined {
  const bot = row.bot.botToken ? row.bot.botTokenExpiresAt : null;
  const user = row.user?.userToken ? row.user.userTokenExpiresAt : null;
  if (bot === null && user === null) return undefined;
  return Math.min(bot?.getTime() ?? Number.POSITIVE_INFINITY, user?.getTime() ?? Number.POSITIVE_INFINITY) - windowMs;
}

async function callRefresh(clientId: string, settings: RotationSettings, refresh: string, signal: AbortSignal, budgetMs: number) {
  const body = new URLSearchParams({
    client_id: clientId,
    client_secret: settings.clientSecret,
    grant_type: "refresh_token",
    refresh_token: refresh,
  });
  let status = 0;
  let json: { ok?: boolean; error?: string; access_token?: string; refresh_token?: string; expires_in?: number } | undefined;
  try {
    const response = await fetch(`${settings.slackApiUrl}oauth.v2.access`, { method: "POST", body, signal });
    status = response.status;
    json = (await response.json().catch(() => undefined)) as typeof json;
  } catch (e) {
    if (signal.aborted) throw new SlackTokenRefreshError(`Slack token refresh got no answer within ${budgetMs} ms`, "timeout", { cause: e });
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
 * Refreshes expiring tokens once across every process: lock the stored installation's row (so
 * every query shape that finds it shares the lock), re-read, refresh what still needs it. Bounded by
 * `refreshTimeoutMs`, the lock wait included; the lock is held at most 3/4 of it whatever happens
 * to the holder (the server ends a holder idle that long); what was refreshed before a failure is kept
 * (Slack has already rotated it), then the failure is thrown.
 */
export async function refreshUnderLock(ctx: InstallationStoreContext, found: FetchRow, q: SlackInstallationQuery): Promise<FetchRow | undefined> {
  const { db, keyring, clientId } = ctx;
  const settings = ctx.rotation!;
  const key: InstallationRowKey = { clientId: found.bot.clientId, enterpriseId: found.bot.enterpriseId, teamId: found.bot.teamId };
  const deadline = Date.now() + settings.timeoutMs;
  // The lock is held for Slack at most half the timeout; the server's bound on an idle holder
  // leaves that call a margin, and any waiter the last quarter for its own refresh.
  const holdMs = Math.ceil(settings.timeoutMs / 2);
  const idleMs = Math.ceil((settings.timeoutMs * 3) / 4);
  let failure: unknown;
  try {
    const row = await db.transaction(async (tx) => {
      // A holder whose process died or was partitioned away leaves its backend idle in transaction
      // with the lock: the server ends that session after `idleMs`, so a waiter that queued at any
      // time still gets the lock with part of its own timeout left to refresh. A live holder's
      // Slack call is aborted earlier (`holdMs`), so the server never ends a refresh that is alive.
      await tx.execute(
        sql`select set_config('lock_timeout', ${`${settings.timeoutMs}ms`}, true), set_config('idle_in_transaction_session_timeout', ${`${idleMs}ms`}, true)`,
      );
      // The installation's own row, not an advisory key: locking it needs UPDATE on slack_bots and
      // the service policy, so neither a user (in withRls or not) nor another database's login can
      // hold it and stall the refresh. NO KEY UPDATE: foreign-key checks do not wait for it.
      await tx.select({ id: slackBots.id }).from(slackBots).where(sameInstallation(slackBots, key)).for("no key update");
      const [row] = (await selectInstallation(tx, sameInstallation(slackBots, key), sql`${q.userId ?? null}::text`)) as FetchRow[];
      if (!row) return undefined;
      const due = expiring(row, ctx.refreshWindowMs);
      if (!due.any) return row;
      const budgetMs = Math.max(1, Math.min(deadline - Date.now(), holdMs));
      const signal = AbortSignal.timeout(budgetMs);
      /** Trades one stored refresh token for a fresh pair, both encrypted for where they are stored. */
      const rotate = async (refreshToken: string, kind: "bot" | "user", owner: SlackTokenOwner) => {
        const table = kind === "bot" ? "slack_bots" : "slack_user_tokens";
        const fresh = await callRefresh(
          clientId,
          settings,
          keyring.decrypt(refreshToken, slackTokenAad(table, `${kind}_refresh_token`, owner)),
          signal,
          budgetMs,
        );
        return {
          token: keyring.encrypt(fresh.token, slackTokenAad(table, `${kind}_token`, owner)),
          refreshToken: keyring.encrypt(fresh.refreshToken, slackTokenAad(table, `${kind}_refresh_token`, owner)),
          expiresAt: fresh.expiresAt,
        };
      };
      try {
        if (due.bot) {
          const fresh = await rotate(row.bot.botRefreshToken!, "bot", key);
          const set = { botToken: fresh.token, botRefreshToken: fresh.refreshToken, botTokenExpiresAt: fresh.expiresAt };
          await tx.update(slackBots).set(set).where(eq(slackBots.id, row.bot.id));
          Object.assign(row.bot, set);
        }
        if (due.user && row.user) {
          const userKey = { ...key, userId: row.user.userId };
          const fresh = await rotate(row.user.userRefreshToken!, "user", userKey);
          const set = { userToken: fresh.token, userRefreshToken: fresh.refreshToken, userTokenExpiresAt: fresh.expiresAt };
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
      await notifyChange(ctx, tx, rowKey(key));
      return row;
    });
    if (failure) throw failure;
    return row;
  } catch (e) {
    // 55P03: another process held the lock past this one's deadline.
    if (pgErrorOf(e)?.code === "55P03")
      throw new SlackTokenRefreshError(`Slack token refresh waited ${settings.timeoutMs} ms for another refresh`, "timeout", { cause: e });
    throw e;
  } finally {
    ctx.cache?.invalidate(rowKey(key));
  }
}
