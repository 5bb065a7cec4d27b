import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, loginAs, test, trpcMutation, unique } from './support/fixtures';

/**
 * Merging duplicate contacts and accounts (/crm/contacts/:id/merge, /crm/accounts/:id/merge)
 * as the demo tenant's manager; the lead merge is in crm-leads.spec.ts. Every record is
 * created here, with a unique tag.
 */

async function mutate<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const res = await trpcMutation<T>(request, procedure, input);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body!.result!.data;
}

async function expectAccessible(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${what} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test.describe('CRM merge screens', () => {
  test('a manager merges two duplicate contacts from the duplicate warning; the survivor keeps both timelines and the chosen values', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'manager');
    const original = (await mutate<{ contact: { id: string } }>(page.request, 'crm.contacts.create', { firstName: 'Grace', lastName: `Hopper ${tag}`, email: `grace-${tag}@example.test` })).contact;
    const duplicate = (
      await mutate<{ contact: { id: string } }>(page.request, 'crm.contacts.create', { firstName: 'G.', lastName: `Hopper ${tag}`, email: `g.hopper-${tag}@example.test`, position: 'Rear Admiral' })
    ).contact;
    await mutate(page.request, 'crm.activities.create', { contactId: original.id, kind: 'call', title: `Call with the original ${tag}` });
    await mutate(page.request, 'crm.activities.create', { contactId: duplicate.id, kind: 'meeting', title: `Meeting with the duplicate ${tag}` });

    // typing the original's e-mail on the duplicate flags it; "Merge into it" opens the merge screen
    await page.goto(`/crm/contacts/${duplicate.id}/edit`);
    await page.getByLabel('E-mail').fill(`GRACE-${tag}@example.test`);
    // the duplicate answer is a question, not a failed request: the browser logs no error for it
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('duplicate-match')).toContainText('same e-mail');
    expect(consoleErrors).toEqual([]);
    await page.getByRole('link', { name: `Merge into it (Grace Hopper ${tag})` }).click();
    await expect(page).toHaveURL(new RegExp(`/crm/contacts/${original.id}/merge\\?with=${duplicate.id}$`));

    const differing = page.getByRole('region', { name: 'Fields that differ' });
    await expect(differing.getByRole('row', { name: /^First name/ })).toBeVisible();
    // position is empty on the survivor: the merged contact's value is preselected
    await expect(differing.getByRole('radio', { name: 'Rear Admiral for Position' })).toBeChecked();
    await differing.getByRole('radio', { name: 'G. for First name' }).check();
    await expect(page.getByText(/Same in both: Last name/)).toBeVisible();
    const moves = page.getByTestId('merge-moves');
    await expect(moves).toContainText('Timeline: 1 activity.');
    await expect(moves).toContainText('Links to connected CRMs: none.');
    await expectAccessible(page, 'contact merge comparison');

    await page.getByRole('button', { name: 'Merge contacts…' }).click();
    const dialog = page.getByRole('dialog', { name: `Merge G. Hopper ${tag} into Grace Hopper ${tag}?` });
    await dialog.getByRole('button', { name: 'Merge' }).click();
    await expect(page).toHaveURL(new RegExp(`/crm/contacts/${original.id}\\?notice=contact-merged$`));
    await expect(page.getByRole('status').filter({ hasText: 'Contacts merged' })).toBeVisible();
    await expect(page.getByTestId('contact-name')).toHaveText(`G. Hopper ${tag}`);
    await expect(page.getByText(`grace-${tag}@example.test`)).toBeVisible();
    await expect(page.getByText(/Rear Admiral/)).toBeVisible();
    const timeline = page.getByTestId('timeline');
    await expect(timeline).toContainText(`Call with the original ${tag}`);
    await expect(timeline).toContainText(`Meeting with the duplicate ${tag}`);
    await expect(timeline).toContainText(`Merged contact "G. Hopper ${tag}" into this one`);

    const gone = await page.goto(`/crm/contacts/${duplicate.id}`);
    expect(gone!.status()).toBe(404);
  });

  test('a manager merges two accounts from the account page; the contacts move to the survivor', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'manager');
    const survivor = await mutate<{ id: string }>(page.request, 'crm.accounts.create', { name: `Babbage ${tag} Ltd`, domain: `babbage-${tag}.test` });
    const merged = await mutate<{ id: string }>(page.request, 'crm.accounts.create', { name: `Babbage ${tag} Limited`, domain: `babbage-${tag}.test`, industry: 'Engines' });
    await mutate(page.request, 'crm.contacts.create', { firstName: 'Ada', lastName: `Lovelace ${tag}`, email: `ada-${tag}@example.test`, accountId: merged.id });

    await page.goto(`/crm/accounts/${survivor.id}`);
    await page.getByRole('link', { name: 'Merge…' }).click();
    await expect(page).toHaveURL(new RegExp(`/crm/accounts/${survivor.id}/merge$`));
    // without a search, the page looks for accounts sharing this one's domain
    await expect(page.getByRole('list', { name: 'Accounts to merge' }).getByRole('listitem')).toHaveCount(1);
    await page.getByRole('link', { name: `Choose Babbage ${tag} Limited` }).click();
    await expect(page).toHaveURL(new RegExp(`with=${merged.id}`));

    const differing = page.getByRole('region', { name: 'Fields that differ' });
    await expect(differing.getByRole('radio', { name: `Babbage ${tag} Ltd for Name` })).toBeChecked();
    await expect(differing.getByRole('radio', { name: 'Engines for Industry' })).toBeChecked();
    await expect(page.getByTestId('merge-moves')).toContainText(`Contacts: 1 contact — Ada Lovelace ${tag}.`);
    await expectAccessible(page, 'account merge comparison');
    // readable on a phone: the comparison scrolls inside its own region, the page does not
    await page.setViewportSize({ width: 390, height: 800 });
    await expectAccessible(page, 'account merge comparison @390');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Merge accounts…' }).click();
    await page.getByRole('dialog', { name: `Merge Babbage ${tag} Limited into Babbage ${tag} Ltd?` }).getByRole('button', { name: 'Merge' }).click();
    await expect(page).toHaveURL(new RegExp(`/crm/accounts/${survivor.id}\\?notice=account-merged$`));
    await expect(page.getByTestId('account-name')).toHaveText(`Babbage ${tag} Ltd`);
    await expect(page.getByRole('link', { name: new RegExp(`Ada Lovelace ${tag}`) })).toBeVisible();
    await expect(page.getByText('Engines', { exact: true })).toBeVisible();
  });

  test('a sales user has no merge link and the merge screens refuse them', async ({ page }) => {
    const tag = unique();
    await loginAs(page, 'sales');
    const contact = (await mutate<{ contact: { id: string } }>(page.request, 'crm.contacts.create', { firstName: 'Solo', lastName: `Sales ${tag}` })).contact;
    await page.goto(`/crm/contacts/${contact.id}`);
    await expect(page.getByRole('link', { name: 'Edit' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Merge…' })).toHaveCount(0);
    expect((await page.goto(`/crm/contacts/${contact.id}/merge`))!.status()).toBe(403);
  });
});
