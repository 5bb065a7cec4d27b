import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { connections, organizations } from '../../db/schema';
import { seedDemo, seedDemoConnections } from '../../db/seed';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

describe('demo seed', () => {
  it('gives Acme one Salesforce and one HubSpot connection waiting for consent, at the running sandboxes; idempotent; re-pointed when a port moves', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crmhub-seed-'));
    try {
      await seedDemo(database.current.db, dir);
      const urls = { salesforce: 'http://127.0.0.1:4101', hubspot: 'http://127.0.0.1:4102' };
      expect(await seedDemoConnections(database.current.db, urls)).toBe(2);
      expect(await seedDemoConnections(database.current.db, urls)).toBe(0);
      const [acme] = await database.current.db.select().from(organizations).where(eq(organizations.slug, 'acme'));
      const rows = await database.current.db.select().from(connections).where(eq(connections.organizationId, acme!.id));
      expect(rows.map((r) => [r.provider, r.status, r.authUrl, r.usesSandbox, r.credentials]).sort()).toEqual([
        ['hubspot', 'pending_auth', urls.hubspot, true, null],
        ['salesforce', 'pending_auth', urls.salesforce, true, null],
      ]);
      await seedDemoConnections(database.current.db, { ...urls, hubspot: 'http://127.0.0.1:49999' });
      const [hubspot] = await database.current.db.select().from(connections).where(eq(connections.provider, 'hubspot'));
      expect(hubspot).toMatchObject({ authUrl: 'http://127.0.0.1:49999', instanceUrl: 'http://127.0.0.1:49999' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
