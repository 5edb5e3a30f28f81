import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // The examples import "shared-db" and "shared-db/<entry>": the sources, as tsconfig.json paths map them.
  resolve: {
    alias: [
      { find: /^shared-db$/, replacement: src("index.ts") },
      { find: /^shared-db\/(.+)$/, replacement: src("$1/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Every file has its own database; two workers match the machine's two cores.
    maxWorkers: 2,
  },
});
