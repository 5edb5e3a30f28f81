/**
 * drizzle-kit config shipped with the package, so users can apply its migrations with
 * `DATABASE_URL=... npx drizzle-kit migrate --config node_modules/shared-db/drizzle.config.ts`.
 * The migrations table lives in its own schema so a host app's Drizzle migrations never hide ours.
 */
import { defineConfig } from "drizzle-kit";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  dialect: "postgresql",
  // drizzle-kit wants paths relative to the working directory.
  schema: relative(process.cwd(), join(root, "src/schema/index.ts")),
  out: relative(process.cwd(), join(root, "drizzle")) || ".",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres" },
  schemaFilter: ["shared_db"],
  migrations: { schema: "shared_db_migrations", table: "__drizzle_migrations" },
});
