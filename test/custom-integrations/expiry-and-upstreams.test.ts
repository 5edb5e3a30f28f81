import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { CredentialExpiredError, InvariantError, ValidationError } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { customIntegrationCredentials } from "../../src/schema";
import {
  assertPublicUpstream,
  buildActionRequest,
  createCustomIntegration,
  isPrivateAddress,
  revealCustomCredential,
  storeCustomCredential,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });

describe("custom integration credentials: expiry, activity, upstream addresses", () => {
  it("revealCustomCredential refuses an expired credential with CredentialExpiredError and leaves it stored", async () => {
    const user = await makeUser(t.db);
    const integration = await createCustomIntegration(t.db, {
      userId: user.id,
      name: "exp",
      displayName: "x",
      authType: "oauth",
      baseUrl: "https://api.example.com",
    });
    const key = { userId: user.id, integrationId: integration.id, credentialType: "oauth_token" } as const;
    const expiredAt = new Date(Date.now() - 1000);
    await storeCustomCredential(t.db, { keyring, ...key, value: "tok", tokenExpiresAt: expiredAt });
    const e = await revealCustomCredential(t.db, { keyring, ...key }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CredentialExpiredError);
    expect(e).toMatchObject({ code: "invariant", rule: "credential_expired", credential: "oauth_token" });
    expect((e as CredentialExpiredError).expiredAt.getTime()).toBe(expiredAt.getTime());
    expect(
      (await t.db.select().from(customIntegrationCredentials).where(eq(customIntegrationCredentials.integrationId, integration.id))).length,
    ).toBe(1);
    await storeCustomCredential(t.db, { keyring, ...key, value: "tok2", tokenExpiresAt: new Date(Date.now() + 60_000) });
    expect(await revealCustomCredential(t.db, { keyring, ...key })).toBe("tok2");
    await storeCustomCredential(t.db, { keyring, ...key, value: "tok3" });
    expect(await revealCustomCredential(t.db, { keyring, ...key })).toBe("tok3");
  });

  it("buildActionRequest refuses an inactive integration", () => {
    const integration = { baseUrl: "https://api.example.com", authHeader: "Authorization", authPrefix: "Bearer" };
    expect(buildActionRequest({ ...integration, isActive: true }, { httpMethod: "GET", endpoint: "/x" }, "k").url).toBe("https://api.example.com/x");
    const e = (() => {
      try {
        buildActionRequest({ ...integration, isActive: false }, { httpMethod: "GET", endpoint: "/x" }, "k");
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).rule).toBe("integration_inactive");
  });

  it.each([
    ["127.0.0.1", true],
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["172.32.0.1", false],
    ["192.168.0.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["::1", true],
    ["fe80::1", true],
    ["fd00::1", true],
    ["::ffff:10.0.0.1", true],
    ["8.8.8.8", false],
    ["2606:4700::1111", false],
    ["not-an-ip", true],
  ])("isPrivateAddress(%s) is %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it("assertPublicUpstream refuses private hosts (literal or resolved) unless allowed", async () => {
    await expect(assertPublicUpstream("http://127.0.0.1:8080/")).rejects.toThrow(ValidationError);
    await expect(assertPublicUpstream("http://localhost/")).rejects.toMatchObject({ field: "baseUrl" });
    await expect(assertPublicUpstream("http://[fe80::1]/")).rejects.toThrow(ValidationError);
    await expect(assertPublicUpstream("https://8.8.8.8/")).resolves.toBeUndefined();
    await expect(assertPublicUpstream("not a url")).rejects.toMatchObject({ field: "baseUrl" });
    await expect(assertPublicUpstream("http://127.0.0.1:8080/", { allowPrivateNetworks: true })).resolves.toBeUndefined();
  });
});
