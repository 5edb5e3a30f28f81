import { sql } from "drizzle-orm";
import { text, uuid } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createKeyring, DecryptionError, generateKey, secretAad } from "../../src/crypto";
import { sharedDb } from "../../src/schema/namespace";
import { countSecretsByKey, rotateSecrets, type SecretColumn } from "../../src/stores/secrets";
import python from "./fixtures/python-fernet.json";
import { useTestDb } from "../support/db";

// A table of the shape every domain uses for secrets: ciphertext bound to (table, column, row id).
const vault = sharedDb.table("test_vault", {
  id: uuid("id").primaryKey().defaultRandom(),
  apiKey: text("api_key"),
  refreshToken: text("refresh_token"),
});
const columns: SecretColumn[] = [
  { table: vault, column: vault.apiKey },
  { table: vault, column: vault.refreshToken },
];

const t = useTestDb();
const oldKey = generateKey();
const newKey = generateKey();
const oldRing = createKeyring({ keys: [oldKey] });
// test_vault.api_key holds two tokens the Python service wrote: listed, so they are read (and rotated).
const bothRing = createKeyring({ keys: [newKey, oldKey, python.key], fernetReadColumns: ["test_vault.api_key"] });
const ids: string[] = [];

beforeAll(async () => {
  await t.db.execute(sql`create table shared_db.test_vault (id uuid primary key, api_key text, refresh_token text)`);
  for (let i = 0; i < 23; i++) {
    const id = crypto.randomUUID();
    ids.push(id);
    await t.db.insert(vault).values({
      id,
      apiKey: oldRing.encrypt(`key-${i}`, secretAad("test_vault", "api_key", id)),
      refreshToken: i % 2 ? null : oldRing.encrypt(`refresh-${i}`, secretAad("test_vault", "refresh_token", id)),
    });
  }
  // Two values the Python service wrote (no AAD): rotation moves them to the new format.
  for (const token of python.tokens.slice(0, 2)) {
    const id = crypto.randomUUID();
    await t.db.insert(vault).values({ id, apiKey: token.token });
  }
});

