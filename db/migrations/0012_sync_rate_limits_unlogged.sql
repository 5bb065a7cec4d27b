-- The shared pacer's row is taken by every provider call (decision 009): as a logged table each
-- reservation waited for a WAL flush (~2.5 ms on the dev machine). Its state is ephemeral — after
-- a Postgres crash the slots simply start afresh, and the day's count falls back to
-- connections.api_calls_count — so it needs no WAL.
ALTER TABLE "sync_rate_limits" SET UNLOGGED;
