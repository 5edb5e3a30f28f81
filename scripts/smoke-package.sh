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

cat > smoke.cjs <<'JS'
const { createDb, migrate, withRls } = require("shared-db");
const { createUser, getUserById } = require("shared-db/stores");
const { createKeyring, generateKey } = require("shared-db/crypto");
(async () => {
  const { db, close } = await createDb({ url: "pglite:memory" });
  const { applied } = await migrate(db);
  const user = await createUser(db, { email: "cjs@example.com" });
  const seen = await withRls(db, { userId: user.id }, (tx) => getUserById(tx, { id: user.id }));
  const ring = createKeyring({ keys: [generateKey()] });
  if (!applied.length || seen.email !== "cjs@example.com" || ring.decrypt(ring.encrypt("x")) !== "x") throw new Error("cjs smoke failed");
  await close();
  console.log(`CommonJS: applied ${applied.length} migrations from the installed package, withRls and crypto work`);
})().catch((e) => { console.error(e); process.exit(1); });
JS
cat > smoke.mjs <<'JS'
import { createDb, migrate } from "shared-db";
import { users } from "shared-db/schema";
import { createTestDatabase, assertNoLeaks } from "shared-db/testing";
const t = await createTestDatabase({ url: "pglite:memory" });
await assertNoLeaks(t.db, { table: users, seed: async (_db, owner) => [owner.id], update: { fullName: "x" } });
await t.close();
console.log(`ESM: ${typeof createDb}/${typeof migrate} exported, testing kit passes on users`);
JS
node smoke.cjs
node smoke.mjs
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
