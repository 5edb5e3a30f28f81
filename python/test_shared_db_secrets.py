"""Checks the Python reader against vectors written by the Node keyring.

    python3 python/test_shared_db_secrets.py [vectors.json ...]

Default: test/crypto/fixtures/sdb1-vectors.json. Prints one JSON line per file
({"valid": n, "invalid": n, "failures": [...]}) and exits 1 on any failure.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from shared_db_secrets import DecryptionError, Keyring  # noqa: E402


def check(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        vectors = json.load(f)
    ring = Keyring(vectors["keys"])
    failures = []
    for v in vectors["valid"]:
        try:
            got = ring.decrypt_bytes(v["ciphertext"], v["aad"]).hex()
            if got != v["plaintextHex"]:
                failures.append(f"{v['name']}: got {got}")
        except DecryptionError as e:
            failures.append(f"{v['name']}: refused ({e.reason})")
    for v in vectors["invalid"]:
        try:
            ring.decrypt_bytes(v["ciphertext"], v["aad"])
            failures.append(f"{v['name']}: decrypted, expected {v['reason']}")
        except DecryptionError as e:
            if e.reason != v["reason"]:
                failures.append(f"{v['name']}: {e.reason}, expected {v['reason']}")
    return {"valid": len(vectors["valid"]), "invalid": len(vectors["invalid"]), "failures": failures}


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    paths = sys.argv[1:] or [os.path.join(here, "..", "test", "crypto", "fixtures", "sdb1-vectors.json")]
    ok = True
    for p in paths:
        result = check(p)
        print(json.dumps(result))
        ok = ok and not result["failures"]
    sys.exit(0 if ok else 1)
