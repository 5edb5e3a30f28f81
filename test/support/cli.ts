import { execFile } from "node:child_process";
import { join } from "node:path";
import { build } from "tsup";

/** Builds the `shared-db` command once per test file, as the package build does, and runs it. */
export async function buildCli(): Promise<(args: string[], env?: Record<string, string | undefined>) => Promise<CliResult>> {
  // In the checkout, not node_modules: the bundle finds drizzle/ from its real path, and
  // node_modules may be a symlink into another checkout (a git worktree's).
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
