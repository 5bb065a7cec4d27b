import { expect, loginAs, test } from './support/fixtures';

/**
 * "Sync to Kommo" on a lead (issue 6, Proof): a sales user sees the created Kommo lead,
 * and on a lead whose phone Kommo already has, the existing one (nothing created).
 * Needs <SyncToKommo profileType="lead" profileId={lead.id} /> on the lead page.
 */
test('a sales user syncs a lead to Kommo: existing shown, new one created', async ({ page, baseURL }) => {
  const health = await (await page.request.get('/health')).json();
  const kommo: string = health.sandboxes.kommo;
  const token = 'kommo-sandbox-long-lived-token';

  await loginAs(page, 'owner');
  await page.goto('/kommo/connection');
  await page.getByLabel('Kommo account address').fill('crmhubsandbox');
  await page.getByLabel('Long-lived token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByText('Kommo is connected.')).toBeVisible();
  await page.getByRole('button', { name: 'Log out' }).click();

  const contacts = await (await page.request.get(`${kommo}/api/v4/contacts?limit=1&page=2`, { headers: { authorization: `Bearer ${token}` } })).json();
  const existingPhone: string = contacts._embedded.contacts[0].custom_fields_values.find((f: { field_code: string }) => f.field_code === 'PHONE').values[0].value;

  await loginAs(page, 'sales');
  const create = async (name: string, phone: string) => {
    await page.goto('/crm/leads/new');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Phone').fill(phone);
    await page.getByRole('button', { name: 'Create lead' }).click();
    await page.waitForURL(/\/crm\/leads\/[0-9a-f-]{36}(\?|$)/);
  };

  await create('Existing Person', existingPhone);
  await page.getByRole('button', { name: 'Sync to Kommo' }).click();
  await expect(page.getByText('Already in Kommo (matched by phone number). Nothing was created.')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Link to this Kommo lead' })).toBeVisible();

  await create('Brand New Person', '+14155550188');
  await page.getByRole('button', { name: 'Sync to Kommo' }).click();
  await expect(page.getByText('Created in Kommo.')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('link', { name: /Brand New Person/ })).toHaveAttribute('href', new RegExp(`^${kommo}/leads/detail/\\d+$`));
  void baseURL;
});
