CREATE TYPE "public"."report_analysis_status" AS ENUM('pending', 'done', 'unavailable');--> statement-breakpoint
CREATE TYPE "public"."report_run_status" AS ENUM('queued', 'running', 'succeeded', 'partial', 'failed');--> statement-breakpoint
CREATE TYPE "public"."report_run_trigger" AS ENUM('schedule', 'manual');--> statement-breakpoint
CREATE TYPE "public"."report_schedule" AS ENUM('daily', 'weekly', 'monthly', 'manual');--> statement-breakpoint
CREATE TYPE "public"."report_status" AS ENUM('pending', 'running', 'published', 'failed');--> statement-breakpoint
CREATE TYPE "public"."report_step_status" AS ENUM('pending', 'running', 'succeeded', 'failed', 'skipped');--> statement-breakpoint
CREATE TYPE "public"."report_store_kind" AS ENUM('builtin', 'external');--> statement-breakpoint
CREATE TYPE "public"."report_type" AS ENUM('daily', 'weekly', 'monthly', 'manual');--> statement-breakpoint
CREATE TABLE "report_analyses" (
	"report_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"organization_id" uuid NOT NULL,
	"model" text,
	"prompt" text NOT NULL,
	"trimmed_note" text,
	"answer" text,
	"prompt_tokens" integer,
	"output_tokens" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_analyses_report_id_kind_pk" PRIMARY KEY("report_id","kind")
);
--> statement-breakpoint
CREATE TABLE "report_comments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"report_id" uuid NOT NULL,
	"author_id" uuid,
	"body" text NOT NULL,
	"edited_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_prompts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"body" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_questions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"report_id" uuid NOT NULL,
	"position" smallint NOT NULL,
	"question" text NOT NULL,
	"answer" text,
	"asked_by" uuid,
	"model" text,
	"prompt_tokens" integer,
	"output_tokens" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"answered_at" timestamp with time zone,
	CONSTRAINT "report_questions_position_range" CHECK ("report_questions"."position" between 1 and 2)
);
--> statement-breakpoint
CREATE TABLE "report_raw_chats" (
	"report_id" uuid NOT NULL,
	"chat_id" bigint NOT NULL,
	"organization_id" uuid NOT NULL,
	"contact_id" bigint,
	"lead_ids" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	"phone" text,
	"source" text,
	"payload" jsonb NOT NULL,
	"stored_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_raw_chats_report_id_chat_id_pk" PRIMARY KEY("report_id","chat_id")
);
--> statement-breakpoint
CREATE TABLE "report_raw_leads" (
	"report_id" uuid NOT NULL,
	"lead_id" bigint NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text,
	"responsible" text,
	"updated_at" timestamp with time zone,
	"phones" text[] DEFAULT '{}'::text[] NOT NULL,
	"payload" jsonb NOT NULL,
	"stored_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_raw_leads_report_id_lead_id_pk" PRIMARY KEY("report_id","lead_id")
);
--> statement-breakpoint
CREATE TABLE "report_raw_messages" (
	"report_id" uuid NOT NULL,
	"chat_id" bigint NOT NULL,
	"message_id" bigint NOT NULL,
	"organization_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"direction" text,
	"sender" text,
	"text" text,
	"payload" jsonb NOT NULL,
	"stored_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_raw_messages_report_id_chat_id_message_id_pk" PRIMARY KEY("report_id","chat_id","message_id")
);
--> statement-breakpoint
CREATE TABLE "report_run_steps" (
	"run_id" uuid NOT NULL,
	"step" smallint NOT NULL,
	"key" text NOT NULL,
	"status" "report_step_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"error" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "report_run_steps_run_id_step_pk" PRIMARY KEY("run_id","step"),
	CONSTRAINT "report_run_steps_step_range" CHECK ("report_run_steps"."step" between 1 and 8)
);
--> statement-breakpoint
CREATE TABLE "report_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"report_id" uuid NOT NULL,
	"trigger" "report_run_trigger" NOT NULL,
	"requested_by" uuid,
	"status" "report_run_status" DEFAULT 'queued' NOT NULL,
	"current_step" smallint DEFAULT 1 NOT NULL,
	"resumes" integer DEFAULT 0 NOT NULL,
	"error" text,
	"job_id" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_settings" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"store_kind" "report_store_kind" DEFAULT 'builtin' NOT NULL,
	"store_schema_version" integer,
	"store_server_version" text,
	"radist_company_id" bigint,
	"radist_base_url" text,
	"gemini_model" text,
	"gemini_base_url" text,
	"gemini_input_token_limit" integer,
	"gemini_output_token_limit" integer,
	"telegram_chat_id" text,
	"telegram_api_root" text,
	"telegram_bot_username" text,
	"schedule" "report_schedule" DEFAULT 'manual' NOT NULL,
	"weekly_day" smallint DEFAULT 1 NOT NULL,
	"report_types" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"automation_since" timestamp with time zone,
	"checks" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"test_report_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"wizard_scratch" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_settings_weekly_day_range" CHECK ("report_settings"."weekly_day" between 1 and 7)
);
--> statement-breakpoint
CREATE TABLE "report_texts" (
	"report_id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"title" text NOT NULL,
	"narrative" text,
	"figures" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"type" "report_type" NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"time_zone" text NOT NULL,
	"status" "report_status" DEFAULT 'pending' NOT NULL,
	"analysis" "report_analysis_status" DEFAULT 'pending' NOT NULL,
	"analysis_note" text,
	"summary" text,
	"figures" jsonb,
	"store_kind" "report_store_kind" DEFAULT 'builtin' NOT NULL,
	"prompt_version" integer,
	"model" text,
	"prompt_tokens" integer,
	"output_tokens" integer,
	"trimmed_note" text,
	"latest_run_id" uuid,
	"published_at" timestamp with time zone,
	"notified_at" timestamp with time zone,
	"notified_hash" text,
	"telegram_message_ids" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_period_order" CHECK ("reports"."period_end" > "reports"."period_start")
);
--> statement-breakpoint
ALTER TABLE "report_analyses" ADD CONSTRAINT "report_analyses_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_comments" ADD CONSTRAINT "report_comments_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_comments" ADD CONSTRAINT "report_comments_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_comments" ADD CONSTRAINT "report_comments_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_prompts" ADD CONSTRAINT "report_prompts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_prompts" ADD CONSTRAINT "report_prompts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_questions" ADD CONSTRAINT "report_questions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_questions" ADD CONSTRAINT "report_questions_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_questions" ADD CONSTRAINT "report_questions_asked_by_users_id_fk" FOREIGN KEY ("asked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_raw_chats" ADD CONSTRAINT "report_raw_chats_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_raw_leads" ADD CONSTRAINT "report_raw_leads_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_raw_messages" ADD CONSTRAINT "report_raw_messages_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_run_steps" ADD CONSTRAINT "report_run_steps_run_id_report_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."report_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_runs" ADD CONSTRAINT "report_runs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_runs" ADD CONSTRAINT "report_runs_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_runs" ADD CONSTRAINT "report_runs_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_settings" ADD CONSTRAINT "report_settings_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_texts" ADD CONSTRAINT "report_texts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "report_comments_report_idx" ON "report_comments" USING btree ("report_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "report_prompts_org_version_key" ON "report_prompts" USING btree ("organization_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "report_questions_position_key" ON "report_questions" USING btree ("report_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "report_runs_one_active_key" ON "report_runs" USING btree ("report_id") WHERE "report_runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "report_runs_org_created_idx" ON "report_runs" USING btree ("organization_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "report_runs_report_idx" ON "report_runs" USING btree ("report_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "reports_period_key" ON "reports" USING btree ("organization_id","type","period_start","period_end");--> statement-breakpoint
CREATE INDEX "reports_org_period_idx" ON "reports" USING btree ("organization_id","period_start" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "reports_org_status_idx" ON "reports" USING btree ("organization_id","status");