/**
 * `npm run bench [filter] [-- --smoke]`: runs every bench/*.bench.ts suite (or those whose file
 * name contains filter); with --smoke, each once at tiny sizes (see harness.ts). Exits 1 if any
 * suite throws, after running the others.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { runSuite, SMOKE, type BenchSuite } from "./harness";

const dir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "";
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts") && f.includes(filter))
  .sort();

if (SMOKE) console.log("smoke run (--smoke): every suite once at tiny sizes; the ratios below mean nothing");
const failed: string[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: BenchSuite | BenchSuite[] };
  const suites = Array.isArray(mod.default) ? mod.default : [mod.default];
  for (const suite of suites) {
    try {
      await runSuite(suite);
    } catch (e) {
      failed.push(`${file}: ${suite.name}`);
      console.error(`\n## ${suite.name}\nFAILED:`, e);
    }
  }
}
if (failed.length) {
  console.error(`\n${failed.length} suite(s) failed:\n${failed.join("\n")}`);
  process.exit(1);
}
