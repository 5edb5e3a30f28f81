/**
 * `npm run demo`: the library's main job end to end on embedded PGlite, no server needed.
 * Migrates a fresh database, creates two users, writes an audit entry as one of them under
 * row-level security, and shows that the other user cannot read it.
 */
import { createDb, migrate, withRls } from "shared-db";
import { createKeyring, generateKey } from "shared-db/crypto";
import { slackBots } from "shared-db/schema";
import { createSlackInstallationStore } from "shared-db/slack";
import { appendAudit, createUser, listAudit } from "shared-db/stores";

const { db, driver, close } = await createDb({ url: process.env.DEMO_URL ?? "pglite:memory" });
const { applied } = await migrate(db);
console.log(`migrated ${driver} database: ${applied.join(", ")}`);

const ada = await createUser(db, { email: "ada@example.com", fullName: "Ada Lovelace" });
const alan = await createUser(db, { email: "alan@example.com", fullName: "Alan Turing" });
console.log(`created users ${ada.email} (${ada.id}) and ${alan.email} (${alan.id})`);

await withRls(db, { userId: ada.id }, (tx) => appendAudit(tx, { actorId: ada.id, action: "profile.viewed", entityType: "user", entityId: ada.id }));
const adaSees = await withRls(db, { userId: ada.id }, (tx) => listAudit(tx));
const alanSees = await withRls(db, { userId: alan.id }, (tx) => listAudit(tx));
console.log(`as ${ada.email}: ${adaSees.length} audit entry (${adaSees.map((e) => e.action).join(", ")})`);
console.log(`as ${alan.email}: ${alanSees.length} audit entries (row-level security hides Ada's)`);

// What a Bolt app's installationStore does on every install and every event.
const keyring = createKeyring({ keys: [process.env.ENCRYPTION_KEYS?.split(",")[0] ?? generateKey()] });
const installationStore = createSlackInstallationStore({ db, keyring, clientId: "demo-app" });
await installationStore.storeInstallation({
  team: { id: "T0DEMO", name: "Demo workspace" },
  enterprise: undefined,
  user: { id: "U0ADA", token: "xoxp-demo-user-token", scopes: ["search:read"] },
  bot: { id: "B0DEMO", userId: "U0BOT", token: "xoxb-demo-bot-token", scopes: ["chat:write"] },
  isEnterpriseInstall: false,
  authVersion: "v2",
});
const fetched = await installationStore.fetchInstallation({ teamId: "T0DEMO", enterpriseId: undefined, isEnterpriseInstall: false });
const [stored] = await db.select({ botToken: slackBots.botToken }).from(slackBots);
console.log(`stored Slack installation for ${fetched.team?.name}; bot token at rest: ${stored!.botToken!.slice(0, 24)}...`);
console.log(`fetchInstallation returns the bot token ${fetched.bot?.token}`);

await close();
if (adaSees.length !== 1 || alanSees.length !== 0 || fetched.bot?.token !== "xoxb-demo-bot-token") {
  console.error("demo: unexpected result");
  process.exit(1);
}
