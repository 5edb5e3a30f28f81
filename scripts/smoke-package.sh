#!/usr/bin/env bash
# Installs the packed tarball into a fresh project and uses it the way users do: require() from
# CommonJS, import from ESM, the migrations folder found inside node_modules, and the CLI via npx.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
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
  const seen = await withRls(db, { userId: user.id }, (tx) => getUserById(tx, user.id));
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
