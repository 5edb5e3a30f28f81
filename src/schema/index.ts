export { SCHEMA_NAME, sharedDb } from "./namespace";
export * from "./users";
