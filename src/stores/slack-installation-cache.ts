import { randomBytes } from "node:crypto";
import type { Installation } from "@slack/oauth";
import postgres from "postgres";
import { z } from "zod";
import type { Keyring } from "../crypto";
import { parseInput, pgText } from "../input";

/** The channel every installation write notifies, in the writing transaction. */
export const SLACK_INSTALLATION_CHANNEL = "shared_db_slack_installation";

/** Which installation changed: client id, enterprise id, team id (NULL for an org-wide install). */
export interface InstallationKey {
  c: string;
  e: string | null;
  t: string | null;
}

/** The keyring MAC's purpose: a fixed label, so every process holding the same keys agrees without configuration. */
const NOTICE_PURPOSE = "slack installation cache notice v1";
/** A notice sent longer ago (or, by the sender's clock, later) than this is ignored; within it, a nonce seen before is a replay. */
const NOTICE_WINDOW_MS = 5 * 60_000;
/** pg_notify's payload limit: nothing longer comes from PostgreSQL. */
const MAX_NOTICE_CHARS = 8000;

/** The NOTIFY payloads of installation writes, authenticated: any role connected to the database can NOTIFY. */
export interface InstallationNotices {
  /** The payload saying `key` changed: `<mac>.<json>`, the MAC (keyring, HKDF-derived key) over the JSON, which holds a nonce and the time. */
  seal(key: InstallationKey): string;
  /** The key a payload names when it is a notice this keyring sealed, recent and not seen before; otherwise undefined. */
  open(payload: unknown): InstallationKey | undefined;
}

const isId = (v: unknown): v is string | null => v === null || typeof v === "string";

/** Notices sealed and opened with `keyring` (any of its keys opens; the primary seals). */
export function installationNotices(keyring: Keyring): InstallationNotices {
  // Nonces of notices opened, each with when it may be forgotten (no longer inside the window).
  const seen = new Map<string, number>();
  return {
    seal(key) {
      const body = JSON.stringify({ c: key.c, e: key.e, t: key.t, n: randomBytes(16).toString("base64url"), at: Date.now() });
      return `${keyring.mac(body, NOTICE_PURPOSE)}.${body}`;
    },
    open(payload) {
      if (typeof payload !== "string" || payload.length > MAX_NOTICE_CHARS) return undefined;
      const dot = payload.indexOf(".");
      const body = payload.slice(dot + 1);
      if (dot < 0 || !keyring.verifyMac(body, payload.slice(0, dot), NOTICE_PURPOSE)) return undefined;
      let notice: { c?: unknown; e?: unknown; t?: unknown; n?: unknown; at?: unknown };
      try {
        notice = JSON.parse(body);
      } catch {
        return undefined;
      }
      const { c, e, t, n, at } = notice ?? {};
      const now = Date.now();
      if (typeof c !== "string" || !isId(e) || !isId(t) || typeof n !== "string" || typeof at !== "number") return undefined;
      if (!(Math.abs(now - at) <= NOTICE_WINDOW_MS) || seen.has(n)) return undefined;
      // Oldest first (close enough: entries behind a later one wait for it, and a replay is refused meanwhile).
      for (const [nonce, until] of seen) {
        if (until > now) break;
        seen.delete(nonce);
      }
      seen.set(n, Math.max(now, at) + NOTICE_WINDOW_MS);
      return { c, e, t };
    },
  };
}

export interface SlackInstallationCacheOptions {
  /**
   * Most installations kept. Past it, the workspace stored longest ago goes first; as entries
   * expire after `ttlSeconds` and are stored again, busy workspaces keep moving to the back.
   * @default 1000
   */
  maxEntries?: number;
  /** Longest an entry is served without asking the database. @default 60 */
  ttlSeconds?: number;
  /**
   * A direct (not pooled) connection URL for LISTEN, so writes in other processes invalidate this
   * cache at once. Without it on a server, entries live for `ttlSeconds` at most; on embedded
   * PGlite the store listens in process.
   */
  listenUrl?: string;
}

interface Entry {
  installation: Installation;
  key: InstallationKey;
  /** The enterprise id the query named (a team query may name none). */
  queryEnterprise: string | null;
  expires: number;
  /** When the first token it holds enters the refresh window: checked on the exact clock. */
  tokenDeadline: number | undefined;
}

/** What a fetch asked for; the cache is keyed by it without building strings on the hot path. */
export interface CacheQuery {
  isEnterpriseInstall?: boolean | null;
  enterpriseId?: string | null;
  teamId?: string | null;
  userId?: string | null;
}

/**
 * Which scope (team, or org) a query means, as the store's normalization reads it (a query with an
 * enterprise id alone means the org-wide install); undefined for a query no entry can be for.
 * Slack ids never start with \u0001, so org-wide scopes cannot collide with team ids.
 */
function scopeOf(q: CacheQuery): string | undefined {
  const org = q.isEnterpriseInstall;
  if (org === true || ((org === undefined || org === null) && !q.teamId && q.enterpriseId)) {
    return typeof q.enterpriseId === "string" ? `\u0001${q.enterpriseId}` : undefined;
  }
  if (org !== false && org !== undefined && org !== null) return undefined;
  return typeof q.teamId === "string" ? q.teamId : undefined;
}
const userOf = (q: CacheQuery) => q.userId ?? "";

