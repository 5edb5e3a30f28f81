export { SCHEMA_NAME, sharedDb } from "./namespace";
export * from "./users";
export * from "./slack-oauth";
export * from "./escrow";
export * from "./custom-integrations";
export * from "./teams";
export * from "./integrations";
export * from "./slack-data";
export * from "./relations";
