import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { e2eState, expect, loginAs, newContext, test, trpcMutation } from './support/fixtures';

/**
 * The field mappings and sync settings screens, and the end of the connect flow (configure
 * → success → map fields). The spec connects a HubSpot connection of its own through the
 * sandbox consent page, so the demo tenant's seeded connections stay as they are, and
 * disconnects it at the end. It is created with a manual frequency, so no sync runs
 * against it (nothing is imported into the shared demo tenant).
 */

/** Axe on the page as it is (open panels included), then reloaded at a desktop and a phone width. */
async function axeClean(page: Page, label: string) {
  for (const width of [0, 1280, 390]) {
    if (width) {
      await page.setViewportSize({ width, height: 800 });
      await page.reload();
    }
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.violations.map((v) => `${label}@${width}px ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('owner connects, configures, maps fields and previews; a manager only reads', async ({ page, browser }) => {
  test.setTimeout(180_000);
  await loginAs(page, 'owner');

  // ---- connect: a new HubSpot connection → the sandbox consent page → Allow → the configure step
  const created = await trpcMutation<{ connection: { id: string }; authorizationUrl: string }>(page.request, 'connections.create', { provider: 'hubspot', frequency: 'manual' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const { connection, authorizationUrl } = created.body!.result!.data;
  const base = `/integrations/${connection.id}`;
  try {
    await page.goto(authorizationUrl);
    const [callback] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/integrations/hubspot/callback'),
      page.waitForURL((u) => u.pathname === `${base}/settings` && u.searchParams.get('welcome') === '1'),
      page.getByRole('button', { name: 'Allow' }).click(),
    ]);
    expect(callback.status()).toBe(302);
    // (the server's security headers add the same policy again: every value must be no-referrer)
    expect(callback.headers()['referrer-policy']?.split(/[\n,]\s*/)).toEqual(expect.arrayContaining(['no-referrer']));
    expect(new Set(callback.headers()['referrer-policy']?.split(/[\n,]\s*/))).toEqual(new Set(['no-referrer']));
    await expect(page.getByText('Connected — choose how to sync.')).toBeVisible();
    await expect(page.getByTestId('connection-status')).toHaveText('Connected');

    // ---- settings: frequency, strategy and a filter rule; save shows success pointing at the mappings
    const settings = page.getByRole('form', { name: 'Sync settings' });
    await settings.getByRole('radio', { name: /^Daily/ }).check();
    await settings.getByRole('radio', { name: /^Manual review/ }).check();
    await settings.getByRole('button', { name: 'Add contact rule' }).click();
    await settings.getByLabel('Contacts rule 1: field').selectOption({ label: 'E-mail' });
    await settings.getByLabel('Contacts rule 1: operator').selectOption({ label: 'contains' });
    await settings.getByLabel('Contacts rule 1: value').fill('@');
    await expect(page.getByTestId('api-calls-today')).toContainText('API call');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'All set.' })).toBeVisible();

    // test connection shows who we are connected as
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByRole('status').filter({ hasText: /The connection works: connected as .+/ })).toBeVisible();

    // a reload (without the welcome) shows what was saved
    await page.goto(`${base}/settings`);
    await expect(settings.getByRole('radio', { name: /^Daily/ })).toBeChecked();
    await expect(settings.getByRole('radio', { name: /^Manual review/ })).toBeChecked();
    await expect(settings.getByLabel('Contacts rule 1: field')).toHaveValue('email');
    await expect(settings.getByLabel('Contacts rule 1: operator')).toHaveValue('contains');
    await expect(settings.getByLabel('Contacts rule 1: value')).toHaveValue('@');
    await axeClean(page, 'settings');

    // remove the rule again: saved without it
    await settings.getByRole('button', { name: 'Remove contacts rule 1' }).click();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Sync settings saved.' })).toBeVisible();
    await page.reload();
    await expect(settings.getByTestId('filter-rule')).toHaveCount(0);

    // ---- success → Map fields
    await page.goto(`${base}/settings?welcome=1`);
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('link', { name: 'Map fields' }).click();
    await expect(page).toHaveURL(new RegExp(`${base}/mappings$`));

    // ---- mappings: contacts — delete with confirm, then auto-map brings it back
    await page.getByRole('navigation', { name: 'Entities' }).getByRole('link', { name: 'Contacts' }).click();
    const table = page.getByRole('region', { name: 'Field mappings of contacts' });
    await expect(table.getByTestId('mapping-row')).toHaveCount(5);
    await table.getByRole('button', { name: 'Delete mapping Position ↔ Job Title' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete Position ↔ Job Title?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(table.getByTestId('mapping-row')).toHaveCount(5);
    await table.getByRole('button', { name: 'Delete mapping Position ↔ Job Title' }).click();
    await confirm.getByRole('button', { name: 'Delete mapping' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Mapping deleted.' })).toBeVisible();
    await expect(table.getByTestId('mapping-row')).toHaveCount(4);
    await table.getByRole('button', { name: /^Delete mapping Phone ↔/ }).click();
    await page.getByRole('dialog', { name: /^Delete Phone ↔/ }).getByRole('button', { name: 'Delete mapping' }).click();
    await expect(table.getByTestId('mapping-row')).toHaveCount(3);
    // auto-map is a review: Cancel changes nothing
    const review = page.getByRole('dialog', { name: 'Review auto-map suggestions' });
    await page.getByRole('button', { name: 'Auto-map' }).click();
    await expect(review.getByTestId('automap-suggestion')).toHaveCount(2);
    await review.getByRole('button', { name: 'Cancel' }).click();
    await expect(review).toHaveCount(0);
    await expect(table.getByTestId('mapping-row')).toHaveCount(3);
    // every suggestion starts ticked; untick Phone, add the rest
    await page.getByRole('button', { name: 'Auto-map' }).click();
    const position = review.getByRole('checkbox', { name: /^Position ↔ Job Title/ });
    const phone = review.getByRole('checkbox', { name: /^Phone ↔/ });
    await expect(position).toBeChecked();
    await expect(phone).toBeChecked();
    await phone.press('Space');
    await expect(phone).not.toBeChecked();
    await expect(review.getByText('1 of 2 suggestions chosen')).toBeVisible();
    // the open review dialog: axe-clean and readable at 390 px (axeClean reloads, which would close it)
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(result.violations.map((v) => `auto-map review@${width}px ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      expect(await review.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await review.getByRole('button', { name: 'Add selected' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Auto-map added 1 mapping: position ↔ jobtitle.' })).toBeVisible();
    await expect(table.getByTestId('mapping-row')).toHaveCount(4);
    await expect(table.getByRole('row', { name: /Position.*Job Title/ })).toBeVisible();
    await expect(table.getByRole('row', { name: /^Phone/ })).toHaveCount(0);
    // the unticked one is still suggested; adding it leaves nothing to suggest
    await page.getByRole('button', { name: 'Auto-map' }).click();
    await expect(review.getByTestId('automap-suggestion')).toHaveCount(1);
    await review.getByRole('button', { name: 'Add selected' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Auto-map added 1 mapping: phone ↔ phone/ })).toBeVisible();
    await expect(table.getByTestId('mapping-row')).toHaveCount(5);
    await page.getByRole('button', { name: 'Auto-map' }).click();
    await expect(review.getByText('Nothing to suggest')).toBeVisible();
    await expect(review.getByRole('button', { name: 'Add selected' })).toHaveCount(0);
    await review.getByRole('button', { name: 'Cancel' }).click();

    // the CRM field list is cached per connection; Refresh reads it again
    await expect(page.getByTestId('fields-read-at')).toContainText(/CRM field list \(\d+ fields\) read/);
    await page.getByRole('button', { name: 'Refresh CRM fields' }).click();
    await expect(page.getByRole('status').filter({ hasText: /The CRM field list was read again \(\d+ fields\)\./ })).toBeVisible();
    await expect(page.getByTestId('fields-read-at')).toContainText('just now');

    // ---- accounts: add through the dialog's searchable pickers
    await page.getByRole('navigation', { name: 'Entities' }).getByRole('link', { name: 'Accounts' }).click();
    const accounts = page.getByRole('region', { name: 'Field mappings of accounts' });
    await expect(accounts.getByTestId('mapping-row')).toHaveCount(4);
    await page.getByRole('button', { name: 'Add mapping' }).click();
    const add = page.getByRole('dialog', { name: 'Add a mapping' });
    await add.getByRole('searchbox', { name: 'Search CRM fields' }).fill('cit');
    await expect(add.getByRole('radio', { name: /Country/ })).toHaveCount(0);
    await add.getByRole('radio', { name: /^City \(city\)/ }).check();
    // Name is mapped already: a second mapping writing it is refused, with the reason in the dialog
    await add.getByRole('searchbox', { name: 'Search app fields' }).fill('name');
    await add.getByRole('radio', { name: /^Name \(name\)/ }).check();
    await add.getByRole('button', { name: 'Add mapping' }).click();
    await expect(add.getByText('2 mappings write the app field "name".').first()).toBeVisible();
    await add.getByRole('searchbox', { name: 'Search app fields' }).fill('addr');
    await add.getByRole('radio', { name: /^Address \(address\)/ }).check();
    await add.getByRole('button', { name: 'Add mapping' }).click();
    await expect(add).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'Mapping added: address ↔ city.' })).toBeVisible();
    const row = accounts.getByRole('row', { name: /Address.*City/ });
    await expect(row).toContainText('Both ways');
    await expect(accounts.getByTestId('mapping-row')).toHaveCount(5);

    // edit: direction and a transform
    await row.getByRole('button', { name: 'Edit mapping Address ↔ City' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Address ↔ City' });
    await edit.getByLabel('Direction').selectOption({ label: 'CRM → App — Only CRM changes are written to the app.' });
    await edit.getByLabel('Add a step').selectOption({ label: 'Upper case' });
    await edit.getByRole('button', { name: 'Add step' }).click();
    await edit.getByLabel('Add a step').selectOption({ label: 'Value map' });
    await edit.getByRole('button', { name: 'Add step' }).click();
    await edit.getByLabel('One “CRM value = app value” per line').fill('NOWHERE = SOMEWHERE\nATLANTIS = ');
    await expect(edit.getByTestId('transform-step')).toHaveCount(2);
    await edit.getByRole('button', { name: 'Save mapping' }).click();
    await expect(edit).toHaveCount(0);
    await expect(row).toContainText('CRM → App');
    await expect(row).toContainText('Upper case → Value map (2)');

    // preview: five CRM records through the mapping, the city upper-cased into Address
    await page.getByRole('button', { name: 'Load preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview of CRM records' });
    await expect(preview.getByTestId('preview-record')).toHaveCount(5);
    await expect(preview.getByRole('columnheader', { name: 'Address' })).toBeVisible();
    const addresses = await preview.getByTestId('preview-record').evaluateAll((rows) => {
      const header = [...document.querySelectorAll('[aria-label="Preview of CRM records"] th')].map((th) => th.textContent);
      const at = header.indexOf('Address');
      return rows.map((r) => r.querySelectorAll('td')[at]?.textContent ?? '');
    });
    expect(addresses.filter((a) => a !== '—').every((a) => a === a.toUpperCase())).toBe(true);
    await axeClean(page, 'mappings');

    // delete with confirm
    await accounts.getByRole('button', { name: 'Delete mapping Address ↔ City' }).click();
    await page.getByRole('dialog', { name: 'Delete Address ↔ City?' }).getByRole('button', { name: 'Delete mapping' }).click();
    await expect(accounts.getByRole('row', { name: /Address.*City/ })).toHaveCount(0);
    await expect(accounts.getByTestId('mapping-row')).toHaveCount(4);

    // ---- a manager reads both screens and can change nothing
    const context = await newContext(browser);
    try {
      const manager = await context.newPage();
      await loginAs(manager, 'manager');
      await manager.goto(`${base}/mappings?entity=contact`);
      await expect(manager.getByRole('region', { name: 'Field mappings of contacts' }).getByTestId('mapping-row')).toHaveCount(5);
      await expect(manager.getByText('You can read the mappings; owners and admins change them.')).toBeVisible();
      for (const name of ['Add mapping', 'Auto-map', 'Reset to defaults', 'Load preview']) await expect(manager.getByRole('button', { name })).toHaveCount(0);
      await expect(manager.getByRole('button', { name: /^(Edit|Delete) mapping/ })).toHaveCount(0);
      const forgedReset = await manager.request.post(`${base}/mappings?entity=contact`, { form: { intent: 'reset', entity: 'contact' }, headers: { Origin: e2eState().baseURL } });
      expect(forgedReset.status()).toBe(403);
      await axeClean(manager, 'mappings (manager)');
      await manager.goto(`${base}/settings`);
      await expect(manager.getByRole('radio', { name: /^Daily/ })).toBeChecked();
      await expect(manager.getByRole('radio', { name: /^Daily/ })).toBeDisabled();
      await expect(manager.getByRole('button', { name: 'Save settings' })).toHaveCount(0);
      await expect(manager.getByRole('button', { name: 'Test connection' })).toHaveCount(0);
      // the action refuses a manager's post even when the form is forged
      const forged = await manager.request.post(`${base}/settings`, {
        form: { intent: 'save', frequency: 'hourly', direction: 'pull', entities: 'contact', conflictStrategy: 'crm_wins', dailyApiBudgetPercent: '50' },
        headers: { Origin: e2eState().baseURL },
      });
      expect(forged.status()).toBe(403);
      await axeClean(manager, 'settings (manager)');
    } finally {
      await context.close();
    }
  } finally {
    const gone = await trpcMutation(page.request, 'connections.disconnect', { id: connection.id });
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
  }
});

test('Salesforce: a required CRM field left unmapped is highlighted until the mappings are reset', async ({ page }) => {
  test.setTimeout(120_000);
  await loginAs(page, 'owner');
  const created = await trpcMutation<{ connection: { id: string }; authorizationUrl: string }>(page.request, 'connections.create', { provider: 'salesforce', frequency: 'manual' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const { connection, authorizationUrl } = created.body!.result!.data;
  const base = `/integrations/${connection.id}`;
  try {
    await page.goto(authorizationUrl);
    await Promise.all([page.waitForURL((u) => u.pathname === `${base}/settings`), page.getByRole('button', { name: 'Allow' }).click()]);

    await page.goto(`${base}/mappings?entity=contact`);
    const table = page.getByRole('region', { name: 'Field mappings of contacts' });
    await expect(table.getByTestId('mapping-row')).toHaveCount(5);
    await expect(table.getByTestId('required-unmapped')).toHaveCount(0);

    // the add dialog marks required CRM fields; it passes axe while open
    await page.getByRole('button', { name: 'Add mapping' }).click();
    const add = page.getByRole('dialog', { name: 'Add a mapping' });
    await add.getByRole('searchbox', { name: 'Search CRM fields' }).fill('LastName');
    await expect(add.getByRole('radio', { name: /^Last Name \(LastName\).*required/ })).toBeVisible();
    const open = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(open.violations.map((v) => `add dialog ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(add).toHaveCount(0);

    // without the Last Name mapping, Salesforce would refuse contacts created from the app
    await table.getByRole('button', { name: 'Delete mapping Last name ↔ Last Name' }).click();
    await page.getByRole('dialog', { name: 'Delete Last name ↔ Last Name?' }).getByRole('button', { name: 'Delete mapping' }).click();
    await expect(table.getByTestId('mapping-row')).toHaveCount(4);
    const required = table.getByTestId('required-unmapped');
    await expect(required).toHaveCount(1);
    await expect(required).toContainText('Last Name (LastName)');
    await expect(required).toContainText('Required by the CRM');

    // reset to defaults (after a confirmation) brings the mapping back
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset the contacts mappings?' });
    await reset.getByRole('button', { name: 'Cancel' }).click();
    await expect(required).toHaveCount(1);
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    await reset.getByRole('button', { name: 'Reset mappings' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The mappings are back to the defaults.' })).toBeVisible();
    await expect(reset).toHaveCount(0);
    await expect(table.getByTestId('mapping-row')).toHaveCount(5);
    await expect(required).toHaveCount(0);
  } finally {
    const gone = await trpcMutation(page.request, 'connections.disconnect', { id: connection.id });
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
  }
});
