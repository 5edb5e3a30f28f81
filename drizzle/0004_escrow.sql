CREATE TYPE "shared_db"."milestone_status" AS ENUM('pending', 'in_progress', 'completed', 'approved', 'rejected', 'disputed');--> statement-breakpoint
CREATE TYPE "shared_db"."project_status" AS ENUM('draft', 'pending', 'active', 'in_progress', 'completed', 'disputed', 'cancelled', 'refunded');--> statement-breakpoint
CREATE TYPE "shared_db"."transaction_status" AS ENUM('pending', 'processing', 'completed', 'failed', 'cancelled', 'refunded');--> statement-breakpoint
CREATE TYPE "shared_db"."transaction_type" AS ENUM('deposit', 'withdrawal', 'escrow_hold', 'escrow_release', 'refund', 'fee', 'commission');--> statement-breakpoint
CREATE TABLE "shared_db"."milestones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"title" varchar(255) NOT NULL,
	"description" text,
	"order_index" integer DEFAULT 0 NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"status" "shared_db"."milestone_status" DEFAULT 'pending' NOT NULL,
	"is_paid" boolean DEFAULT false NOT NULL,
	"paid_at" timestamp with time zone,
	"completion_criteria" text,
	"completion_notes" text,
	"due_date" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"approved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "milestones_amount_positive" CHECK ("shared_db"."milestones"."amount" > 0),
	CONSTRAINT "milestones_paid_only_when_approved" CHECK (not "shared_db"."milestones"."is_paid" or "shared_db"."milestones"."status" = 'approved'),
	CONSTRAINT "milestones_currency_iso4217" CHECK ("shared_db"."milestones"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "shared_db"."projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" varchar(255) NOT NULL,
	"description" text,
	"total_amount" numeric(19, 4) NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"status" "shared_db"."project_status" DEFAULT 'draft' NOT NULL,
	"creator_id" uuid NOT NULL,
	"buyer_id" uuid,
	"seller_id" uuid,
	"terms_accepted_at" timestamp with time zone,
	"completion_criteria" text,
	"start_date" timestamp with time zone,
	"due_date" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_total_amount_positive" CHECK ("shared_db"."projects"."total_amount" > 0),
	CONSTRAINT "projects_currency_iso4217" CHECK ("shared_db"."projects"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "shared_db"."transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"project_id" uuid,
	"milestone_id" uuid,
	"transaction_type" "shared_db"."transaction_type" NOT NULL,
	"status" "shared_db"."transaction_status" DEFAULT 'pending' NOT NULL,
	"amount" numeric(19, 4) NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"fee" numeric(19, 4) DEFAULT '0' NOT NULL,
	"net_amount" numeric(19, 4) GENERATED ALWAYS AS (amount - fee) STORED,
	"payment_gateway" varchar(50) DEFAULT 'fincra' NOT NULL,
	"gateway_transaction_id" varchar(255),
	"gateway_reference" varchar(255),
	"gateway_response" jsonb,
	"description" text,
	"notes" text,
	"extra_data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	CONSTRAINT "transactions_gateway_transaction_id_key" UNIQUE("gateway_transaction_id"),
	CONSTRAINT "transactions_amount_positive" CHECK ("shared_db"."transactions"."amount" > 0),
	CONSTRAINT "transactions_fee_not_negative" CHECK ("shared_db"."transactions"."fee" >= 0 and "shared_db"."transactions"."fee" <= "shared_db"."transactions"."amount"),
	CONSTRAINT "transactions_currency_iso4217" CHECK ("shared_db"."transactions"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "shared_db"."milestones" ADD CONSTRAINT "milestones_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "shared_db"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."projects" ADD CONSTRAINT "projects_creator_id_users_id_fk" FOREIGN KEY ("creator_id") REFERENCES "shared_db"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."projects" ADD CONSTRAINT "projects_buyer_id_users_id_fk" FOREIGN KEY ("buyer_id") REFERENCES "shared_db"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."projects" ADD CONSTRAINT "projects_seller_id_users_id_fk" FOREIGN KEY ("seller_id") REFERENCES "shared_db"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" ADD CONSTRAINT "transactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "shared_db"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" ADD CONSTRAINT "transactions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "shared_db"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" ADD CONSTRAINT "transactions_milestone_id_milestones_id_fk" FOREIGN KEY ("milestone_id") REFERENCES "shared_db"."milestones"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "milestones_project_id_idx" ON "shared_db"."milestones" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "milestones_status_idx" ON "shared_db"."milestones" USING btree ("status");--> statement-breakpoint
CREATE INDEX "projects_creator_id_idx" ON "shared_db"."projects" USING btree ("creator_id");--> statement-breakpoint
CREATE INDEX "projects_buyer_id_idx" ON "shared_db"."projects" USING btree ("buyer_id");--> statement-breakpoint
CREATE INDEX "projects_seller_id_idx" ON "shared_db"."projects" USING btree ("seller_id");--> statement-breakpoint
CREATE INDEX "projects_status_idx" ON "shared_db"."projects" USING btree ("status");--> statement-breakpoint
CREATE INDEX "transactions_user_id_idx" ON "shared_db"."transactions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "transactions_project_id_idx" ON "shared_db"."transactions" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "transactions_transaction_type_idx" ON "shared_db"."transactions" USING btree ("transaction_type");--> statement-breakpoint
CREATE INDEX "transactions_status_idx" ON "shared_db"."transactions" USING btree ("status");