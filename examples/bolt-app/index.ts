/**
 * Run: DATABASE_URL=postgres://... ENCRYPTION_KEYS=... SLACK_CLIENT_ID=... SLACK_CLIENT_SECRET=...
 *      SLACK_SIGNING_SECRET=... npm run example:bolt
 * Then open http://localhost:3000/slack/install.
 */
import { createDb, migrate } from "shared-db";
import { keyringFromEnv } from "shared-db/crypto";
import { createBoltApp } from "./app";

const env = (name: string) => process.env[name] ?? (console.error(`set ${name}`), process.exit(1));
const { db } = await createDb({ url: env("DATABASE_URL") });
await migrate(db);
const app = createBoltApp({
  db,
  keyring: keyringFromEnv(),
  clientId: env("SLACK_CLIENT_ID"),
  clientSecret: env("SLACK_CLIENT_SECRET"),
  signingSecret: env("SLACK_SIGNING_SECRET"),
  tokenRotation: process.env.SLACK_TOKEN_ROTATION === "1",
  onMention: (_token, team) => console.log(`mentioned in ${team}`),
});
await app.start(Number(process.env.PORT ?? 3000));
console.log(`Bolt app on http://localhost:${process.env.PORT ?? 3000}/slack/install`);
