-- The password hash moves out of users into a table only service work can touch, so the
-- application role can select whole users rows (`tx.select().from(users)`, `tx.query.users`).
CREATE TABLE IF NOT EXISTS "shared_db"."user_credentials" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "shared_db"."user_credentials" DROP CONSTRAINT IF EXISTS "user_credentials_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "shared_db"."user_credentials" ADD CONSTRAINT "user_credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "shared_db"."users"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- Existing hashes move over before the column goes.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = 'shared_db' AND table_name = 'users' AND column_name = 'password_hash') THEN
    INSERT INTO shared_db.user_credentials (user_id, password_hash)
      SELECT id, password_hash FROM shared_db.users WHERE password_hash IS NOT NULL
      ON CONFLICT (user_id) DO NOTHING;
  END IF;
END $$;
--> statement-breakpoint
ALTER TABLE "shared_db"."users" DROP COLUMN IF EXISTS "password_hash";
--> statement-breakpoint
-- No secret column is left in users: the application role reads whole rows (RLS still limits
-- them to its own), and writes only the profile columns (granted in 0001).
GRANT SELECT ON shared_db.users TO shared_db_app;
--> statement-breakpoint
ALTER TABLE shared_db.user_credentials ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE shared_db.user_credentials FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Service work only: shared_db_app gets no grant at all.
GRANT SELECT, INSERT, UPDATE, DELETE ON shared_db.user_credentials TO shared_db_service;
--> statement-breakpoint
DROP POLICY IF EXISTS user_credentials_service_all ON shared_db.user_credentials;
--> statement-breakpoint
CREATE POLICY user_credentials_service_all ON shared_db.user_credentials FOR ALL TO shared_db_service
  USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()));
--> statement-breakpoint
CREATE OR REPLACE TRIGGER user_credentials_set_updated_at BEFORE UPDATE ON shared_db.user_credentials
  FOR EACH ROW EXECUTE FUNCTION shared_db.set_updated_at();
