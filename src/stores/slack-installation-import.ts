import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { rowsOf, type Db } from "../db";
import { rethrowDbError } from "../errors";
import { callback, parseInput } from "../input";
import { SlackInstallationNotFoundError, type SlackInstallationStore, storeContextOf } from "./slack-installation-store";
import { importInstallation, storedInstalledAt } from "./slack-installation-writes";

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "must be a SQL identifier");

export const importSlackInstallationsInput = z.strictObject({
  /** Where installations are saved (and looked up, to skip those already stored): a store from createSlackInstallationStore. */
  store: z.custom<SlackInstallationStore>((s) => storeContextOf(s) !== undefined, "must be a store made by createSlackInstallationStore"),
  /**
   * The source table's shape: `"seed"` (the Piccolo `SlackOAuthInstallation` of
   * slack-oauth-installations.md, one row per installation) or `"sqlalchemy"` (slack_sdk's
   * `SQLAlchemyInstallationStore` `slack_installations` table, one row per save).
   */
  format: z.enum(["seed", "sqlalchemy"]),
  /** @default "public" */
  schema: identifier.default("public"),
  /** @default "slack_o_auth_installation" (seed) or "slack_installations" (sqlalchemy) */
  table: identifier.optional(),
  /** Only rows of this Slack app, for tables with a `client_id` column (sqlalchemy). @default every row */
  clientId: z.string().min(1).max(255).optional(),
  /** Count what would be stored, write nothing. @default false */
  dryRun: z.boolean().default(false),
  /** When the source stored tokens encrypted (e.g. Fernet: `(v) => keyring.decrypt(v)`). @default tokens are plain text */
  decryptToken: callback<(value: string) => string>().optional(),
});
export type ImportSlackInstallationsInput = z.input<typeof importSlackInstallationsInput>;

export interface ImportSlackInstallationsResult {
  /** Source rows read. */
  read: number;
  /** Distinct installations (latest row per enterprise, team and user). */
  installations: number;
  /** Re-saved through storeInstallation (with dryRun: would be). */
  stored: number;
  /** Already stored with the same content: not written (a second run stores nothing). */
  unchanged: number;
  /** Not stored: the store holds an installation of that workspace installed at or after the source row. */
  skipped: number;
  /** The skipped installations, oldest source row first (no tokens). */
  skippedInstallations: SkippedSlackInstallation[];
  dryRun: boolean;
}

/** A source row the import did not store, because the store holds a newer installation of its workspace. */
export interface SkippedSlackInstallation {
  enterpriseId: string | null;
  teamId: string | null;
  userId: string | null;
  isEnterpriseInstall: boolean;
  /** The source row's `installed_at` (null: it has none, so it never replaces a stored installation). */
  installedAt: Date | null;
  /** The stored installation's, the same or later. */
  storedInstalledAt: Date;
}

type Row = Record<string, unknown>;
const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const scopes = (v: unknown): string[] | undefined => {
  if (Array.isArray(v)) return v.map(String).filter(Boolean);
  const s = text(v);
  if (!s) return undefined;
  if (s.startsWith("[")) return (JSON.parse(s) as unknown[]).map(String);
  return s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
};
const seconds = (v: unknown) => (v instanceof Date || typeof v === "string" ? Math.floor(new Date(v).getTime() / 1000) : undefined);
const dateOf = (v: unknown) => {
  const d = v instanceof Date || typeof v === "string" ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
};
const time = (v: unknown) => dateOf(v)?.getTime() ?? 0;

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** One source row as Bolt's Installation (both formats share the slack_sdk column names). */
function toInstallation(r: Row, decrypt: (v: string | undefined) => string | undefined): Installation {
  const isEnterpriseInstall = r.is_enterprise_install === true || r.is_enterprise_install === "t";
  const enterpriseId = text(r.enterprise_id);
  const teamId = text(r.team_id);
  const botToken = decrypt(text(r.bot_token));
  const webhookUrl = text(r.incoming_webhook_url);
  return defined({
    team: isEnterpriseInstall || !teamId ? undefined : defined({ id: teamId, name: text(r.team_name) }),
    enterprise: enterpriseId ? defined({ id: enterpriseId, name: text(r.enterprise_name) }) : undefined,
    user: defined({
      id: text(r.user_id) ?? "",
      token: decrypt(text(r.user_token)),
      refreshToken: decrypt(text(r.user_refresh_token)),
      expiresAt: seconds(r.user_token_expires_at),
      scopes: scopes(r.user_scopes),
    }),
    bot: botToken
      ? defined({
          id: text(r.bot_id) ?? "",
          userId: text(r.bot_user_id) ?? "",
          token: botToken,
          refreshToken: decrypt(text(r.bot_refresh_token)),
          expiresAt: seconds(r.bot_token_expires_at),
          scopes: scopes(r.bot_scopes) ?? [],
        })
      : undefined,
    incomingWebhook: webhookUrl
      ? defined({
          url: webhookUrl,
          channel: text(r.incoming_webhook_channel),
          channelId: text(r.incoming_webhook_channel_id),
          configurationUrl: text(r.incoming_webhook_configuration_url),
        })
      : undefined,
    appId: text(r.app_id),
    tokenType: text(r.token_type) === "bot" ? "bot" : undefined,
    enterpriseUrl: text(r.enterprise_url),
    isEnterpriseInstall,
    authVersion: "v2",
  }) as Installation;
}