describe("rotateSecrets", () => {
  it("re-encrypts every value under the primary key in batches, resumably, leaving none under old keys", async () => {
    expect(await countSecretsByKey(t.db, { columns })).toEqual({ [oldRing.primaryKeyId]: 23 + 12, fernet: 2 });

    // A run stopped after its first batch (the progress callback throws)...
    const stop = new Error("stopped");
    await expect(
      rotateSecrets(t.db, {
        keyring: bothRing,
        columns,
        batchSize: 10,
        onProgress: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect((await countSecretsByKey(t.db, { columns }))[bothRing.primaryKeyId]).toBe(10);

    // ...and the next run finishes the job.
    const progress: number[] = [];
    const done = await rotateSecrets(t.db, { keyring: bothRing, columns, batchSize: 10, onProgress: (p) => progress.push(p.rotated) });
    expect(done).toEqual({ "test_vault.api_key": 15, "test_vault.refresh_token": 12 });
    expect(progress.length).toBeGreaterThan(2);
    expect(await countSecretsByKey(t.db, { columns })).toEqual({ [bothRing.primaryKeyId]: 23 + 12 + 2 });

    // The old key can go: a ring with only the new key reads everything, bound to its row.
    const newOnly = createKeyring({ keys: [newKey] });
    const rows = await t.db.select().from(vault);
    for (const row of rows) {
      const plain = newOnly.decrypt(row.apiKey!, secretAad("test_vault", "api_key", row.id));
      expect(plain).toMatch(/^key-\d+$|^xoxb-|^$/);
    }
    expect(await rotateSecrets(t.db, { keyring: bothRing, columns })).toEqual({ "test_vault.api_key": 0, "test_vault.refresh_token": 0 });
  });

  it("refuses (and writes nothing for) a value it cannot authenticate", async () => {
    const id = ids[0]!;
    // A ciphertext bound to another row fails its AAD check: rotation stops, fail closed.
    const copied = oldRing.encrypt("x", secretAad("test_vault", "api_key", ids[1]!));
    await t.db.execute(sql`update shared_db.test_vault set api_key = ${copied} where id = ${id}`);
    await expect(rotateSecrets(t.db, { keyring: bothRing, columns })).rejects.toBeInstanceOf(DecryptionError);
    const [row] = await t.db.select().from(vault).where(sql`id = ${id}`);
    expect(row!.apiKey).toBe(copied);
  });

  it("with onUndecryptable, names the table, column and row of each value it cannot decrypt and rotates the rest", async () => {
    const lost = createKeyring({ keys: [generateKey()] }).encrypt("lost");
    const [a, b] = [ids[2]!, ids[3]!];
    await t.db.execute(sql`update shared_db.test_vault set api_key = ${lost} where id in (${a}, ${b})`);
    const fresh = oldRing.encrypt("fresh", secretAad("test_vault", "api_key", ids[4]!));
    await t.db.execute(sql`update shared_db.test_vault set api_key = ${fresh} where id = ${ids[4]!}`);
    const failed: unknown[] = [];
    const done = await rotateSecrets(t.db, { keyring: bothRing, columns, batchSize: 2, onUndecryptable: (f) => failed.push(f) });
    expect(done["test_vault.api_key"]).toBe(1);
    expect(failed).toEqual(
      expect.arrayContaining([
        { table: "test_vault", column: "api_key", row: a, reason: "unknown-key" },
        { table: "test_vault", column: "api_key", row: b, reason: "unknown-key" },
        { table: "test_vault", column: "api_key", row: ids[0]!, reason: "authentication-failed" },
      ]),
    );
    expect(failed).toHaveLength(3);
    const rows = await t.db.select().from(vault).where(sql`id in (${a}, ${b})`);
    expect(rows.map((r) => r.apiKey)).toEqual([lost, lost]);
    expect(
      bothRing.decrypt((await t.db.select().from(vault).where(sql`id = ${ids[4]!}`))[0]!.apiKey!, secretAad("test_vault", "api_key", ids[4]!)),
    ).toBe("fresh");
  });
});

describe("rotateSecrets on a tenant table", () => {
  // Primary key (id, tenant): the same id may exist under two tenants, each value its own.
  const tenantVault = sharedDb.table("test_tenant_vault", {
    id: uuid("id").notNull(),
    tenant: uuid("tenant").notNull(),
    apiKey: text("api_key"),
  });
  const tenantColumns: SecretColumn[] = [{ table: tenantVault, column: tenantVault.apiKey, tenant: tenantVault.tenant }];

  it("reads and rewrites each row by its (id, tenant) pair, in batches", async () => {
    await t.db.execute(sql`create table shared_db.test_tenant_vault (id uuid, tenant uuid, api_key text, primary key (id, tenant))`);
    const shared = crypto.randomUUID();
    const rows = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].map((tenant, i) => ({
      id: i < 2 ? shared : crypto.randomUUID(),
      tenant,
      plain: `tenant-${i}`,
    }));
    for (const r of rows) {
      await t.db
        .insert(tenantVault)
        .values({ id: r.id, tenant: r.tenant, apiKey: oldRing.encrypt(r.plain, secretAad("test_tenant_vault", "api_key", r.id)) });
    }
    expect(await rotateSecrets(t.db, { keyring: bothRing, columns: tenantColumns, batchSize: 1 })).toEqual({ "test_tenant_vault.api_key": 3 });
    const newOnly = createKeyring({ keys: [newKey] });
    for (const r of rows) {
      const [row] = await t.db.select().from(tenantVault).where(sql`id = ${r.id} and tenant = ${r.tenant}`);
      expect(newOnly.decrypt(row!.apiKey!, secretAad("test_tenant_vault", "api_key", r.id))).toBe(r.plain);
    }
  });
});
