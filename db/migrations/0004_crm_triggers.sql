-- Native CRM, part 3 of 3 (decision 005).
-- change_seq: every insert and every real update takes the next crm_change_seq value,
-- whatever the writer sends; an update that changes nothing keeps its stamp.
-- updated_at: bumped on update unless the writer set it itself (a sync may carry its own).
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
  NEW.change_seq := nextval('crm_change_seq');
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER accounts_stamp_change BEFORE INSERT OR UPDATE ON accounts
  FOR EACH ROW EXECUTE FUNCTION crm_stamp_change();
--> statement-breakpoint
CREATE TRIGGER contacts_stamp_change BEFORE INSERT OR UPDATE ON contacts
  FOR EACH ROW EXECUTE FUNCTION crm_stamp_change();
--> statement-breakpoint
CREATE TRIGGER leads_stamp_change BEFORE INSERT OR UPDATE ON leads
  FOR EACH ROW EXECUTE FUNCTION crm_stamp_change();
--> statement-breakpoint
CREATE TRIGGER lead_stages_stamp_change BEFORE INSERT OR UPDATE ON lead_stages
  FOR EACH ROW EXECUTE FUNCTION crm_stamp_change();
--> statement-breakpoint
CREATE TRIGGER lead_activities_stamp_change BEFORE INSERT OR UPDATE ON lead_activities
  FOR EACH ROW EXECUTE FUNCTION crm_stamp_change();
--> statement-breakpoint
-- The five default stages for tenants created before the CRM existed; new tenants get
-- them from createTenant (server/shared/crm.ts defaultLeadStages — keep both in step).
INSERT INTO lead_stages (organization_id, name, position, color, is_qualified, is_won, is_lost)
SELECT o.id, d.name, d.position, d.color, d.is_qualified, d.is_won, d.is_lost
FROM organizations o
CROSS JOIN (VALUES
  ('New', 0, '#64748b', false, false, false),
  ('Contacted', 1, '#0ea5e9', false, false, false),
  ('Qualified', 2, '#8b5cf6', true, false, false),
  ('Won', 3, '#16a34a', true, true, false),
  ('Lost', 4, '#dc2626', false, false, true)
) AS d(name, position, color, is_qualified, is_won, is_lost)
WHERE NOT EXISTS (SELECT 1 FROM lead_stages s WHERE s.organization_id = o.id);
