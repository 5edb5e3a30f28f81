#!/usr/bin/env bash
# Installs the packed tarball into a fresh project and uses it the way users do: require() from
# CommonJS, import from ESM, the migrations folder found inside node_modules, and the CLI via npx.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
tarball="$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -1)"
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "./$tarball" "drizzle-orm@$(node -p "require('$root/node_modules/drizzle-orm/package.json').version")"

# One copy of every class per process, whatever mix of require and import the host uses: the
# package is ESM only and Node's require(esm) loads the same modules. Errors thrown by one entry
# point are instances of the classes exported by another, and the tables are the same objects.
cat > identity.cjs <<'JS'
// Loaded by smoke.cjs (require only) and smoke-mix.mjs (import plus require).
module.exports = async function checkIdentity(label, root, stores, crypto, schema) {
  const { db, close } = await root.createDb({ url: "pglite:memory" });
  const { applied } = await root.migrate(db);
  const user = await stores.createUser(db, { email: "one@example.com" });
  const seen = await root.withRls(db, { userId: user.id }, (tx) => stores.getUserById(tx, { id: user.id }));
  if (!applied.length || seen.email !== "one@example.com") throw new Error(`${label}: migrate/withRls failed`);
  const failures = [];
  const expect = (what, ok) => { if (!ok) failures.push(what); };
  try { await stores.createUser(db, { email: "one@example.com" }); failures.push("duplicate email accepted"); } catch (e) {
    expect("stores' ConflictError instanceof shared-db's ConflictError", e instanceof root.ConflictError);
    expect("stores' ConflictError instanceof shared-db's SharedDbError", e instanceof root.SharedDbError);
  }
  const ring = crypto.createKeyring({ keys: [crypto.generateKey()] });
  try { ring.decrypt("sdb1:not-a-ciphertext"); failures.push("garbage decrypted"); } catch (e) {
    expect("crypto's DecryptionError instanceof shared-db's DecryptionError", e instanceof root.DecryptionError);
    expect("crypto's DecryptionError instanceof shared-db's SharedDbError", e instanceof root.SharedDbError);
  }
  await root.withRls(db, { userId: "nope" }, async () => {}).catch((e) => {
    expect("RlsContextError instanceof shared-db's SharedDbError", e instanceof root.SharedDbError);
  });
  expect("shared-db/slack's SlackTokenRefreshError is the root's", require("shared-db/slack").SlackTokenRefreshError === root.SlackTokenRefreshError);
  expect("one users table across entry points", schema.users === require("shared-db/schema").users);
  await close();
  if (failures.length) throw new Error(`${label}: ${failures.join("; ")}`);
  console.log(`${label}: applied ${applied.length} migrations; errors and tables are one copy across entry points`);
};
JS
cat > smoke.cjs <<'JS'
const check = require("./identity.cjs");
check("CommonJS (require only)", require("shared-db"), require("shared-db/stores"), require("shared-db/crypto"), require("shared-db/schema"))
  .catch((e) => { console.error(e); process.exit(1); });
JS
cat > smoke-mix.mjs <<'JS'
import { createRequire } from "node:module";
import * as root from "shared-db";
import * as schema from "shared-db/schema";
const require = createRequire(import.meta.url);
const check = require("./identity.cjs");
// import for the root and the schema, require for the stores and the keyring.
await check("ESM and CommonJS mixed", root, require("shared-db/stores"), require("shared-db/crypto"), schema);
JS
cat > smoke.mjs <<'JS'
import { createDb, migrate, ConflictError, SharedDbError } from "shared-db";
import { createUser } from "shared-db/stores";
import { users } from "shared-db/schema";
import { createTestDatabase, assertNoLeaks } from "shared-db/testing";
const t = await createTestDatabase({ url: "pglite:memory" });
await assertNoLeaks(t.db, { table: users, seed: async (_db, owner) => [owner.id], update: { fullName: "x" } });
await createUser(t.db, { email: "esm@example.com" });
const e = await createUser(t.db, { email: "esm@example.com" }).catch((err) => err);
if (!(e instanceof ConflictError && e instanceof SharedDbError)) throw new Error("ESM: the stores' error is not the root's ConflictError");
await t.close();
console.log(`ESM: ${typeof createDb}/${typeof migrate} exported, testing kit passes on users, errors are one copy`);
JS
node smoke.cjs
node smoke.mjs
node smoke-mix.mjs
npx shared-db migrate --url "pglite:$work/db" >/dev/null
npx shared-db verify --url "pglite:$work/db" >/dev/null && echo "CLI: npx shared-db migrate and verify pass on the installed package"

