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
  // ESM only: Node 22.19+ loads it with require() too (require(esm)), so a host that mixes
  // require and import gets one copy of every class, table and module state, not one per format.
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node22",
  external: ["@slack/oauth", "@slack/bolt", "@slack/web-api"],
});
