ALTER TABLE "shared_db"."milestones" DROP CONSTRAINT "milestones_project_id_projects_id_fk";
--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" DROP CONSTRAINT "transactions_project_id_projects_id_fk";
--> statement-breakpoint
ALTER TABLE "shared_db"."projects" ADD CONSTRAINT "projects_id_currency_key" UNIQUE("id","currency");--> statement-breakpoint
ALTER TABLE "shared_db"."milestones" ADD CONSTRAINT "milestones_project_currency_fk" FOREIGN KEY ("project_id","currency") REFERENCES "shared_db"."projects"("id","currency") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" ADD CONSTRAINT "transactions_project_currency_fk" FOREIGN KEY ("project_id","currency") REFERENCES "shared_db"."projects"("id","currency") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shared_db"."milestones" ADD CONSTRAINT "milestones_amount_finite" CHECK ("shared_db"."milestones"."amount" NOT IN ('NaN', 'Infinity', '-Infinity'));--> statement-breakpoint
ALTER TABLE "shared_db"."projects" ADD CONSTRAINT "projects_total_amount_finite" CHECK ("shared_db"."projects"."total_amount" NOT IN ('NaN', 'Infinity', '-Infinity'));--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" ADD CONSTRAINT "transactions_amount_finite" CHECK ("shared_db"."transactions"."amount" NOT IN ('NaN', 'Infinity', '-Infinity'));--> statement-breakpoint
ALTER TABLE "shared_db"."transactions" ADD CONSTRAINT "transactions_fee_finite" CHECK ("shared_db"."transactions"."fee" NOT IN ('NaN', 'Infinity', '-Infinity'));