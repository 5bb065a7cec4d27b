import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import fs from 'node:fs';
import { expect, loginAs, newContext, test, trpcMutation, unique } from './support/fixtures';

/**
 * The native CRM's lead screens (/crm, /crm/leads/…, /crm/import, the CSV export) and
 * the account/contact pages a conversion leads to, against the real server and the
 * demo tenant Acme.
 */

interface Lead {
  id: string;
  name: string;
  email: string | null;
  company: string | null;
}

/** Creates a lead as the signed-in user through the browser tRPC endpoint (the page's cookie). */
async function createLead(request: APIRequestContext, input: Record<string, unknown> & { name: string }): Promise<Lead> {
  const res = await trpcMutation<{ status: string; lead: Lead }>(request, 'crm.leads.create', input);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body!.result!.data.status).toBe('saved');
  return res.body!.result!.data.lead;
}

async function logActivity(request: APIRequestContext, leadId: string, title: string) {
  const res = await trpcMutation(request, 'crm.activities.create', { leadId, kind: 'call', title });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** WCAG 2.1 A/AA on the current state of the page (the stateful views the page lists of accessibility.spec.ts cannot reach). */
async function expectAccessible(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${what} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

const leadIdFrom = (url: string) => /\/crm\/leads\/([0-9a-f-]{36})/.exec(url)![1]!;

test.describe('CRM lead screens', () => {
  test('a sales user creates a lead through the form, logs a call on it and converts it; the account appears', async ({ page }) => {
    const tag = unique();
    const name = `Ada Sales ${tag}`;
    const company = `Analytical Engines ${tag}`;
    await loginAs(page, 'sales');

    await page.goto('/crm');
    // bulk assignment and stage changes are for managers: a sales user has no row checkboxes or bulk form
    await expect(page.getByRole('form', { name: 'Bulk actions' })).toHaveCount(0);
    await expect(page.getByRole('checkbox')).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Import CSV' })).toHaveCount(0);

    await page.getByRole('link', { name: 'New lead' }).click();
    await expect(page).toHaveURL(/\/crm\/leads\/new$/);
    // a sales user's leads are their own: no assignee picker
    await expect(page.getByLabel('Assignee')).toHaveCount(0);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('E-mail').fill(`ada-${tag}@example.test`);
    await page.getByLabel('Phone').fill('+1 415 555 0132');
    await page.getByLabel('Company').fill(company);
    await page.getByLabel('Amount').fill('12500');
    await page.getByRole('button', { name: 'Create lead' }).click();
    await expect(page).toHaveURL(/\/crm\/leads\/[0-9a-f-]{36}\?notice=lead-created$/);
    await expect(page.getByRole('status').filter({ hasText: 'Lead created.' })).toBeVisible();
    await expect(page.getByTestId('lead-name')).toHaveText(name);
    await expect(page.getByText('+14155550132')).toBeVisible(); // stored as E.164
    await expect(page.getByText('Assigned to Sergio Sales')).toBeVisible();

    await page.getByLabel('Type').selectOption('call');
    await page.getByLabel('Summary').fill(`Discovery call ${tag}`);
    await page.getByRole('textbox', { name: /^Details/ }).fill('Wants a demo next week.');
    await page.getByRole('button', { name: 'Add activity' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Activity added.' })).toBeVisible();
    const call = page.getByTestId('timeline-item').filter({ hasText: `Discovery call ${tag}` });
    await expect(call).toContainText('Call');
    await expect(call).toContainText('Wants a demo next week.');
    await expect(page.getByLabel('Summary')).toHaveValue(''); // the form resets after a save
    await call.getByRole('button', { name: /Mark complete/ }).click();
    await expect(call).toContainText('Done');

    await page.getByRole('button', { name: 'Convert' }).click();
    const dialog = page.getByRole('dialog', { name: `Convert ${name} to a customer?` });
    await expect(dialog).toContainText(company);
    await dialog.getByRole('button', { name: 'Convert' }).click();
    await expect(dialog).toBeHidden();
    const outcome = page.getByTestId('conversion-result');
    await expect(outcome).toContainText(`Account ${company} (created)`);
    await expect(outcome).toContainText(`contact ${name} (created)`);
    await expect(page.getByTestId('lead-status')).toHaveText('Converted');
    await expect(page.getByTestId('converted-banner')).toContainText(company);
    await expect(page.getByRole('button', { name: 'Convert' })).toHaveCount(0);
    await expect(page.getByTestId('timeline-item').first()).toContainText(`Converted to customer ${company}`);

    await outcome.getByRole('link', { name: company }).click();
    await expect(page).toHaveURL(/\/crm\/accounts\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('account-name')).toHaveText(company);
    await expect(page.getByTestId('account-contacts')).toContainText(name);
    await expect(page.getByTestId('account-contacts')).toContainText('Primary');
    await expectAccessible(page, 'account detail');

    await page.goto(`/crm/accounts?q=${encodeURIComponent(company)}`);
    await expect(page.getByTestId('accounts-table').getByRole('link', { name: company })).toBeVisible();
    await page.goto(`/crm/contacts?q=${encodeURIComponent(`ada-${tag}`)}`);
    await expect(page.getByTestId('contacts-table').getByRole('link', { name })).toBeVisible();
    await page.getByTestId('contacts-table').getByRole('link', { name }).click();
    await expect(page.getByTestId('contact-name')).toHaveText(name);
    await expectAccessible(page, 'contact detail');
  });

  test('a lead converts once: a second attempt from a stale page is refused with a clear message', async ({ browser }) => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await loginAs(page, 'sales');
      const lead = await createLead(page.request, { name: `Twice ${unique()}`, company: `Twice Ltd ${unique()}` });
      const stale = await context.newPage();
      await stale.goto(`/crm/leads/${lead.id}`);
      await page.goto(`/crm/leads/${lead.id}`);
      await page.getByRole('button', { name: 'Convert' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Convert' }).click();
      await expect(page.getByTestId('conversion-result')).toBeVisible();

      await stale.getByRole('button', { name: 'Convert' }).click();
      await stale.getByRole('dialog').getByRole('button', { name: 'Convert' }).click();
      await expect(stale.getByRole('alert').filter({ hasText: 'The lead is already converted.' })).toBeVisible();
      await expect(stale.getByTestId('lead-status')).toHaveText('Converted'); // the page reloaded its data
    } finally {
      await context.close();
    }
  });

  test('the form flags a duplicate e-mail; saving anyway needs a reason', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'sales');
    const first = await createLead(page.request, { name: `Dup Original ${tag}`, email: `dup-${tag}@example.test` });

    await page.goto('/crm/leads/new');
    await page.getByLabel('Name', { exact: true }).fill(`Dup Second ${tag}`);
    await page.getByLabel('E-mail').fill(`DUP-${tag}@example.test`);
    await page.getByRole('button', { name: 'Create lead' }).click();
    const panel = page.getByTestId('duplicates');
    await expect(panel).toContainText('Possible duplicate found');
    const match = panel.getByTestId('duplicate-match');
    await expect(match).toContainText(`Dup Original ${tag}`);
    await expect(match).toContainText('same e-mail');
    await expect(match.getByRole('link', { name: /Open/ })).toHaveAttribute('href', `/crm/leads/${first.id}`);
    // merging is for managers
    await expect(panel.getByRole('button', { name: /Merge into it/ })).toHaveCount(0);
    await expectAccessible(page, 'duplicate panel');

    await panel.getByRole('button', { name: 'Save anyway' }).click();
    await expect(page.getByText('Give a reason (at least 3 characters).')).toBeVisible();
    await expect(page).toHaveURL(/\/crm\/leads\/new$/);

    await page.getByLabel('Reason to save anyway').fill('Same shared inbox, different person');
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await expect(page).toHaveURL(/\/crm\/leads\/[0-9a-f-]{36}\?notice=lead-created$/);
    await expect(page.getByTestId('lead-name')).toHaveText(`Dup Second ${tag}`);
  });

  test('a manager merges two duplicate leads; the survivor keeps both activities and the chosen values', async ({ page }) => {
    const tag = unique();
    const email = `merge-${tag}@example.test`;
    await loginAs(page, 'manager');
    const survivor = await createLead(page.request, { name: `Grace Hopper ${tag}`, email, company: `Navy ${tag}` });
    const dupe = await trpcMutation<{ status: string; lead: Lead }>(page.request, 'crm.leads.create', {
      name: `G. Hopper ${tag}`,
      email,
      company: `US Navy ${tag}`,
      position: 'Rear Admiral',
      saveAnyway: { reason: 'e2e: a duplicate to merge' },
    });
    expect(dupe.status, JSON.stringify(dupe.body)).toBe(200);
    const merged = dupe.body!.result!.data.lead;
    await logActivity(page.request, survivor.id, `Call on the original ${tag}`);
    await logActivity(page.request, merged.id, `Call on the duplicate ${tag}`);

    await page.goto(`/crm/leads/${survivor.id}`);
    await page.getByRole('link', { name: 'Merge…' }).click();
    await expect(page).toHaveURL(new RegExp(`/crm/leads/${survivor.id}/merge$`));
    // without a search, the page looks for leads sharing this one's e-mail
    await page.getByRole('link', { name: `Choose G. Hopper ${tag}` }).click();
    await expect(page).toHaveURL(new RegExp(`with=${merged.id}`));

    const differing = page.getByRole('region', { name: 'Fields that differ' });
    await expect(differing.getByRole('row', { name: /^Name/ })).toBeVisible();
    // position is empty on the survivor: the merged lead's value is preselected
    await expect(differing.getByRole('radio', { name: 'Rear Admiral for Position' })).toBeChecked();
    await differing.getByRole('radio', { name: `US Navy ${tag} for Company` }).check();
    await expect(page.getByText(/Same in both: E-mail/)).toBeVisible();
    // what moves (crm.leads.mergePreview): the duplicate's timeline (its creation entry and the call), no custom values, no Kommo links
    const moves = page.getByTestId('merge-moves');
    await expect(moves.getByRole('heading', { name: `What moves from G. Hopper ${tag} to Grace Hopper ${tag}` })).toBeVisible();
    const timelineLine = (await moves.getByText(/^Timeline: /).textContent()) ?? '';
    expect(Number(/Timeline: (\d+) activit/.exec(timelineLine)?.[1])).toBeGreaterThanOrEqual(2);
    await expect(moves).toContainText(`Custom-field values: G. Hopper ${tag} has none.`);
    await expect(moves).toContainText('Links to connected CRMs: none.');
    await expectAccessible(page, 'merge comparison');

    await page.getByRole('button', { name: 'Merge leads…' }).click();
    const dialog = page.getByRole('dialog', { name: `Merge G. Hopper ${tag} into Grace Hopper ${tag}?` });
    await dialog.getByRole('button', { name: 'Merge' }).click();
    await expect(page).toHaveURL(new RegExp(`/crm/leads/${survivor.id}\\?notice=lead-merged$`));
    await expect(page.getByTestId('lead-name')).toHaveText(`Grace Hopper ${tag}`);
    await expect(page.getByText(`US Navy ${tag}`, { exact: true })).toBeVisible();
    await expect(page.getByText('Rear Admiral', { exact: true })).toBeVisible();
    const timeline = page.getByTestId('timeline');
    await expect(timeline).toContainText(`Call on the original ${tag}`);
    await expect(timeline).toContainText(`Call on the duplicate ${tag}`);
    await expect(timeline).toContainText(`Merged lead "G. Hopper ${tag}" into this one`);

    const gone = await page.goto(`/crm/leads/${merged.id}`);
    expect(gone!.status()).toBe(404);
  });

  test('a manager can fold a just-typed duplicate into the existing lead from the form', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'manager');
    const existing = await createLead(page.request, { name: `Existing ${tag}`, phone: '+1 415 555 0177' });
    await page.goto('/crm/leads/new');
    await page.getByLabel('Name', { exact: true }).fill(`Typed again ${tag}`);
    await page.getByLabel('Phone').fill('(415) 555-0177');
    await page.getByLabel('Company').fill(`Fresh Co ${tag}`);
    await page.getByRole('button', { name: 'Create lead' }).click();
    await expect(page.getByTestId('duplicate-match')).toContainText('same phone');
    await page.getByRole('button', { name: `Merge into it (Existing ${tag})` }).click();
    await expect(page).toHaveURL(`/crm/leads/${existing.id}?notice=lead-merged-new`);
    await expect(page.getByText(`Fresh Co ${tag}`, { exact: true })).toBeVisible(); // filled the empty company
    await expect(page.getByTestId('timeline')).toContainText(`Merged lead "Typed again ${tag}" into this one`);
  });

  test("a sales user cannot open a colleague's lead by URL (404)", async ({ browser }) => {
    const managerContext = await newContext(browser);
    let leadId: string;
    try {
      const manager = await managerContext.newPage();
      await loginAs(manager, 'manager');
      leadId = (await createLead(manager.request, { name: `Manager's own ${unique()}` })).id;
    } finally {
      await managerContext.close();
    }
    const salesContext = await newContext(browser);
    try {
      const page = await salesContext.newPage();
      await loginAs(page, 'sales');
      for (const path of [`/crm/leads/${leadId}`, `/crm/leads/${leadId}/edit`]) {
        const response = await page.goto(path);
        expect(response!.status(), path).toBe(404);
        await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible();
      }
      // the merge screen is for managers: refused before the lead is even looked up
      const merge = await page.goto(`/crm/leads/${leadId}/merge`);
      expect(merge!.status()).toBe(403);
      const malformed = await page.goto('/crm/leads/not-a-uuid');
      expect(malformed!.status()).toBe(404);
    } finally {
      await salesContext.close();
    }
  });

  test('"Export CSV" downloads the current view with the lead, hostile cells escaped', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'sales');
    await createLead(page.request, { name: `Export Me ${tag}`, email: `export-${tag}@example.test`, company: `=HYPERLINK("http://evil.test","x") ${tag}` });
    await createLead(page.request, { name: `Not In View ${tag}` });
    await page.goto(`/crm?q=${encodeURIComponent(`Export Me ${tag}`)}`);
    await expect(page.getByTestId('lead-row')).toHaveCount(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^leads-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toContain('name,email,phone,company');
    expect(lines).toHaveLength(2); // the header and the one lead of the view
    expect(csv).toContain(`Export Me ${tag}`);
    expect(csv).toContain(`export-${tag}@example.test`);
    expect(csv).not.toContain(`Not In View ${tag}`);
    // a formula is written as text: a leading apostrophe, never a bare "="
    expect(csv).toContain(`'=HYPERLINK(`);
    expect(csv).not.toMatch(/(^|,)"?=HYPERLINK/m);
  });

  test('an import dry-run shows the counts and saves nothing; the import then creates the new leads', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'manager');
    await createLead(page.request, { name: `Already Here ${tag}`, email: `here-${tag}@example.test` });
    const csv = [
      'Full Name,E-mail,Company,Lead Source',
      `Imp One ${tag},one-${tag}@example.test,Imp Co ${tag},website`,
      `Imp Two ${tag},two-${tag}@example.test,Imp Co ${tag},referral`,
      `Imp Three ${tag},three-${tag}@example.test,Imp Co ${tag},event`,
      `Dup Of Existing ${tag},HERE-${tag}@example.test,Imp Co ${tag},website`,
      `Dup In File ${tag},one-${tag}@example.test,Imp Co ${tag},website`,
      `,noname-${tag}@example.test,Imp Co ${tag},website`,
    ].join('\n');

    await page.goto('/crm');
    await page.getByRole('link', { name: 'Import CSV' }).click();
    await expect(page).toHaveURL(/\/crm\/import$/);
    await page.getByLabel(/CSV file/).setInputFiles({ name: `leads-${tag}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });

    const mapping = page.getByTestId('column-mapping');
    await expect(mapping).toBeVisible();
    await expect(page.getByText(`6 data rows in leads-${tag}.csv`)).toBeVisible();
    // matched by header, editable
    await expect(page.getByLabel('Lead field for column Full Name')).toHaveValue('name');
    await expect(page.getByLabel('Lead field for column E-mail')).toHaveValue('email');
    await expect(page.getByLabel('Lead field for column Lead Source')).toHaveValue('source');
    await expect(page.getByRole('button', { name: 'Import', exact: true })).toBeDisabled();
    await page.getByLabel('Lead field for column Company').selectOption('');
    await page.getByLabel('Lead field for column Company').selectOption('company');

    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const summary = page.getByTestId('import-summary');
    await expect(summary).toContainText('Preview');
    await expect(page.getByTestId('count-new')).toHaveText('3');
    await expect(page.getByTestId('count-duplicates')).toHaveText('2');
    await expect(page.getByTestId('count-invalid')).toHaveText('1');
    await expect(page.getByTestId('row-errors')).toContainText('A lead needs a name.');
    await expectAccessible(page, 'import preview');

    // a dry run saves nothing
    await page.goto(`/crm?q=${encodeURIComponent(`Imp Co ${tag}`)}`);
    await expect(page.getByText('No leads match')).toBeVisible();
    await page.goto('/crm/import');

    await page.getByLabel(/CSV file/).setInputFiles({ name: `leads-${tag}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(page.getByLabel('Lead field for column Full Name')).toHaveValue('name');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await expect(page.getByTestId('count-new')).toHaveText('3');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(summary).toContainText('Import finished');
    await expect(page.getByTestId('count-new')).toHaveText('3');
    await expect(page.getByRole('button', { name: 'Import', exact: true })).toBeDisabled(); // no second import of the same preview

    await page.goto(`/crm?q=${encodeURIComponent(`Imp Co ${tag}`)}`);
    await expect(page.getByTestId('lead-row')).toHaveCount(3);
  });

  test('a manager filters, sorts and bulk-assigns leads to a sales user, who then sees them', async ({ browser }) => {
    const tag = unique();
    const managerContext = await newContext(browser);
    try {
      const page = await managerContext.newPage();
      await loginAs(page, 'manager');
      await createLead(page.request, { name: `Bulk A ${tag}`, company: `Bulk ${tag}`, amount: 100 });
      await createLead(page.request, { name: `Bulk B ${tag}`, company: `Bulk ${tag}`, amount: 300 });
      await createLead(page.request, { name: `Bulk C ${tag}`, company: `Bulk ${tag}`, amount: 200, source: 'referral' });

      await page.goto('/crm');
      await page.getByLabel('Search', { exact: true }).fill(`Bulk ${tag}`);
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect(page.getByTestId('lead-row')).toHaveCount(3);
      await page.getByRole('link', { name: /^Amount/ }).click();
      await expect(page).toHaveURL(/sort=amount&dir=desc/);
      await expect(page.getByTestId('lead-row').first()).toContainText(`Bulk B ${tag}`);
      await page.getByRole('link', { name: /^Amount/ }).click();
      await expect(page).toHaveURL(/sort=amount&dir=asc/);
      await expect(page.getByTestId('lead-row').first()).toContainText(`Bulk A ${tag}`);

      await page.getByLabel('Source').selectOption('referral');
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect(page.getByTestId('lead-row')).toHaveCount(1);
      await expect(page.getByTestId('lead-row')).toContainText(`Bulk C ${tag}`);
      await expect(page).toHaveURL(/source=referral/);
      await page.getByLabel('Source').selectOption('');
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect(page.getByTestId('lead-row')).toHaveCount(3);

      await page.getByLabel(`Select Bulk A ${tag}`).check();
      await page.getByLabel(`Select Bulk C ${tag}`).check();
      await expect(page.getByTestId('selected-count')).toHaveText('2 selected');
      await page.getByLabel('Assign to').selectOption({ label: 'Sergio Sales' });
      await page.getByRole('button', { name: 'Assign', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: '2 leads assigned.' })).toBeVisible();
      await expect(page.getByTestId('selected-count')).toHaveText('0 selected');

      await page.getByLabel('Select all leads on this page').check();
      // the second stage of the pipeline (the first option is the "Choose…" placeholder)
      const stageName = (await page.getByLabel('Move to stage').locator('option').nth(2).textContent())!;
      await page.getByLabel('Move to stage').selectOption({ label: stageName });
      await page.getByRole('button', { name: 'Move', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: `3 leads moved to ${stageName}.` })).toBeVisible();
      await expect(page.getByTestId('lead-row').filter({ hasText: stageName })).toHaveCount(3);
    } finally {
      await managerContext.close();
    }

    const salesContext = await newContext(browser);
    try {
      const page = await salesContext.newPage();
      await loginAs(page, 'sales');
      await page.goto(`/crm?q=${encodeURIComponent(`Bulk ${tag}`)}`);
      await expect(page.getByTestId('lead-row')).toHaveCount(2);
      await expect(page.getByTestId('leads-table')).not.toContainText(`Bulk B ${tag}`);
    } finally {
      await salesContext.close();
    }
  });

  test('lead pages are accessible at phone width and the edit form saves', async ({ page }) => {
    const tag = unique();
    await page.setViewportSize({ width: 390, height: 800 });
    await loginAs(page, 'manager');
    const lead = await createLead(page.request, { name: `Phone Width ${tag}`, company: `Small Screen ${tag}` });
    await logActivity(page.request, lead.id, `Call ${tag}`);
    await page.goto(`/crm/leads/${lead.id}`);
    await expectAccessible(page, 'lead detail @390');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await expect(page).toHaveURL(`/crm/leads/${lead.id}/edit`);
    await expectAccessible(page, 'lead edit @390');
    await page.getByLabel('Position').fill('CTO');
    await page.getByLabel('Phone').fill('not a phone');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Not a valid phone number.')).toBeVisible();
    await page.getByLabel('Phone').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(`/crm/leads/${lead.id}?notice=lead-saved`);
    await expect(page.getByText('CTO', { exact: true })).toBeVisible();
    expect(leadIdFrom(page.url())).toBe(lead.id);
    await expect(page.getByTestId('timeline')).toContainText('Updated position');
  });

  test('custom fields on the lead form; stage, assignee and delete on the detail page', async ({ browser }) => {
    const tag = unique();
    const ownerContext = await newContext(browser);
    const owner = await ownerContext.newPage();
    await loginAs(owner, 'owner');
    const fieldIds: string[] = [];
    try {
      for (const field of [
        { key: `budget_${tag}`, label: `Budget ${tag}`, type: 'number' },
        { key: `tier_${tag}`, label: `Tier ${tag}`, type: 'select', options: ['Gold', 'Silver'] },
        { key: `met_${tag}`, label: `Met on ${tag}`, type: 'date' },
      ]) {
        const res = await trpcMutation<{ id: string }>(owner.request, 'crm.customFields.create', { entity: 'lead', ...field });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        fieldIds.push(res.body!.result!.data.id);
      }

      const page = await (await newContext(browser)).newPage();
      await loginAs(page, 'manager');
      await page.goto('/crm/leads/new');
      await page.getByLabel('Name', { exact: true }).fill(`Custom ${tag}`);
      await page.getByLabel(`Budget ${tag}`).fill('4200');
      await page.getByLabel(`Tier ${tag}`).selectOption('Gold');
      await page.getByLabel(`Met on ${tag}`).fill('2026-03-14');
      await page.getByLabel('Assignee').selectOption({ label: 'Maria Manager (manager@acme.test)' });
      await page.getByRole('button', { name: 'Create lead' }).click();
      await expect(page).toHaveURL(/notice=lead-created/);
      const details = page.getByRole('region', { name: 'Details' });
      await expect(details).toContainText(`Budget ${tag}`);
      await expect(details).toContainText('4200');
      await expect(details).toContainText('Gold');
      await expect(details).toContainText('2026-03-14');

      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await expect(page.getByLabel(`Tier ${tag}`)).toHaveValue('Gold');
      await page.getByLabel(`Tier ${tag}`).selectOption('Silver');
      await page.getByLabel(`Budget ${tag}`).fill('');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect(page).toHaveURL(/notice=lead-saved/);
      await expect(details).toContainText('Silver');
      await expect(details).not.toContainText('4200');

      const actions = page.getByRole('complementary', { name: 'Lead actions' });
      const stageName = (await actions.getByLabel('Stage').locator('option').nth(1).textContent())!;
      await actions.getByLabel('Stage').selectOption({ label: stageName });
      await actions.getByRole('button', { name: 'Change stage' }).click();
      await expect(page.getByRole('status').filter({ hasText: `Moved to ${stageName}.` })).toBeVisible();
      await expect(page.getByTestId('timeline-item').first()).toContainText(`to ${stageName}`);

      await actions.getByLabel('Assignee').selectOption({ label: 'Sergio Sales (sales@acme.test)' });
      await actions.getByRole('button', { name: 'Assign' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Lead assigned.' })).toBeVisible();
      await expect(page.getByText('Assigned to Sergio Sales')).toBeVisible();

      const leadUrl = new URL(page.url()).pathname;
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Delete Custom ${tag}?` });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(page).toHaveURL(new RegExp(leadUrl)); // cancelled: still here
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await dialog.getByRole('button', { name: 'Delete lead' }).click();
      await expect(page).toHaveURL(/\/crm\?notice=lead-deleted$/);
      await expect(page.getByRole('status').filter({ hasText: 'Lead deleted.' })).toBeVisible();
      expect((await page.goto(leadUrl))!.status()).toBe(404);
      await page.context().close();
    } finally {
      for (const id of fieldIds) await trpcMutation(owner.request, 'crm.customFields.delete', { id });
      await ownerContext.close();
    }
  });

  test('an account is edited and gets a new contact from its page', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'sales');
    await page.goto('/crm/accounts');
    await page.getByRole('link', { name: 'New account' }).click();
    await page.getByLabel('Name', { exact: true }).fill(`Acct ${tag}`);
    await page.getByLabel('Domain').fill(`https://www.acct-${tag}.example/about`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(/\/crm\/accounts\/[0-9a-f-]{36}\?notice=account-created$/);
    await expect(page.getByText(`acct-${tag}.example`, { exact: true })).toBeVisible(); // normalised domain

    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByLabel('Industry').fill('Aerospace');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/notice=account-saved/);
    await expect(page.getByText('Aerospace', { exact: true })).toBeVisible();

    await page.getByRole('link', { name: 'Add contact' }).click();
    await expect(page.getByLabel('Account', { exact: true })).toHaveValue(/[0-9a-f-]{36}/);
    await page.getByLabel('First name').fill('Katherine');
    await page.getByLabel('Last name').fill(`Johnson ${tag}`);
    await page.getByLabel('E-mail').fill(`kj-${tag}@example.test`);
    await page.getByRole('button', { name: 'Create contact' }).click();
    await expect(page).toHaveURL(/\/crm\/contacts\/[0-9a-f-]{36}\?notice=contact-created$/);
    await expect(page.getByTestId('contact-name')).toHaveText(`Katherine Johnson ${tag}`);
    await page.getByRole('link', { name: `Acct ${tag}` }).click();
    await expect(page.getByTestId('account-contacts')).toContainText(`Katherine Johnson ${tag}`);

    // a second contact with the same e-mail is refused (contacts' e-mails are unique)
    await page.goto('/crm/contacts/new');
    await page.getByLabel('First name').fill('Kate');
    await page.getByLabel('E-mail').fill(`KJ-${tag}@example.test`);
    await page.getByRole('button', { name: 'Create contact' }).click();
    await expect(page.getByTestId('duplicate-match')).toContainText(`Katherine Johnson ${tag}`);
    await page.getByLabel('Reason to save anyway').fill('trying anyway');
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Another contact has that e-mail' })).toBeVisible();
  });

  test("a contact's account is found by typing part of its name (crm.accounts.lookup)", async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'sales');
    const created = await trpcMutation<{ id: string }>(page.request, 'crm.accounts.create', { name: `Zyxwv ${tag} Holdings` });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const accountId = created.body!.result!.data.id;
    await page.goto('/crm/contacts/new');
    await page.getByLabel('Find an account').fill(`zyxwv ${tag}`);
    await expect(page.getByRole('status').filter({ hasText: 'account matches' })).toHaveText('1 account matches; choose below.');
    await page.getByLabel('Account', { exact: true }).selectOption({ label: `Zyxwv ${tag} Holdings` });
    // a search that finds nothing keeps the choice
    await page.getByLabel('Find an account').fill(`no such account ${tag}`);
    await expect(page.getByRole('status').filter({ hasText: 'No account matches.' })).toBeVisible();
    await expect(page.getByLabel('Account', { exact: true })).toHaveValue(accountId);
    await page.getByLabel('First name').fill('Mary');
    await page.getByLabel('Last name').fill(`Jackson ${tag}`);
    await page.getByRole('button', { name: 'Create contact' }).click();
    await expect(page).toHaveURL(/\/crm\/contacts\/[0-9a-f-]{36}\?notice=contact-created$/);
    await expect(page.getByRole('link', { name: `Zyxwv ${tag} Holdings` })).toBeVisible();
  });
});
