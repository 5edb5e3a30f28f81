export { createTestDatabase, type TestDatabase, type CreateTestDatabaseOptions } from "./database";
export { assertNoLeaks, LeakError, type LeakSpec, type LeakOptions } from "./leak-kit";
