#!/usr/bin/env node
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { createDb, rowsOf, type Db } from "../db";
import { MIGRATIONS_SCHEMA, MIGRATIONS_TABLE, migrate, readMigrations } from "../migrate";
import { SCHEMA_NAME } from "../schema/namespace";
import { generateKey, keyringFromEnv, type Keyring } from "../crypto";
import { countSecretsByKey, rotateSecrets, secretColumns } from "../stores/secrets";
import { importSlackInstallations } from "../stores/slack-installation-import";
import { createSlackInstallationStore } from "../stores/slack-installation-store";
import { nodeVersionWarning } from "./node-version";
import { verifyDatabase } from "./verify";

const USAGE = `Usage: shared-db <command> [options]

Commands:
  migrate        apply the bundled migrations (safe to run twice, and from two processes)
  status         list applied and pending migrations
  verify         check tables, enums, indexes, constraints, RLS, policies, roles and functions,
                 and which roles reach this database's data without owning it
  reset --yes    drop the shared_db schema and re-apply the migrations (local hosts only, or --force)
  rotate-keys    re-encrypt every stored secret under the first key of ENCRYPTION_KEYS (resumable);
                 names each value it cannot decrypt and exits 1 if any value is left under an old key
  generate-key   print a new random key for ENCRYPTION_KEYS (32 bytes, urlsafe base64)
  import-slack-installations --format seed|sqlalchemy [--schema public] [--table name]
                 [--client-id id] [--dry-run]
                 re-save each installation of a single-table store (the seed's Piccolo table,
                 slack_sdk's SQLAlchemy slack_installations) through the installation store, tokens
                 encrypted with ENCRYPTION_KEYS; idempotent, and never replaces an installation
                 installed at or after the source row (lists those skipped); --dry-run only counts

Options:
  --url <url>    postgres://... or pglite:./path (default: DATABASE_URL)
  --json         machine-readable output (verify, status)
  --debug        print stack traces
  -h, --help     this help`;

/** A failure the user can act on: printed as one line, exit code 1. */
class CliError extends Error {}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1", ""]);

