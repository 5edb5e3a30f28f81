/**
 * With TEST_DB=container, starts PostgreSQL in Docker through Testcontainers and points every
 * suite at it (DATABASE_URL). Only where a Docker engine answers: this project's CI has none and
 * uses embedded PGlite and the local server instead.
 */
export default async function setup(): Promise<(() => Promise<void>) | void> {
  if (process.env.TEST_DB !== "container") return;
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  let container: Awaited<ReturnType<InstanceType<typeof PostgreSqlContainer>["start"]>>;
  try {
    container = await new PostgreSqlContainer("postgres:16-alpine").start();
  } catch (e) {
    throw new Error(`TEST_DB=container needs a Docker engine that answers: ${(e as Error).message}`);
  }
  process.env.DATABASE_URL = container.getConnectionUri();
  return async () => {
    await container.stop();
  };
}
