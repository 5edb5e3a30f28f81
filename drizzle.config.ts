/**
 * drizzle-kit config shipped with the package, so users can apply its migrations with
 * `DATABASE_URL=... npx drizzle-kit migrate --config node_modules/shared-db/drizzle.config.ts`.
 * The migrations table lives in its own schema so a host app's Drizzle migrations never hide ours.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "drizzle-kit";

const root = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
// drizzle-kit wants paths relative to the working directory.
const here = (path: string) => relative(process.cwd(), join(root, path)) || ".";

/**
 * The server comes from DATABASE_URL only: a default would silently migrate whatever listens on
 * localhost. Read lazily, so `generate` and `check` (which connect nowhere) run without it.
 * The migrations' idempotent DDL (`DROP ... IF EXISTS`) would print a NOTICE per statement, so
 * the session asks the server for warnings and worse only.
 */
function databaseUrl(): string {
  const raw = process.env.DATABASE_URL;
  if (!raw) {
    throw new Error(
      "shared-db drizzle.config.ts: DATABASE_URL is not set. Run: DATABASE_URL=postgres://user@host:5432/db npx drizzle-kit migrate --config node_modules/shared-db/drizzle.config.ts",
    );
  }
  const url = new URL(raw);
  if (!url.searchParams.has("options")) url.searchParams.set("options", "-c client_min_messages=warning");
  return url.toString();
}

export default defineConfig({
  dialect: "postgresql",
  // The sources in this repository; the built schema that the package ships, once installed.
  schema: existsSync(join(root, "src/schema/index.ts")) ? here("src/schema/index.ts") : here("dist/schema/index.js"),
  out: here("drizzle"),
  dbCredentials: {
    get url() {
      return databaseUrl();
    },
  },
  schemaFilter: ["shared_db"],
  // No `entities.roles`: shared_db_app and shared_db_service are cluster-wide roles that migration
  // 0001 creates, declared `pgRole(...).existing()` so `generate` never creates them; left out of
  // `entities`, `push` and `pull` never read, create or drop any role either.
  migrations: { schema: "shared_db_migrations", table: "__drizzle_migrations" },
});
