/**
 * Run: npm run example:api            (embedded PGlite in memory unless DATABASE_URL is set)
 * Optional: DATABASE_URL=postgres://... ENCRYPTION_KEYS=... API_TOKEN_SECRET=... PORT=3001
 *           ALLOW_PRIVATE_NETWORKS=1 (let integrations call loopback/private addresses, e.g. a local upstream)
 * It migrates, creates a demo user and prints a bearer token and a curl command for it.
 * `npm run example:api -- --check` starts, lists the demo user's integrations once, and exits.
 */
import { randomBytes } from "node:crypto";
import { serve } from "@hono/node-server";
import { createDb, migrate } from "shared-db";
import { createKeyring, generateKey, keyringFromEnv } from "shared-db/crypto";
import { createUser, getUserByEmail } from "shared-db/stores";
import { createConnectorApi, signUserToken } from "./app";

const { db, close } = await createDb({ url: process.env.DATABASE_URL });
await migrate(db);
const keyring = process.env.ENCRYPTION_KEYS ? keyringFromEnv() : createKeyring({ keys: [generateKey()] });
const tokenSecret = process.env.API_TOKEN_SECRET ?? randomBytes(32).toString("base64url");
const user = (await getUserByEmail(db, { email: "demo@example.com" })) ?? (await createUser(db, { email: "demo@example.com" }));
const token = signUserToken(tokenSecret, user.id);

const app = createConnectorApi({ db, keyring, tokenSecret, allowPrivateNetworks: process.env.ALLOW_PRIVATE_NETWORKS === "1" });
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3001), hostname: "127.0.0.1" }, async (info) => {
  const url = `http://127.0.0.1:${info.port}/api/custom-integrations`;
  console.log(`connector API on ${url}`);
  console.log(`as demo@example.com: curl -H "Authorization: Bearer ${token}" ${url}`);
  if (!process.argv.includes("--check")) return;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const anonymous = await fetch(url);
  console.log(`GET ${url}: ${res.status} ${await res.text()}; without a token: ${anonymous.status}`);
  server.close();
  await close();
  process.exit(res.status === 200 && anonymous.status === 401 ? 0 : 1);
});
