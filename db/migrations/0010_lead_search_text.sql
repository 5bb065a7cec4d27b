DROP INDEX "leads_name_trgm_idx";--> statement-breakpoint
DROP INDEX "leads_company_trgm_idx";--> statement-breakpoint
CREATE INDEX "leads_search_trgm_idx" ON "leads" USING gin (("name" || ' | ' || coalesce("email", '') || ' | ' || coalesce("company", '')) gin_trgm_ops);