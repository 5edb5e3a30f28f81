import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "schema/index": "src/schema/index.ts",
    "stores/index": "src/stores/index.ts",
    "slack/index": "src/slack/index.ts",
    "rls/index": "src/rls/index.ts",
    "crypto/index": "src/crypto/index.ts",
    "testing/index": "src/testing/index.ts",
    cli: "src/cli/main.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node22",
  // import.meta.url in the CommonJS build (migrationsFolder walks up from the module).
  shims: true,
  external: ["@slack/oauth", "@slack/bolt", "@slack/web-api"],
});
