/** The oldest Node the package supports (package.json `engines`). */
export const MIN_NODE = [22, 19] as const;

/**
 * A one-line warning when `version` (as in `process.versions.node`) is older than supported:
 * npm's EBADENGINE line is easy to miss among install warnings, and older runtimes fail later
 * in ways that do not name the cause.
 */
export function nodeVersionWarning(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return undefined;
  return `shared-db: warning: Node ${version} is older than supported (${MIN_NODE.join(".")}+ or 24); upgrade Node, some commands may fail`;
}
