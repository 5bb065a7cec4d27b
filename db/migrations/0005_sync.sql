CREATE TYPE "public"."conflict_strategy" AS ENUM('last_write_wins', 'crm_wins', 'app_wins', 'manual_review');--> statement-breakpoint
CREATE TYPE "public"."connection_status" AS ENUM('pending_auth', 'connected', 'paused', 'error', 'disconnected');--> statement-breakpoint
CREATE TYPE "public"."mapping_direction" AS ENUM('both', 'push', 'pull', 'none');--> statement-breakpoint
CREATE TYPE "public"."mapping_override" AS ENUM('strategy', 'prefer_crm_unless_blank', 'always_app', 'always_crm');--> statement-breakpoint
CREATE TYPE "public"."outbound_policy" AS ENUM('automatic', 'manual_only');--> statement-breakpoint
CREATE TYPE "public"."sync_conflict_status" AS ENUM('open', 'resolved', 'ignored');--> statement-breakpoint
CREATE TYPE "public"."sync_cursor_kind" AS ENUM('pull', 'push', 'deletes');--> statement-breakpoint
CREATE TYPE "public"."sync_direction" AS ENUM('push', 'pull', 'bidirectional');--> statement-breakpoint
CREATE TYPE "public"."sync_entity" AS ENUM('account', 'contact');--> statement-breakpoint
CREATE TYPE "public"."sync_frequency" AS ENUM('realtime', 'hourly', 'daily', 'manual');--> statement-breakpoint
CREATE TYPE "public"."sync_provider" AS ENUM('salesforce', 'hubspot');--> statement-breakpoint
CREATE TYPE "public"."sync_run_status" AS ENUM('queued', 'running', 'succeeded', 'partial', 'failed', 'interrupted');--> statement-breakpoint
CREATE TYPE "public"."sync_side" AS ENUM('pull', 'push');--> statement-breakpoint
CREATE TYPE "public"."sync_trigger" AS ENUM('manual', 'schedule', 'realtime', 'retry', 'initial');--> statement-breakpoint
CREATE TABLE "connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"provider" "sync_provider" NOT NULL,
	"status" "connection_status" DEFAULT 'pending_auth' NOT NULL,
	"status_reason" text,
	"credentials" text,
	"credentials_key_id" text,
	"token_expires_at" timestamp with time zone,
	"auth_url" text NOT NULL,
	"instance_url" text,
	"uses_sandbox" boolean DEFAULT false NOT NULL,
	"connected_as" text,
	"remote_account_id" text,
	"direction" "sync_direction" DEFAULT 'bidirectional' NOT NULL,
	"frequency" "sync_frequency" DEFAULT 'hourly' NOT NULL,
	"entities" jsonb DEFAULT '["account","contact"]'::jsonb NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"conflict_strategy" "conflict_strategy" DEFAULT 'last_write_wins' NOT NULL,
	"outbound_policy" "outbound_policy" DEFAULT 'automatic' NOT NULL,
	"create_missing" boolean DEFAULT true NOT NULL,
	"propagate_deletes" boolean DEFAULT false NOT NULL,
	"daily_api_budget_percent" integer DEFAULT 50 NOT NULL,
	"api_calls_day" text,
	"api_calls_count" integer DEFAULT 0 NOT NULL,
	"remote_fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" uuid,
	"connected_at" timestamp with time zone,
	"last_sync_at" timestamp with time zone,
	"next_sync_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connections_budget_range" CHECK ("connections"."daily_api_budget_percent" between 1 and 100)
);
--> statement-breakpoint
CREATE TABLE "field_mappings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"entity" "sync_entity" NOT NULL,
	"app_field" text NOT NULL,
	"remote_field" text NOT NULL,
	"direction" "mapping_direction" DEFAULT 'both' NOT NULL,
	"transform" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"override" "mapping_override" DEFAULT 'strategy' NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_states" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"state_hash" text NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" "sync_provider" NOT NULL,
	"connection_id" uuid NOT NULL,
	"code_verifier" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "record_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"entity" "sync_entity" NOT NULL,
	"app_id" uuid NOT NULL,
	"remote_id" text NOT NULL,
	"base" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"app_modified_at" timestamp with time zone,
	"app_change_seq" bigint,
	"remote_modified_at" timestamp with time zone,
	"last_synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_conflicts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"record_link_id" uuid NOT NULL,
	"entity" "sync_entity" NOT NULL,
	"app_id" uuid NOT NULL,
	"remote_id" text NOT NULL,
	"field" text NOT NULL,
	"app_field" text NOT NULL,
	"remote_field" text NOT NULL,
	"app_value" jsonb,
	"remote_value" jsonb,
	"base_value" jsonb,
	"status" "sync_conflict_status" DEFAULT 'open' NOT NULL,
	"resolution" jsonb,
	"resolved_by" uuid,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"connection_id" uuid NOT NULL,
	"entity" "sync_entity" NOT NULL,
	"kind" "sync_cursor_kind" NOT NULL,
	"cursor" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_cursors_connection_id_entity_kind_pk" PRIMARY KEY("connection_id","entity","kind")
);
--> statement-breakpoint
CREATE TABLE "sync_run_errors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"entity" "sync_entity" NOT NULL,
	"side" "sync_side" NOT NULL,
	"app_id" uuid,
	"remote_id" text,
	"message" text NOT NULL,
	"retryable" boolean DEFAULT true NOT NULL,
	"retried_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"job_id" text,
	"trigger" "sync_trigger" NOT NULL,
	"direction" "sync_direction" NOT NULL,
	"entity" "sync_entity" NOT NULL,
	"status" "sync_run_status" DEFAULT 'running' NOT NULL,
	"processed" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"conflicts" integer DEFAULT 0 NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"api_calls" integer DEFAULT 0 NOT NULL,
	"progress" jsonb DEFAULT '{"phase":"starting","page":0,"seen":0}'::jsonb NOT NULL,
	"error" text,
	"retry_of_run_id" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "field_mappings" ADD CONSTRAINT "field_mappings_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "field_mappings" ADD CONSTRAINT "field_mappings_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_links" ADD CONSTRAINT "record_links_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_links" ADD CONSTRAINT "record_links_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_record_link_id_record_links_id_fk" FOREIGN KEY ("record_link_id") REFERENCES "public"."record_links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_conflicts" ADD CONSTRAINT "sync_conflicts_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_cursors" ADD CONSTRAINT "sync_cursors_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_run_errors" ADD CONSTRAINT "sync_run_errors_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_run_errors" ADD CONSTRAINT "sync_run_errors_run_id_sync_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_run_errors" ADD CONSTRAINT "sync_run_errors_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connections_org_idx" ON "connections" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "connections_due_idx" ON "connections" USING btree ("next_sync_at") WHERE "connections"."status" = 'connected';--> statement-breakpoint