/** Runs `fn` on the database named by --url or DATABASE_URL, closing it afterwards. */
async function withDb<T>(url: string | undefined, fn: (db: Db) => Promise<T>): Promise<T> {
  const target = url ?? process.env.DATABASE_URL;
  if (!target) throw new CliError("No database: set DATABASE_URL or pass --url (postgres://... or pglite:./path)");
  const { db, close } = await createDb({ url: target, max: 2 });
  try {
    return await fn(db);
  } finally {
    await close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      json: { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      debug: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      format: { type: "string" },
      schema: { type: "string" },
      table: { type: "string" },
      "client-id": { type: "string" },
      "dry-run": { type: "boolean", default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 1;
  }
  const out = (text: string) => console.log(text);

  switch (command) {
    case "migrate": {
      return withDb(values.url, async (db) => {
        const { applied } = await migrate(db);
        out(applied.length ? applied.map((t) => `applied ${t}`).join("\n") : "nothing to apply: the database is up to date");
        return 0;
      });
    }
    case "status": {
      return withDb(values.url, async (db) => {
        const done = rowsOf<{ created_at: string }>(
          await db.execute(sql.raw(`select created_at from "${MIGRATIONS_SCHEMA}"."${MIGRATIONS_TABLE}"`)).catch(() => []),
        ).map((r) => Number(r.created_at));
        const last = Math.max(-1, ...done);
        const rows = readMigrations().map((m) => ({ tag: m.tag, applied: m.folderMillis <= last }));
        if (values.json) out(JSON.stringify(rows));
        else for (const r of rows) out(`${r.applied ? "applied" : "pending"}  ${r.tag}`);
        return 0;
      });
    }
    case "verify": {
      return withDb(values.url, async (db) => {
        const checks = await verifyDatabase(db);
        const failed = checks.filter((c) => !c.ok).length;
        if (values.json) out(JSON.stringify({ ok: failed === 0, checks }, null, 2));
        else {
          for (const c of checks) {
            const detail = c.detail ?? c.warning;
            out(`${c.ok ? (c.warning ? "WARN" : "PASS") : "FAIL"}  ${c.name}${detail ? `: ${detail}` : ""}`);
          }
          const warned = checks.filter((c) => c.warning).length;
          out(`${checks.length - failed} passed, ${failed} failed${warned ? `, ${warned} with a warning` : ""}`);
        }
        return failed === 0 ? 0 : 1;
      });
    }
    case "reset": {
      if (!values.yes) throw new CliError("reset drops every shared-db table and its data: pass --yes to confirm");
      const target = values.url ?? process.env.DATABASE_URL ?? "";
      if (!target.startsWith("pglite:") && !values.force) {
        let host = "";
        try {
          host = new URL(target).hostname;
        } catch {
          /* createDb reports a bad URL */
        }
        if (!LOCAL_HOSTS.has(host)) throw new CliError(`refusing to reset non-local host "${host}": pass --force as well if you mean it`);
      }
      return withDb(values.url, async (db) => {
        await db.execute(sql.raw(`drop schema if exists "${SCHEMA_NAME}" cascade`));
        await db.execute(sql.raw(`drop schema if exists "${MIGRATIONS_SCHEMA}" cascade`));
        const { applied } = await migrate(db);
        out(`dropped schema ${SCHEMA_NAME} and re-applied ${applied.length} migrations`);
        return 0;
      });
    }
    case "generate-key": {
      out(generateKey());
      return 0;
    }
    case "rotate-keys": {
      let keyring: Keyring;
      try {
        keyring = keyringFromEnv();
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      return withDb(values.url, async (db) => {
        let undecryptable = 0;
        const done = await rotateSecrets(db, {
          keyring,
          columns: secretColumns,
          onProgress: ({ column, rotated }) => out(`${column}: ${rotated} re-encrypted`),
          onUndecryptable: ({ table, column, row, reason }) => {
            undecryptable++;
            console.error(`cannot decrypt ${table}.${column} row ${row}: ${reason.replace("-", " ")} (left as it is)`);
          },
        });
        const total = Object.values(done).reduce((a, b) => a + b, 0);
        out(`re-encrypted ${total} values under key ${keyring.primaryKeyId}`);
        const counts = await countSecretsByKey(db, { columns: secretColumns });
        for (const [keyId, n] of Object.entries(counts)) {
          const what =
            keyId === keyring.primaryKeyId
              ? "primary key"
              : keyId === "fernet"
                ? "legacy Fernet"
                : keyId === "plaintext"
                  ? "not encrypted"
                  : "old key";
          out(`${keyId} (${what}): ${n} values`);
        }
        // Fernet values that remain sit in ENCRYPTION_FERNET_COLUMNS columns, under the primary key.
        const expected = (k: string) => k === keyring.primaryKeyId || (k === "fernet" && keyring.fernetColumns.length > 0);
        const left = Object.entries(counts)
          .filter(([k]) => !expected(k))
          .reduce((a, [, n]) => a + n, 0);
        out(left === 0 ? "no values remain under old keys: they can be removed from ENCRYPTION_KEYS" : `${left} values remain under old keys`);
        if (undecryptable) out(`${undecryptable} values could not be decrypted with any key of ENCRYPTION_KEYS (listed above)`);
        return left === 0 ? 0 : 1;
      });
    }
    case "import-slack-installations": {
      const format = values.format;
      if (format !== "seed" && format !== "sqlalchemy") throw new CliError("--format must be seed or sqlalchemy");
      let keyring: Keyring;
      try {
        keyring = keyringFromEnv();
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      return withDb(values.url, async (db) => {
        const store = createSlackInstallationStore({ db, keyring, clientId: values["client-id"] });
        const r = await importSlackInstallations(db, {
          store,
          format,
          schema: values.schema,
          table: values.table,
          clientId: values["client-id"],
          dryRun: values["dry-run"],
        });
        await store.close();
        out(
          `${r.read} rows, ${r.installations} installations: ${r.stored} ${r.dryRun ? "to store" : "stored"}, ${r.unchanged} unchanged, ${r.skipped} skipped`,
        );
        for (const s of r.skippedInstallations) {
          const where = s.isEnterpriseInstall ? `enterprise ${s.enterpriseId}` : `team ${s.teamId}`;
          const when = s.installedAt ? `installed ${s.installedAt.toISOString()}` : "no installed_at";
          out(`skipped ${where} user ${s.userId ?? "-"}: source row ${when}, the stored installation ${s.storedInstalledAt.toISOString()}`);
        }
        return 0;
      });
    }
    default:
      throw new CliError(`unknown command "${command}" (try --help)`);
  }
}

const tooOld = nodeVersionWarning(process.versions.node);
if (tooOld) console.error(tooOld);
const debug = process.argv.includes("--debug");
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
    console.error(`shared-db: ${message}`);
    if (debug && e instanceof Error) console.error(e.stack);
    process.exit(1);
  },
);
