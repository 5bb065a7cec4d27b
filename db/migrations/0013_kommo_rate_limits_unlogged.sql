-- The Kommo shared pacer's row (decision 007) is taken by every Kommo request: as a logged table
-- each reservation waited for a WAL flush. Its state is ephemeral — after a Postgres crash the
-- next slot simply starts afresh — so it needs no WAL (as sync_rate_limits, migration 0012).
ALTER TABLE "kommo_rate_limits" SET UNLOGGED;
