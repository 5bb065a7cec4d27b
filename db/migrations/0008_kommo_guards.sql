-- Kommo (decision 007). The sync engine's provider enum gains 'kommo' (its TypeScript list
-- may not name it yet), and a Kommo connection stays manual_only and unscheduled whatever
-- writes to `connections`: outbound to Kommo is a person's click, never the scheduler.
ALTER TYPE "public"."sync_provider" ADD VALUE IF NOT EXISTS 'kommo';
--> statement-breakpoint
CREATE OR REPLACE FUNCTION kommo_connection_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.provider::text = 'kommo' THEN
    IF NEW.outbound_policy::text <> 'manual_only' THEN
      RAISE EXCEPTION 'Kommo connections are manual_only: their outbound policy cannot be switched' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.frequency::text <> 'manual' OR NEW.next_sync_at IS NOT NULL THEN
      RAISE EXCEPTION 'Kommo connections are manual_only: they are never scheduled' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER connections_kommo_guard BEFORE INSERT OR UPDATE ON "connections" FOR EACH ROW EXECUTE FUNCTION kommo_connection_guard();
