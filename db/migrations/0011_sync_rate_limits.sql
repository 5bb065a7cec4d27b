CREATE TABLE "sync_rate_limits" (
	"connection_id" uuid PRIMARY KEY NOT NULL,
	"api_next_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search_next_at" timestamp with time zone DEFAULT now() NOT NULL,
	"api_spacing_ms" double precision,
	"day" text NOT NULL,
	"day_calls" integer DEFAULT 0 NOT NULL,
	"granted" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sync_rate_limits" ADD CONSTRAINT "sync_rate_limits_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;