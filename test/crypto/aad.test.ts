import { describe, expect, it } from "vitest";
import { secretAad } from "../../src/crypto";
import { slackTokenAad, slackTokenAads } from "../../src/crypto/aad";

// Stored Slack tokens decrypt only with the exact associated data they were encrypted with.
describe("slackTokenAad", () => {
  const owners = [
    { clientId: "C1", enterpriseId: null, teamId: "T1" },
    { clientId: "", enterpriseId: "E1", teamId: null, userId: "U1" },
    { clientId: 'c"q\\uote', enterpriseId: "E\u2028é", teamId: "T]1,", userId: null },
  ];
  it("keeps the shape tokens were stored with: secretAad(table, column, JSON of the owner)", () => {
    for (const key of owners) {
      const owner = JSON.stringify([key.clientId, key.enterpriseId, key.teamId, key.userId ?? null]);
      for (const column of ["bot_token", "user_refresh_token"]) {
        expect(slackTokenAad("slack_bots", column, key)).toBe(secretAad("slack_bots", column, owner));
        expect(slackTokenAads("slack_user_tokens", key)(column)).toBe(secretAad("slack_user_tokens", column, owner));
      }
    }
  });
});
