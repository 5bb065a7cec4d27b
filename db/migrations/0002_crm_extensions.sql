-- Native CRM, part 1 of 3 (decision 005): what the generated tables in 0003 need first.
-- pg_trgm backs the trigram GIN indexes that make ILIKE '%q%' search fast on 100k leads.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- One sequence for every CRM table: each insert or change takes the next value, so
-- change_seq orders all CRM changes of a tenant and serves as the push cursor.
CREATE SEQUENCE IF NOT EXISTS crm_change_seq AS bigint;
