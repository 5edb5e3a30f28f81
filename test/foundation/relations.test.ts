import { asc, createTableRelationsHelpers, extractTablesRelationalConfig, getTableName, is, One } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { withRls } from "../../src";
import * as schema from "../../src/schema";
import { milestones } from "../../src/schema";
import { createProject } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();

describe("Drizzle relations", () => {
  it("exist for every foreign key, at both ends", () => {
    const { tables, tableNamesMap } = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    const keyOf = (table: PgTable) => tableNamesMap[`${getTableConfig(table).schema}.${getTableName(table)}`]!;
    const missing: string[] = [];
    for (const table of Object.values(schema as Record<string, unknown>).filter((x): x is PgTable => is(x, PgTable))) {
      const from = keyOf(table);
      for (const fk of getTableConfig(table).foreignKeys) {
        const ref = fk.reference();
        const to = keyOf(ref.foreignTable);
        const columns = ref.columns.map((c) => c.name).join(",");
        const name = `${from}(${columns}) -> ${to}`;
        const one = Object.values(tables[from]!.relations).find(
          (r) => is(r, One) && r.referencedTableName === tables[to]!.dbName && r.config?.fields.map((c) => c.name).join(",") === columns,
        );
        if (!one) missing.push(`${name}: no one() on ${from}`);
        const back = Object.values(tables[to]!.relations).some(
          (r) => r !== one && r.referencedTableName === tables[from]!.dbName && r.relationName === one?.relationName,
        );
        if (!back) missing.push(`${name}: no inverse relation on ${to}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("tx.query with relations type-checks and runs under withRls, returning only the user's rows", async () => {
    const creator = await makeUser(t.db, "creator");
    const stranger = await makeUser(t.db, "stranger");
    const { project } = await createProject(t.db, {
      creatorId: creator.id,
      title: "Website",
      totalAmount: "1000.00",
      milestones: [
        { title: "Design", amount: "400.00" },
        { title: "Build", amount: "600.00" },
      ],
    });
    const mine = await withRls(t.db, { userId: creator.id }, (tx) =>
      tx.query.projects.findMany({ with: { milestones: { orderBy: asc(milestones.amount) }, creator: true } }),
    );
    expect(mine.map((p) => ({ id: p.id, creator: p.creator.email, milestones: p.milestones.map((m) => m.title) }))).toEqual([
      { id: project.id, creator: creator.email, milestones: ["Design", "Build"] },
    ]);
    const theirs = await withRls(t.db, { userId: stranger.id }, (tx) => tx.query.projects.findMany({ with: { milestones: true } }));
    expect(theirs).toEqual([]);
  });
});
