import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createKeyring, DecryptionError } from "../../src/crypto";
import published from "./fixtures/sdb1-vectors.json";
import { writeSdb1Vectors } from "./sdb1-vectors";

const reader = join(import.meta.dirname, "../../python/test_shared_db_secrets.py");
const PYTHON = process.env.PYTHON ?? "python3";
const python = spawnSync(PYTHON, ["-c", "import cryptography"]).status === 0;
// CI sets REQUIRE_PYTHON_READER=1 so a missing Python fails instead of skipping.
const runPython = python || process.env.REQUIRE_PYTHON_READER === "1";

describe("sdb1 test vectors (docs/secret-format.md)", () => {
  const ring = createKeyring({ keys: published.keys });

  it.each(published.valid)("Node decrypts the published vector: $name", (v) => {
    expect(Buffer.from(ring.decryptBytes(v.ciphertext, v.aad || undefined)).toString("hex")).toBe(v.plaintextHex);
  });

  it.each(published.invalid)("Node refuses the published vector: $name", (v) => {
    let error: unknown;
    try {
      ring.decrypt(v.ciphertext, v.aad || undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecryptionError);
    expect((error as DecryptionError).reason).toBe(v.reason);
  });

  it.skipIf(!runPython)(
    `the Python reader reads the published vectors and fresh ones written by Node${python ? "" : " (needs python3 with cryptography, or PYTHON)"}`,
    () => {
      const fresh = join(mkdtempSync(join(tmpdir(), "sdb1-")), "fresh.json");
      writeFileSync(fresh, JSON.stringify(writeSdb1Vectors()));
      const run = spawnSync(PYTHON, [reader, join(import.meta.dirname, "fixtures/sdb1-vectors.json"), fresh], { encoding: "utf8" });
      expect(run.stderr).toBe("");
      const results = run.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { valid: number; invalid: number; failures: string[] });
      expect(results).toEqual([
        { valid: published.valid.length, invalid: published.invalid.length, failures: [] },
        { valid: published.valid.length, invalid: expect.any(Number), failures: [] },
      ]);
      expect(run.status).toBe(0);
    },
  );
});
