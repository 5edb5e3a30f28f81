import type { Installation, InstallationStore } from "@slack/oauth";
import type { Keyring } from "../crypto";
import { primaryOf, type Db } from "../db";
import { NotFoundError, ValidationError } from "../errors";
import { createInstallationCache, installationNotices, type SlackInstallationCacheOptions } from "./slack-installation-cache";
import {
  findExpiringTokens,
  listInstallations,
  readInstallation,
  rowKey,
  type ExpiringSlackToken,
  type InstallationStoreContext,
  type SlackInstallationSummary,
} from "./slack-installation-queries";
import { expiring, refreshUnderLock, windowOpensAt } from "./slack-installation-rotation";
import { normalizeQuery, toInstallation, type SlackInstallationQuery } from "./slack-installation-rows";
import { deleteAll, deleteBot, deleteInstallation, storeInstallation } from "./slack-installation-writes";

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
   * `fetchInstallation` throws `SlackTokenRefreshError` with code `timeout`. The request to Slack
   * gets at most half of it; a holder that dies or is partitioned away mid-refresh loses the lock
   * after 3/4 of it (the server ends its session idle in the transaction), so the others refresh.
   * @default 5000
   */
  refreshTimeoutMs?: number;
}

export interface SlackInstallationStoreOptions {
  /** The service connection (not a withRls transaction): Bolt's work is service work. */
  db: Db;
  keyring: Keyring;
  /**
   * The Slack app's client id; one database serves several apps. Required for token rotation.
   * Left out, installations are stored under `""` (a single-app database); given, it must not be
   * empty, so an unset environment variable is an error rather than another app's key.
   * @default ""
   */
  clientId?: string;
  /** Also keep every installation as delivered in `slack_installations`. @default true */
  historicalDataEnabled?: boolean;
  /**
   * Refresh rotating tokens inside `fetchInstallation`, under a lock on the installation's row
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

/**
 * Bolt's hot path. A cache hit reads only the lookup key (enterprise, team, user, whether org-wide),
 * which must equal that of a query checked before its entry was stored; anything else is checked,
 * read in one prepared statement, refreshed under the lock if a token is in the refresh window,
 * decrypted, and cached unless a token is in the window.
 */
async function fetchInstallation(ctx: InstallationStoreContext, input: SlackInstallationQuery): Promise<Installation> {
  const { cache } = ctx;
  const hit = cache?.get(input);
  if (hit) return hit;
  const query = normalizeQuery(input);
  const since = cache?.generation ?? 0;
  let row = await readInstallation(ctx, query);
  let inWindow = row !== undefined && expiring(row, ctx.refreshWindowMs).any;
  if (inWindow && ctx.rotation) {
    row = await refreshUnderLock(ctx, row!, query);
    inWindow = row !== undefined && expiring(row, ctx.refreshWindowMs).any;
  }
  if (!row) {
    const where = query.isEnterpriseInstall
      ? `enterprise ${query.enterpriseId}`
      : `team ${query.teamId}${query.enterpriseId ? ` (enterprise ${query.enterpriseId})` : ""}`;
    throw new SlackInstallationNotFoundError("Slack installation", `${where}${ctx.clientId ? ` for client ${ctx.clientId}` : ""}`);
  }
  const installation = toInstallation(row, query, ctx.keyring);
  // A token inside the refresh window is never served from memory: rotation goes through the lock.
  if (!cache || inWindow) return installation;
  return cache.set(query, rowKey(row.bot), installation, since, windowOpensAt(row, ctx.refreshWindowMs));
}

/** The store's shared settings, checked once. */
function contextOf(options: SlackInstallationStoreOptions): InstallationStoreContext {
  // Bolt fetches an installation right after the OAuth callback stores it: read from the primary.
  const db = primaryOf(options.db);
  // Given but empty is a configuration mistake (an unset SLACK_CLIENT_ID), not the single-app default.
  if ("clientId" in options && !options.clientId)
    throw new ValidationError(
      "clientId",
      "is empty (is SLACK_CLIENT_ID set?): pass the Slack app's client id, or leave the option out for a single-app database",
    );
  const clientId = options.clientId ?? "";
  const rotation = options.tokenRotation;
  const timeoutMs = rotation?.refreshTimeoutMs ?? 5000;
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0))
    throw new ValidationError("tokenRotation.refreshTimeoutMs", "must be a positive whole number of milliseconds");
  if (rotation && !clientId) throw new ValidationError("clientId", "is required for token rotation");
  // Every write's NOTIFY is sealed with it, cache or not: other processes may cache.
  if (typeof options.keyring?.mac !== "function" || typeof options.keyring.verifyMac !== "function")
    throw new ValidationError("keyring", "must be a Keyring from createKeyring or keyringFromEnv");
  const notices = installationNotices(options.keyring);
  const cache = options.cache && createInstallationCache(options.cache, notices);
  if (cache && options.cache?.listenUrl) void cache.listen(options.cache.listenUrl);
  else if (cache) {
    const client = (db as { $client?: { listen?: unknown; waitReady?: unknown } }).$client;
    // Embedded PGlite delivers NOTIFY within the process.
    if (client && typeof client.listen === "function" && "waitReady" in client) void cache.listenInProcess(client as never);
  }
  return {
    db,
    keyring: options.keyring,
    clientId,
    historical: options.historicalDataEnabled ?? true,
    cache,
    notices,
    refreshWindowMs: (rotation?.refreshWithinSeconds ?? 7500) * 1000,
    rotation: rotation && { clientSecret: rotation.clientSecret, slackApiUrl: rotation.slackApiUrl ?? "https://slack.com/api/", timeoutMs },
  };
}

const contexts = new WeakMap<object, InstallationStoreContext>();
/** The context of a store made by createSlackInstallationStore: the import writes through it. */
export const storeContextOf = (store: unknown): InstallationStoreContext | undefined =>
  typeof store === "object" && store !== null ? contexts.get(store) : undefined;

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
  const ctx = contextOf(options);
  const store: SlackInstallationStore = {
    storeInstallation: (installation) => storeInstallation(ctx, installation),
    fetchInstallation: (query) => fetchInstallation(ctx, query),
    deleteInstallation: (query) => deleteInstallation(ctx, query),
    deleteAll: (query) => deleteAll(ctx, query),
    deleteBot: (query) => deleteBot(ctx, query),
    listInstallations: (options) => listInstallations(ctx, options),
    findExpiringTokens: (withinSeconds) => findExpiringTokens(ctx, withinSeconds),
    close: async () => {
      await ctx.cache?.close();
    },
  };
  contexts.set(store, ctx);
  return store;
}
