CREATE TYPE "public"."kommo_auth_mode" AS ENUM('oauth', 'long_lived');--> statement-breakpoint
CREATE TYPE "public"."kommo_bulk_kind" AS ENUM('create', 'rollback');--> statement-breakpoint
CREATE TYPE "public"."kommo_bulk_status" AS ENUM('dry_run', 'awaiting_approval', 'approved', 'running', 'done', 'rejected', 'rolled_back');--> statement-breakpoint
CREATE TYPE "public"."kommo_link_origin" AS ENUM('created', 'linked');--> statement-breakpoint
CREATE TYPE "public"."kommo_outbound_status" AS ENUM('pending', 'found', 'created', 'failed', 'refused');--> statement-breakpoint
CREATE TYPE "public"."kommo_profile_type" AS ENUM('lead', 'contact');--> statement-breakpoint
CREATE TYPE "public"."kommo_webhook_status" AS ENUM('received', 'processing', 'processed', 'failed', 'malformed', 'rejected', 'ignored');--> statement-breakpoint
CREATE TABLE "kommo_accounts" (
	"connection_id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"subdomain" text NOT NULL,
	"domain" text NOT NULL,
	"base_url" text NOT NULL,
	"uses_sandbox" boolean DEFAULT false NOT NULL,
	"auth_mode" "kommo_auth_mode" NOT NULL,
	"oauth_client_id" text,
	"oauth_client_secret" text,
	"kommo_account_id" bigint,
	"account_name" text,
	"webhook_secret" text NOT NULL,
	"webhook_secret_hash" text NOT NULL,
	"previous_webhook_secret_hash" text,
	"previous_webhook_secret_valid_until" timestamp with time zone,
	"webhook_secret_rotated_at" timestamp with time zone,
	"blocked_until" timestamp with time zone,
	"alert" text,
	"alert_at" timestamp with time zone,
	"catalog" jsonb,
	"catalog_fetched_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kommo_bulk_exceptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"kind" "kommo_bulk_kind" DEFAULT 'create' NOT NULL,
	"name" text NOT NULL,
	"reason" text NOT NULL,
	"lead_ids" jsonb NOT NULL,
	"status" "kommo_bulk_status" DEFAULT 'dry_run' NOT NULL,
	"requested_by" uuid,
	"requested_by_email" text,
	"dry_run" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dry_run_at" timestamp with time zone,
	"owner_approved_by" uuid,
	"owner_approved_at" timestamp with time zone,
	"super_admin_approved_by" uuid,
	"super_admin_approved_at" timestamp with time zone,
	"rejected_by" uuid,
	"rejection_reason" text,
	"position" integer DEFAULT 0 NOT NULL,
	"results" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rollback_of" uuid,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kommo_bulk_two_people" CHECK ("kommo_bulk_exceptions"."owner_approved_by" is null or "kommo_bulk_exceptions"."super_admin_approved_by" is null or "kommo_bulk_exceptions"."owner_approved_by" <> "kommo_bulk_exceptions"."super_admin_approved_by"),
	CONSTRAINT "kommo_bulk_size" CHECK (jsonb_array_length("kommo_bulk_exceptions"."lead_ids") between 1 and 300)
);
--> statement-breakpoint
CREATE TABLE "kommo_contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"kommo_id" bigint NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"responsible_user_id" bigint,
	"phones" text[] DEFAULT '{}'::text[] NOT NULL,
	"phones_e164" text[] DEFAULT '{}'::text[] NOT NULL,
	"emails" text[] DEFAULT '{}'::text[] NOT NULL,
	"remote_created_at" timestamp with time zone,
	"remote_updated_at" timestamp with time zone,
	"is_deleted" boolean DEFAULT false NOT NULL,
	"raw" jsonb,
	"last_event_at" timestamp with time zone,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kommo_leads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"kommo_id" bigint NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"price" bigint,
	"pipeline_id" bigint,
	"pipeline_name" text,
	"status_id" bigint,
	"status_name" text,
	"responsible_user_id" bigint,
	"responsible_name" text,
	"contact_ids" bigint[] DEFAULT '{}'::bigint[] NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"remote_created_at" timestamp with time zone,
	"remote_updated_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"is_deleted" boolean DEFAULT false NOT NULL,
	"search_text" text DEFAULT '' NOT NULL,
	"raw" jsonb,
	"last_event_at" timestamp with time zone,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kommo_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"profile_type" "kommo_profile_type" NOT NULL,
	"profile_id" uuid NOT NULL,
	"kommo_lead_id" bigint,
	"kommo_contact_id" bigint,
	"origin" "kommo_link_origin" NOT NULL,
	"outbound_sync_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kommo_links_has_target" CHECK ("kommo_links"."kommo_lead_id" is not null or "kommo_links"."kommo_contact_id" is not null)
);
--> statement-breakpoint
CREATE TABLE "kommo_oauth_states" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"state_hash" text NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kommo_outbound_syncs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"user_id" uuid,
	"user_email" text,
	"profile_type" "kommo_profile_type" NOT NULL,
	"profile_id" uuid NOT NULL,
	"request_id" text,
	"status" "kommo_outbound_status" DEFAULT 'pending' NOT NULL,
	"kommo_lead_id" bigint,
	"kommo_contact_id" bigint,
	"result" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "kommo_rate_limits" (
	"account_key" text PRIMARY KEY NOT NULL,
	"next_slot_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kommo_webhook_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"event_key" text,
	"entity" text,
	"action" text,
	"kommo_id" bigint,
	"status" "kommo_webhook_status" DEFAULT 'received' NOT NULL,
	"fields" jsonb,
	"raw_body" text NOT NULL,
	"content_type" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "kommo_accounts" ADD CONSTRAINT "kommo_accounts_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_accounts" ADD CONSTRAINT "kommo_accounts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_bulk_exceptions" ADD CONSTRAINT "kommo_bulk_exceptions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_bulk_exceptions" ADD CONSTRAINT "kommo_bulk_exceptions_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_bulk_exceptions" ADD CONSTRAINT "kommo_bulk_exceptions_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_bulk_exceptions" ADD CONSTRAINT "kommo_bulk_exceptions_owner_approved_by_users_id_fk" FOREIGN KEY ("owner_approved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_bulk_exceptions" ADD CONSTRAINT "kommo_bulk_exceptions_super_admin_approved_by_users_id_fk" FOREIGN KEY ("super_admin_approved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_bulk_exceptions" ADD CONSTRAINT "kommo_bulk_exceptions_rejected_by_users_id_fk" FOREIGN KEY ("rejected_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_contacts" ADD CONSTRAINT "kommo_contacts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_contacts" ADD CONSTRAINT "kommo_contacts_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_leads" ADD CONSTRAINT "kommo_leads_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_leads" ADD CONSTRAINT "kommo_leads_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_links" ADD CONSTRAINT "kommo_links_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_links" ADD CONSTRAINT "kommo_links_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_links" ADD CONSTRAINT "kommo_links_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_oauth_states" ADD CONSTRAINT "kommo_oauth_states_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_oauth_states" ADD CONSTRAINT "kommo_oauth_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_oauth_states" ADD CONSTRAINT "kommo_oauth_states_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_outbound_syncs" ADD CONSTRAINT "kommo_outbound_syncs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_outbound_syncs" ADD CONSTRAINT "kommo_outbound_syncs_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_outbound_syncs" ADD CONSTRAINT "kommo_outbound_syncs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_webhook_events" ADD CONSTRAINT "kommo_webhook_events_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kommo_webhook_events" ADD CONSTRAINT "kommo_webhook_events_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "kommo_accounts_org_key" ON "kommo_accounts" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "kommo_bulk_exceptions_org_idx" ON "kommo_bulk_exceptions" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "kommo_bulk_exceptions_status_idx" ON "kommo_bulk_exceptions" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "kommo_contacts_remote_key" ON "kommo_contacts" USING btree ("connection_id","kommo_id");--> statement-breakpoint
CREATE INDEX "kommo_contacts_phones_idx" ON "kommo_contacts" USING gin ("phones_e164");--> statement-breakpoint
CREATE INDEX "kommo_contacts_emails_idx" ON "kommo_contacts" USING gin ("emails");--> statement-breakpoint
CREATE UNIQUE INDEX "kommo_leads_remote_key" ON "kommo_leads" USING btree ("connection_id","kommo_id");--> statement-breakpoint
CREATE INDEX "kommo_leads_org_updated_idx" ON "kommo_leads" USING btree ("organization_id","remote_updated_at","id");--> statement-breakpoint
CREATE INDEX "kommo_leads_contacts_idx" ON "kommo_leads" USING gin ("contact_ids");--> statement-breakpoint
CREATE INDEX "kommo_leads_search_trgm_idx" ON "kommo_leads" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "kommo_links_profile_key" ON "kommo_links" USING btree ("connection_id","profile_type","profile_id");--> statement-breakpoint
CREATE INDEX "kommo_links_remote_lead_idx" ON "kommo_links" USING btree ("connection_id","kommo_lead_id");--> statement-breakpoint
CREATE UNIQUE INDEX "kommo_oauth_states_hash_key" ON "kommo_oauth_states" USING btree ("state_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "kommo_outbound_syncs_pending_key" ON "kommo_outbound_syncs" USING btree ("organization_id","profile_type","profile_id") WHERE "kommo_outbound_syncs"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "kommo_outbound_syncs_org_idx" ON "kommo_outbound_syncs" USING btree ("organization_id","started_at");--> statement-breakpoint
CREATE INDEX "kommo_outbound_syncs_user_idx" ON "kommo_outbound_syncs" USING btree ("organization_id","user_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "kommo_webhook_events_key" ON "kommo_webhook_events" USING btree ("connection_id","event_key");--> statement-breakpoint
CREATE INDEX "kommo_webhook_events_org_idx" ON "kommo_webhook_events" USING btree ("organization_id","received_at");--> statement-breakpoint
CREATE INDEX "kommo_webhook_events_pending_idx" ON "kommo_webhook_events" USING btree ("received_at") WHERE "kommo_webhook_events"."status" in ('received', 'failed');