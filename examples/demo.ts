/**
 * `npm run demo`: the library's main job end to end on embedded PGlite, no server needed.
 * Migrates a fresh database, creates two users, writes an audit entry as one of them under
 * row-level security, and shows that the other user cannot read it.
 */
import { createDb, migrate, withRls } from "../src";
import { appendAudit, createUser, listAudit } from "../src/stores";

const { db, driver, close } = await createDb({ url: process.env.DEMO_URL ?? "pglite:memory" });
const { applied } = await migrate(db);
console.log(`migrated ${driver} database: ${applied.join(", ")}`);

const ada = await createUser(db, { email: "ada@example.com", fullName: "Ada Lovelace" });
const alan = await createUser(db, { email: "alan@example.com", fullName: "Alan Turing" });
console.log(`created users ${ada.email} (${ada.id}) and ${alan.email} (${alan.id})`);

await withRls(db, { userId: ada.id }, (tx) =>
  appendAudit(tx, { actorId: ada.id, action: "profile.viewed", entityType: "user", entityId: ada.id }),
);
const adaSees = await withRls(db, { userId: ada.id }, (tx) => listAudit(tx));
const alanSees = await withRls(db, { userId: alan.id }, (tx) => listAudit(tx));
console.log(`as ${ada.email}: ${adaSees.length} audit entry (${adaSees.map((e) => e.action).join(", ")})`);
console.log(`as ${alan.email}: ${alanSees.length} audit entries (row-level security hides Ada's)`);

await close();
if (adaSees.length !== 1 || alanSees.length !== 0) {
  console.error("demo: unexpected result");
  process.exit(1);
}
