/** `npm run bench [filter]`: runs every bench/*.bench.ts suite (or those whose file name contains filter). */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { runSuite, type BenchSuite } from "./harness";

const dir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? "";
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts") && f.includes(filter))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: BenchSuite | BenchSuite[] };
  const suites = Array.isArray(mod.default) ? mod.default : [mod.default];
  for (const suite of suites) await runSuite(suite);
}
