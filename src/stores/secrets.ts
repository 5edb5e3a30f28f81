import { and, asc, Column, eq, getTableName, gt, is, isNotNull, not, sql, type SQL } from "drizzle-orm";
import { PgTable, type PgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import { DecryptionError, type DecryptionFailure } from "../crypto";
import { secretAad, slackTokenAad } from "../crypto/aad";
import type { Db } from "../db";
import { callback, keyring, parseInput } from "../input";
import { propertyOf } from "../schema/namespace";
import { customIntegrationCredentials } from "../schema/custom-integrations";
import { integrationCredentials } from "../schema/integrations";
import { slackWorkspaces } from "../schema/slack-data";
import { slackBots, slackInstallations, slackUserTokens } from "../schema/slack-oauth";
import { plaintextWebhookUrl } from "./slack-installation-rows";

/**
 * A column that holds keyring ciphertext. Its associated data is
 * `secretAad(<table>, <column>, <row id>)` unless `aad` says otherwise.
 */
export interface SecretColumn {
  table: PgTable;
  column: PgColumn;
  /** The row key the value is bound to. @default the table's `id` column */
  key?: PgColumn;
  /**
   * The tenant column that completes the primary key (id, tenant) of a tenant table: rows are
   * read and rewritten by the pair, since an id alone is unique only within its tenant.
   */
  tenant?: PgColumn;
  /** The associated data a row's value was written with, when it is not bound to `key`. */
  aad?: (row: Record<string, unknown>) => string;
  /** Extra columns `aad` needs. */
  aadColumns?: Record<string, PgColumn>;
  /**
   * Which stored values are still plaintext (written before the column was encrypted): rotation
   * encrypts them, `shared-db verify` counts them. Without it every value is ciphertext.
   */
  plaintext?: (column: PgColumn) => SQL;
}

const keyOf = (s: SecretColumn) => s.key ?? (s.table as unknown as { id: PgColumn }).id;
const label = (s: SecretColumn) => `${getTableName(s.table)}.${s.column.name}`;
const aadFor = (s: SecretColumn, row: Record<string, unknown>) =>
  s.aad ? s.aad(row) : secretAad(getTableName(s.table), s.column.name, String(row.key));
/** Rows after `row` in (key, tenant) order: the next batch. */
const afterRow = (s: SecretColumn, key: PgColumn, row: Record<string, unknown>): SQL =>
  s.tenant ? sql`(${key}, ${s.tenant}) > (${row.key}, ${row.tenant})` : gt(key, row.key);
/** A list of SecretColumn: checks each one's table and column (named by path), keeps the rest as given. */
const secretColumnList = z.array(
  z.looseObject({
    table: z.custom<PgTable>((t) => is(t, PgTable), "must be a Drizzle table"),
    column: z.custom<PgColumn>((c) => is(c, Column), "must be a Drizzle column"),
  }),
) as unknown as z.ZodType<readonly SecretColumn[], readonly SecretColumn[]>;

/** Values not under `keyId`: legacy Fernet tokens and values of any other key. */
const notUnder = (s: SecretColumn, keyId: string): SQL => and(isNotNull(s.column), not(sql`${s.column} like ${`sdb1:${keyId}:%`}`))!;

/** Where a value that could not be re-encrypted is: never the value itself. */
export interface UndecryptableSecret {
  table: string;
  column: string;
  /** The row's key (its `id`, or the column `key` names). */
  row: string;
  reason: DecryptionFailure;
}

export const rotateSecretsInput = z.strictObject({
  /** Decrypts the stored values; encrypts them under its primary key. */
  keyring: keyring(),
  /** The columns to walk, usually `secretColumns`. */
  columns: secretColumnList,
  /** Rows per transaction. @default 500 */
  batchSize: z.number().int().min(1).max(100_000).default(500),
  /** Called after each batch. */
  onProgress: callback<(progress: { column: string; rotated: number }) => void>().optional(),
  /**
   * Called for each value the keyring cannot decrypt; the run then leaves it as it is and goes on.
   * Without it, the first such value stops the run with its DecryptionError.
   */
  onUndecryptable: callback<(value: UndecryptableSecret) => void>().optional(),
});
export type RotateSecretsInput = z.input<typeof rotateSecretsInput>;

/**
 * Re-encrypts every stored secret that is not under the keyring's primary key, in batches of one
 * transaction each. Resumable: a stopped run leaves rotated rows rotated, and the next run picks up
 * what is left. Returns how many values it rewrote per column.
 *
 * @example
 * const keyring = keyringFromEnv(); // ENCRYPTION_KEYS="new,old"
 * await rotateSecrets(db, { keyring, columns: secretColumns });
 * await countSecretsByKey(db, { columns: secretColumns }); // { "<new id>": n } once done
 */
export async function rotateSecrets(db: Db, input: RotateSecretsInput): Promise<Record<string, number>> {
  const v = parseInput(rotateSecretsInput, input);
  const { batchSize } = v;
  const done: Record<string, number> = {};
  for (const s of v.columns) {
    const key = keyOf(s);
    const property = propertyOf(s.table, s.column);
    let rotated = 0;
    let after: Record<string, unknown> | undefined = undefined;
    for (;;) {
      const count = await db.transaction(async (tx) => {
        const rows = (await tx
          .select({
            key,
            value: s.column,
            plain: s.plaintext ? s.plaintext(s.column).mapWith(Boolean) : sql<boolean>`false`,
            ...(s.tenant ? { tenant: s.tenant } : {}),
            ...s.aadColumns,
          })
          .from(s.table)
          .where(and(notUnder(s, v.keyring.primaryKeyId), after === undefined ? undefined : afterRow(s, key, after)))
          .orderBy(asc(key), ...(s.tenant ? [asc(s.tenant)] : []))
          .limit(batchSize)
          .for("update")) as Record<string, unknown>[];
        let rewritten = 0;
        for (const row of rows) {
          let value: string;
          try {
            value = row.plain ? v.keyring.encrypt(row.value as string, aadFor(s, row)) : v.keyring.rotate(row.value as string, aadFor(s, row));
          } catch (e) {
            if (!(e instanceof DecryptionError) || !v.onUndecryptable) throw e;
            v.onUndecryptable({ table: getTableName(s.table), column: s.column.name, row: String(row.key), reason: e.reason });
            continue;
          }
          if (value === row.value) continue; // a Fernet column's value already under the primary key
          await tx
            .update(s.table)
            .set({ [property]: value } as never)
            .where(and(eq(key, row.key), s.tenant ? eq(s.tenant, row.tenant) : undefined));
          rewritten++;
        }
        after = rows.at(-1) ?? after;
        return { read: rows.length, rewritten };
      });
      rotated += count.rewritten;
      if (count.rewritten > 0) v.onProgress?.({ column: label(s), rotated });
      if (count.read < batchSize) break;
    }
    done[label(s)] = rotated;
  }
  return done;
}

export const countPlaintextSecretsInput = z.strictObject({
  /** The columns to count, usually `secretColumns`. */
  columns: secretColumnList,
});
export type CountPlaintextSecretsInput = z.input<typeof countPlaintextSecretsInput>;

/** How many plaintext values each column with a `plaintext` predicate still holds (only those above 0). */
export async function countPlaintextSecrets(db: Db, input: CountPlaintextSecretsInput): Promise<Record<string, number>> {
  const v = parseInput(countPlaintextSecretsInput, input);
  const counts: Record<string, number> = {};
  for (const s of v.columns) {
    if (!s.plaintext) continue;
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(s.table).where(s.plaintext(s.column));
    if (row && row.n > 0) counts[label(s)] = row.n;
  }
  return counts;
}

export const countSecretsByKeyInput = z.strictObject({
  /** The columns to count, usually `secretColumns`. */
  columns: secretColumnList,
});
export type CountSecretsByKeyInput = z.input<typeof countSecretsByKeyInput>;

/** How many stored values each key id (or "fernet") holds, over all secret columns. */
export async function countSecretsByKey(db: Db, input: CountSecretsByKeyInput): Promise<Record<string, number>> {
  const v = parseInput(countSecretsByKeyInput, input);
  const counts: Record<string, number> = {};
  for (const s of v.columns) {
    const keyId = sql<string>`case when ${s.column} like 'sdb1:%' then split_part(${s.column}, ':', 2)
      ${s.plaintext ? sql`when ${s.plaintext(s.column)} then 'plaintext'` : sql``} else 'fernet' end`;
    const rows = await db.select({ keyId, n: sql<number>`count(*)::int` }).from(s.table).where(isNotNull(s.column)).groupBy(keyId);
    for (const r of rows) counts[r.keyId] = (counts[r.keyId] ?? 0) + r.n;
  }
  return counts;
}

const slackKey = (t: typeof slackBots | typeof slackUserTokens) => ({ clientId: t.clientId, enterpriseId: t.enterpriseId, teamId: t.teamId });
const slackBotSecret = (column: PgColumn, name: string): SecretColumn => ({
  table: slackBots,
  column,
  aadColumns: slackKey(slackBots),
  aad: (row) => slackTokenAad("slack_bots", name, row as never),
});
const slackUserSecret = (column: PgColumn, name: string): SecretColumn => ({
  table: slackUserTokens,
  column,
  aadColumns: { ...slackKey(slackUserTokens), userId: slackUserTokens.userId },
  aad: (row) => slackTokenAad("slack_user_tokens", name, row as never),
});

/** Every secret column shared-db stores; `rotate-keys` and `rotateSecrets` users walk this list. */
export const secretColumns: readonly SecretColumn[] = [
  slackBotSecret(slackBots.botToken, "bot_token"),
  slackBotSecret(slackBots.botRefreshToken, "bot_refresh_token"),
  { ...slackBotSecret(slackBots.incomingWebhookUrl, "incoming_webhook_url"), plaintext: plaintextWebhookUrl },
  slackUserSecret(slackUserTokens.userToken, "user_token"),
  slackUserSecret(slackUserTokens.userRefreshToken, "user_refresh_token"),
  { table: slackInstallations, column: slackInstallations.botToken },
  { table: slackInstallations, column: slackInstallations.botRefreshToken },
  { table: slackInstallations, column: slackInstallations.userToken },
  { table: slackInstallations, column: slackInstallations.userRefreshToken },
  { table: slackInstallations, column: slackInstallations.incomingWebhookUrl, plaintext: plaintextWebhookUrl },
  { table: customIntegrationCredentials, column: customIntegrationCredentials.encryptedValue, tenant: customIntegrationCredentials.userId },
  { table: integrationCredentials, column: integrationCredentials.encryptedValue, tenant: integrationCredentials.ownerTeamId },
  { table: integrationCredentials, column: integrationCredentials.refreshToken, tenant: integrationCredentials.ownerTeamId },
  { table: slackWorkspaces, column: slackWorkspaces.accessToken, tenant: slackWorkspaces.teamId },
  { table: slackWorkspaces, column: slackWorkspaces.refreshToken, tenant: slackWorkspaces.teamId },
];