/** Whether `stored` already holds everything `wanted` says (keys absent from `wanted` are ignored). */
function holds(stored: unknown, wanted: unknown): boolean {
  if (wanted === null || typeof wanted !== "object") return stored === wanted;
  if (Array.isArray(wanted)) return Array.isArray(stored) && stored.length === wanted.length && wanted.every((w, i) => holds(stored[i], w));
  if (stored === null || typeof stored !== "object") return false;
  return Object.entries(wanted).every(([k, w]) => holds((stored as Row)[k], w));
}

/**
 * One-shot import from a single-table installation store (the seed's Piccolo table, or slack_sdk's
 * SQLAlchemy `slack_installations`): the latest row of each installation is re-saved through
 * `input.store`, so its tokens are encrypted and bound like any other, with the row's `installed_at`.
 * Safe to re-run after go-live: it never replaces an installation the store holds that was
 * installed at or after the source row (a live install, or the row itself from an earlier run).
 * That comparison is in the upsert, so an install committed meanwhile wins. Such rows are counted
 * in `skipped` and listed in `skippedInstallations`; a source row without `installed_at` only fills
 * a gap. A newer source row (the old service saved it after the store's install) replaces the
 * stored installation. An installation the store already holds with the same content is
 * `unchanged`, so an interrupted run is resumed by running it again (each installation is saved
 * atomically, the import as a whole is not). Every row is decrypted before the first write.
 * `dryRun` only counts.
 * `db` is the database holding the old table (often the same one as the store's).
 *
 * @example
 * const store = createSlackInstallationStore({ db, keyring: keyringFromEnv(), clientId });
 * await importSlackInstallations(db, { store, format: "sqlalchemy", clientId, dryRun: true }); // { stored: 42, ... }
 * await importSlackInstallations(db, { store, format: "sqlalchemy", clientId });
 */
export async function importSlackInstallations(db: Db, input: ImportSlackInstallationsInput): Promise<ImportSlackInstallationsResult> {
  const v = parseInput(importSlackInstallationsInput, input);
  const ctx = storeContextOf(v.store)!;
  const { store, format, schema, table, clientId, dryRun, decryptToken } = v;
  const from = sql`${sql.identifier(schema)}.${sql.identifier(table ?? (format === "seed" ? "slack_o_auth_installation" : "slack_installations"))}`;
  const rows = rowsOf<Row>(await db.execute(sql`select * from ${from}`).catch((e: unknown) => rethrowDbError(e)));
  const selected = rows.filter((r) => clientId === undefined || !("client_id" in r) || r.client_id === clientId);
  // Oldest first, so the latest row of an installation wins and is stored last.
  selected.sort((a, b) => time(a.installed_at) - time(b.installed_at));
  const latest = new Map<string, Row>();
  for (const r of selected) {
    const key = JSON.stringify([r.enterprise_id ?? null, r.is_enterprise_install ? null : (r.team_id ?? null), r.user_id ?? null]);
    latest.delete(key);
    latest.set(key, r);
  }
  const decrypt = (v: string | undefined) => (v === undefined || !decryptToken ? v : decryptToken(v));
  const result: ImportSlackInstallationsResult = {
    read: rows.length,
    installations: latest.size,
    stored: 0,
    unchanged: 0,
    skipped: 0,
    skippedInstallations: [],
    dryRun,
  };
  // Every row is read and decrypted before anything is written: a bad row stops the import at once.
  const installations = [...latest.values()].map((row) => ({ installation: toInstallation(row, decrypt), installedAt: dateOf(row.installed_at) }));
  for (const { installation, installedAt } of installations) {
    const query = {
      teamId: installation.team?.id,
      enterpriseId: installation.enterprise?.id,
      userId: installation.user.id || undefined,
      isEnterpriseInstall: installation.isEnterpriseInstall ?? false,
    };
    const current = await store.fetchInstallation(query as never).catch((e: unknown) => {
      if (e instanceof SlackInstallationNotFoundError) return undefined;
      throw e;
    });
    if (current && holds(current, installation)) {
      result.unchanged++;
      continue;
    }
    let kept: Date | undefined;
    if (dryRun) {
      const stored = await storedInstalledAt(ctx, installation);
      kept = stored && (!installedAt || installedAt <= stored) ? stored : undefined;
    } else {
      kept = await importInstallation(ctx, installation, installedAt);
    }
    if (kept) {
      result.skipped++;
      result.skippedInstallations.push({
        enterpriseId: query.enterpriseId ?? null,
        teamId: query.teamId ?? null,
        userId: query.userId ?? null,
        isEnterpriseInstall: query.isEnterpriseInstall,
        installedAt: installedAt ?? null,
        storedInstalledAt: kept,
      });
      continue;
    }
    result.stored++;
  }
  return result;
}