# TypeScript users without @slack/oauth (an optional peer, so npm did not install it): every entry
# point but shared-db/slack type-checks; shared-db/slack is the one that names it.
[ ! -e node_modules/@slack/oauth ]
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "module": "nodenext", "moduleResolution": "nodenext", "target": "es2023", "strict": true, "noEmit": true, "skipLibCheck": false, "types": [] } }
JSON
cat > consumer.mts <<'TS'
import { createDb, withRls, type Db, type Tx } from "shared-db";
import { users, projects } from "shared-db/schema";
import { createUser, getUserById } from "shared-db/stores";
import { createKeyring } from "shared-db/crypto";
import { APP_ROLE } from "shared-db/rls";
import { createTestDatabase } from "shared-db/testing";
export const used = [createDb, withRls, users, projects, createUser, getUserById, createKeyring, APP_ROLE, createTestDatabase];
export const q = (tx: Tx) => tx.query.projects.findMany({ with: { milestones: true } });
export type D = Db;
TS
tsc="node $root/node_modules/typescript/bin/tsc"
# (drizzle-orm's own declarations name drivers that are not installed either: only ours count.)
$tsc -p . >tsc.txt 2>&1 || true
if grep -E "^(node_modules/shared-db/|consumer).*TS2307" tsc.txt; then echo "an entry point other than shared-db/slack needs a module that is not installed"; exit 1; fi
echo 'import { createSlackStateStore } from "shared-db/slack"; export const s = createSlackStateStore;' > slack.mts
$tsc -p . >tsc.txt 2>&1 || true
grep -qE "^node_modules/shared-db/.*TS2307: Cannot find module '@slack/oauth'" tsc.txt
rm slack.mts
echo "TypeScript: every entry point but shared-db/slack type-checks without @slack/oauth"

# drizzle-kit, as the README says: installed by the user, with the shipped config.
npm install --silent --no-audit --no-fund -D "drizzle-kit@$(node -p "require('$root/node_modules/drizzle-kit/package.json').version")"
config=node_modules/shared-db/drizzle.config.ts
npx drizzle-kit check --config "$config" >/dev/null
npx drizzle-kit generate --config "$config" | grep -q "No schema changes"
if env -u DATABASE_URL npx drizzle-kit migrate --config "$config" >out.txt 2>&1; then exit 1; fi
grep -q "DATABASE_URL is not set" out.txt
if [ -n "${SERVER_URL:-}" ]; then
  db="sdb_smoke_drizzle_kit_$$"
  psql "$SERVER_URL" -qc "create database $db"
  url="${SERVER_URL%/*}/$db"
  DATABASE_URL="$url" npx drizzle-kit migrate --config "$config" >out.txt 2>&1
  status=0; grep -qi "notice" out.txt && status=1
  npx shared-db verify --url "$url" >/dev/null || status=1
  psql "$SERVER_URL" -qc "drop database $db"
  [ "$status" = 0 ] || { cat out.txt; echo "drizzle-kit migrate printed NOTICEs or left a database that verify rejects"; exit 1; }
  echo "drizzle-kit: check, generate (no changes) and migrate (no NOTICE; verify passes) with the installed config"
else
  echo "drizzle-kit: check and generate (no changes) with the installed config; migrate skipped (no SERVER_URL)"
fi
