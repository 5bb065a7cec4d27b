-- The push fence (decision 006). change_seq is taken when a row is written, not when its
-- transaction commits, so a push reader at cursor N could see N+2 committed while N+1 is
-- still in flight, move past it and never push it. Every CRM writer therefore holds a
-- per-tenant SHARED advisory lock from its first stamped row until it ends; the push
-- reader takes the same lock EXCLUSIVE (try-lock, so writers are never queued behind it)
-- for an instant and reads the sequence: every change_seq of that tenant at or below the
-- value read belongs to a transaction that has finished, so the reader may go up to it.
-- Lock key: (7006, hashtext(organization_id::text)); see server/services/sync/push-fence.ts.
CREATE OR REPLACE FUNCTION crm_stamp_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW IS NOT DISTINCT FROM OLD THEN
      RETURN NEW;
    END IF;
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
      NEW.updated_at := now();
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(7006, hashtext(NEW.organization_id::text));
  NEW.change_seq := nextval('crm_change_seq');
  RETURN NEW;
END;
$$;
