export * from "./users";
export * from "./audit";
export * from "./secrets";
export * from "./slack-installation-store";
export * from "./slack-state-store";
export * from "./slack-events";
export * from "./escrow";
