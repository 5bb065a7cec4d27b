import { describe, expect, it } from 'vitest';
import { crmTenant, saved } from '../support/crm';
import { useTestDatabase } from '../support/database';

const database = useTestDatabase();

describe('lead search beyond ASCII', () => {
  it('finds Cyrillic and accented names case-insensitively, through the trigram index', async () => {
    const t = await crmTenant(database.current);
    const crm = t.callers.manager.crm;
    saved(await crm.leads.create({ name: 'Иван Петров', company: 'ООО Ромашка' }));
    saved(await crm.leads.create({ name: 'Jürgen Müller', company: 'Bäckerei Groß' }));
    saved(await crm.leads.create({ name: 'John Smith', company: 'Acme' }));
    const names = async (q: string) => (await crm.leads.list({ q })).items.map((l) => l.name);
    expect(await names('иван')).toEqual(['Иван Петров']);
    expect(await names('ПЕТРОВ')).toEqual(['Иван Петров']);
    expect(await names('ромашка')).toEqual(['Иван Петров']);
    expect(await names('MÜLLER')).toEqual(['Jürgen Müller']);
    // the database classifies non-ASCII letters (else pg_trgm extracts no trigrams and search scans every row)
    const [row] = await database.current.sql`select array_length(show_trgm('Иванов'), 1) as n, lower('ИВАН') as lowered`;
    expect(row!.n).toBeGreaterThan(3);
    expect(row!.lowered).toBe('иван');
  });
});