CREATE INDEX "field_mappings_connection_idx" ON "field_mappings" USING btree ("connection_id","entity","position");--> statement-breakpoint
CREATE UNIQUE INDEX "field_mappings_app_writer_key" ON "field_mappings" USING btree ("connection_id","entity","app_field") WHERE "field_mappings"."direction" in ('both', 'pull');--> statement-breakpoint
CREATE UNIQUE INDEX "field_mappings_remote_writer_key" ON "field_mappings" USING btree ("connection_id","entity","remote_field") WHERE "field_mappings"."direction" in ('both', 'push');--> statement-breakpoint
CREATE UNIQUE INDEX "oauth_states_hash_key" ON "oauth_states" USING btree ("state_hash");--> statement-breakpoint
CREATE INDEX "oauth_states_expires_idx" ON "oauth_states" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "record_links_app_key" ON "record_links" USING btree ("connection_id","entity","app_id");--> statement-breakpoint
CREATE UNIQUE INDEX "record_links_remote_key" ON "record_links" USING btree ("connection_id","entity","remote_id");--> statement-breakpoint
CREATE INDEX "record_links_org_app_idx" ON "record_links" USING btree ("organization_id","entity","app_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_conflicts_open_key" ON "sync_conflicts" USING btree ("record_link_id","field") WHERE "sync_conflicts"."status" = 'open';--> statement-breakpoint
CREATE INDEX "sync_conflicts_connection_idx" ON "sync_conflicts" USING btree ("connection_id","status","created_at");--> statement-breakpoint
CREATE INDEX "sync_conflicts_org_idx" ON "sync_conflicts" USING btree ("organization_id","status","created_at");--> statement-breakpoint
CREATE INDEX "sync_run_errors_run_idx" ON "sync_run_errors" USING btree ("run_id","created_at");--> statement-breakpoint
CREATE INDEX "sync_run_errors_connection_idx" ON "sync_run_errors" USING btree ("connection_id","retried_at");--> statement-breakpoint
CREATE INDEX "sync_runs_connection_idx" ON "sync_runs" USING btree ("connection_id","started_at");--> statement-breakpoint
CREATE INDEX "sync_runs_org_idx" ON "sync_runs" USING btree ("organization_id","started_at");--> statement-breakpoint
CREATE INDEX "sync_runs_running_idx" ON "sync_runs" USING btree ("connection_id") WHERE "sync_runs"."status" = 'running';