/** Freezes a fetched installation so a caller cannot change what the cache serves to others. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const affects = (changed: InstallationKey, k: InstallationKey) =>
  changed.c === k.c && (changed.t !== null ? changed.t === k.t : k.t === null && changed.e === k.e);

const cacheOptions = z.strictObject({
  maxEntries: z.number().int().min(1).max(10_000_000).optional(),
  ttlSeconds: z
    .number()
    .min(0)
    .max(366 * 86_400)
    .optional(),
  listenUrl: pgText()
    .max(4096)
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
});

/**
 * An in-process cache of installations (approximate LRU), dropped by key on every write, here or
 * (through NOTIFY) elsewhere; it acts only on the notices `notices` opens and ignores every other payload.
 */
export function createInstallationCache(input: SlackInstallationCacheOptions, notices: InstallationNotices) {
  // The URL may hold a password: a ValidationError names the field, never the value.
  const options = parseInput(cacheOptions, input, "cache");
  const max = options.maxEntries ?? 1000;
  const ttl = (options.ttlSeconds ?? 60) * 1000;
  // scope (team, or org) -> user id ("" for none) -> entry; Map order makes the oldest scope go first.
  const entries = new Map<string, Map<string, Entry>>();
  let size = 0;
  // Bumped by every invalidation: a database read that began before it must not be cached after it.
  let generation = 0;
  let listening = true;
  let stop: (() => Promise<void>) | undefined;
  // A coarse clock: reading it is free, and a TTL does not need milliseconds.
  let now = Date.now();
  const clock = setInterval(() => (now = Date.now()), 250);
  clock.unref();

  const drop = (scope: string, users: Map<string, Entry>, user: string) => {
    users.delete(user);
    size--;
    if (users.size === 0) entries.delete(scope);
  };

  // Anything but a genuine, fresh notice (a forged, replayed or malformed payload) changes nothing.
  const onPayload = (payload: string) => {
    const changed = notices.open(payload);
    if (changed) cache.invalidate(changed);
  };

  const cache = {
    get generation() {
      return generation;
    },
    /**
     * The entry for a query, unchecked: an entry is stored under the key of a checked query, and a
     * hit needs this one's key (scope, user, enterprise) to equal it exactly, so a malformed query
     * (a number for an id, a non-boolean isEnterpriseInstall, not an object) misses.
     */
    get(q: CacheQuery): Installation | undefined {
      if (!listening || typeof q !== "object" || q === null) return undefined;
      const scope = scopeOf(q);
      const users = scope === undefined ? undefined : entries.get(scope);
      const user = userOf(q);
      const entry = users?.get(user as string);
      if (!entry || entry.queryEnterprise !== (q.enterpriseId ?? null)) return undefined;
      if (entry.expires < now || (entry.tokenDeadline !== undefined && entry.tokenDeadline <= Date.now())) {
        drop(scope!, users!, user);
        return undefined;
      }
      return entry.installation;
    },
    /** `tokenDeadline`: when the first token of `installation` enters the refresh window (ms); the entry ends then. */
    set(q: CacheQuery, key: InstallationKey, installation: Installation, since: number, tokenDeadline?: number): Installation {
      const frozen = deepFreeze(installation);
      if (since !== generation || !listening || (tokenDeadline !== undefined && tokenDeadline <= Date.now())) return frozen;
      const scope = scopeOf(q);
      if (scope === undefined) return frozen;
      const users = entries.get(scope) ?? new Map<string, Entry>();
      // (Re)stored scopes move to the back of the eviction order.
      entries.delete(scope);
      entries.set(scope, users);
      if (!users.has(userOf(q))) size++;
      users.set(userOf(q), { installation: frozen, key, queryEnterprise: q.enterpriseId ?? null, expires: Date.now() + ttl, tokenDeadline });
      while (size > max) {
        const [oldest, first] = entries.entries().next().value!;
        size -= first.size;
        entries.delete(oldest);
      }
      return frozen;
    },
    invalidate(changed: InstallationKey) {
      generation++;
      for (const [scope, users] of entries) {
        for (const [user, entry] of users) if (affects(changed, entry.key)) drop(scope, users, user);
      }
    },
    flush() {
      generation++;
      entries.clear();
      size = 0;
    },
    get size() {
      return size;
    },
    /** Listens on its own session connection; a drop flushes and disables the cache until it is back. */
    async listen(url: string) {
      listening = false;
      const client = postgres(url, {
        max: 1,
        idle_timeout: 0,
        max_lifetime: null,
        fetch_types: false,
        onnotice: () => {},
        connection: { application_name: "shared-db-cache-listener" },
        onnotify: (channel: string, payload: string) => channel === SLACK_INSTALLATION_CHANNEL && onPayload(payload),
        onclose: () => {
          // Notifications sent while disconnected are lost: serve nothing cached before the drop.
          listening = false;
          cache.flush();
          if (!closed) void subscribe();
        },
      } as postgres.Options<Record<string, never>>);
      let closed = false;
      const subscribe = async (): Promise<void> => {
        for (let attempt = 0; !closed; attempt++) {
          try {
            await client.unsafe(`listen "${SLACK_INSTALLATION_CHANNEL}"`);
            cache.flush();
            listening = true;
            return;
          } catch {
            await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
          }
        }
      };
      await subscribe();
      stop = async () => {
        closed = true;
        await client.end({ timeout: 1 });
      };
    },
    /** PGlite: LISTEN/NOTIFY within the process. */
    async listenInProcess(client: { listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>> }) {
      listening = false;
      stop = await client.listen(SLACK_INSTALLATION_CHANNEL, onPayload);
      listening = true;
    },
    async close() {
      clearInterval(clock);
      await stop?.();
      cache.flush();
    },
  };
  return cache;
}

export type InstallationCache = ReturnType<typeof createInstallationCache>;
