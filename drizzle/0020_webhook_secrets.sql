-- Slack incoming webhook URLs are bearer secrets: from now on shared-db writes them as keyring
-- ciphertext bound to their row (like the tokens). SQL has no keyring, so rows written before
-- stay plaintext here: reads pass them through, `shared-db rotate-keys` encrypts them and
-- `shared-db verify` counts what is left.
COMMENT ON COLUMN "shared_db"."slack_bots"."incoming_webhook_url" IS 'keyring ciphertext (bound to client, enterprise, team); plaintext until shared-db rotate-keys';
--> statement-breakpoint
COMMENT ON COLUMN "shared_db"."slack_installations"."incoming_webhook_url" IS 'keyring ciphertext (bound to the row id); plaintext until shared-db rotate-keys';
