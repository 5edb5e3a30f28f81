import { execFile } from "node:child_process";
import { join } from "node:path";
import { build } from "tsup";

/** Builds the `shared-db` command once per test file, as the package build does, and runs it. */
export async function buildCli(): Promise<(args: string[], env?: Record<string, string | undefined>) => Promise<CliResult>> {
  // Inside the repository itself (not node_modules, which may be a link elsewhere), so the built
  // command finds this checkout's drizzle/ folder, as the installed package finds its own.
  const outDir = join(process.cwd(), ".cache", `shared-db-cli-${process.pid}`);
  await build({ entry: { cli: "src/cli/main.ts" }, format: ["esm"], outDir, dts: false, silent: true, config: false, target: "node22" });
  const bin = join(outDir, "cli.js");
  return (args, env = {}) =>
    new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}
