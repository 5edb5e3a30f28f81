import { sql } from "drizzle-orm";
import { withRls } from "../src";
import { rowsOf } from "../src/db";
import { integrations } from "../src/schema";
import { listIntegrationsForUser } from "../src/stores";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { defineSuite, size } from "./harness";

const TEAMS = size(1_000, 20);

let t: TestDatabase;
let userId = "";

export default defineSuite({
  name: "list integrations visible to me (1 of 1,000 teams, 10,000 integrations)",
  skip: process.env.DATABASE_URL ? undefined : "needs DATABASE_URL",
  batch: 50,
  async setup() {
    t = await createTestDatabase();
    await t.db.execute(sql`insert into shared_db.users (email) select 'bench' || g || '@example.com' from generate_series(1, ${TEAMS}) g`);
    await t.db.execute(sql`insert into shared_db.teams (name, slug, created_by_user_id)
      select 'Team ' || u.email, 'team-' || split_part(u.email, '@', 1), u.id from shared_db.users u`);
    await t.db.execute(sql`insert into shared_db.team_members (team_id, user_id, email, role)
      select t.id, t.created_by_user_id, 'member@example.com', 'OWNER' from shared_db.teams t`);
    await t.db.execute(sql`insert into shared_db.integrations (name, service_type, workspace_id, owner_team_id)
      select 'Integration ' || g, 'SLACK', t.slug || '-' || g, t.id from shared_db.teams t cross join generate_series(1, 10) g`);
    // Every team shares its first integration with the next team.
    await t.db.execute(sql`insert into shared_db.integration_shares (integration_id, owner_team_id, team_id, share_level)
      select i.id, i.owner_team_id, (select t2.id from shared_db.teams t2 where t2.slug > t.slug order by t2.slug limit 1), 'READ_ONLY'
      from shared_db.integrations i join shared_db.teams t on t.id = i.owner_team_id
      where i.name = 'Integration 1' and exists (select 1 from shared_db.teams t2 where t2.slug > t.slug)`);
    await t.db.execute(sql`analyze`);
    const [u] = rowsOf<{ id: string }>(await t.db.execute(sql`select id from shared_db.users where email = ${`bench${TEAMS / 2}@example.com`}`));
    userId = u!.id;
  },
  async teardown() {
    await t.close();
  },
  baseline: { name: "hand-written query with explicit WHERE, privileged connection", fn: () => listIntegrationsForUser(t.db, { userId }) },
  cases: [
    {
      name: "withRls + select * from integrations (policies do the filtering)",
      fn: () => withRls(t.db, { userId }, (tx) => tx.select().from(integrations)),
    },
  ],
  async notes() {
    const rls = await withRls(t.db, { userId }, (tx) => tx.select().from(integrations));
    const explicit = await listIntegrationsForUser(t.db, { userId });
    const plan = await withRls(t.db, { userId }, async (tx) =>
      rowsOf<{ "QUERY PLAN": string }>(await tx.execute(sql`explain select * from shared_db.integrations`)).map((r) => r["QUERY PLAN"]),
    );
    return [`rows: withRls ${rls.length}, explicit ${explicit.length}`, "plan under withRls:", ...plan.map((l) => `  ${l}`)];
  },
});
