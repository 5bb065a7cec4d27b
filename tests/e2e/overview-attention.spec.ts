import { expect, loginAs, test } from './support/fixtures';

/**
 * invalid_grant tells the owner on the dashboard: a Salesforce connection whose refresh
 * token the CRM revoked goes to "error — re-authorization needed" on its next sync, and
 * the Overview page (already open) shows it without a reload (NOTIFY → SSE). The spec
 * creates its own Salesforce connection (the demo one stays untouched, waiting for
 * authorization with no tokens to revoke) and disconnects it at the end.
 */
test('a revoked refresh token shows on the owner dashboard live, with a way to re-authorize', async ({ page, context }) => {
  test.setTimeout(120_000);
  await loginAs(page, 'owner');
  const health = await (await page.request.get('/health')).json();
  const salesforceSandbox: string = health.sandboxes.salesforce;

  // a second Salesforce connection, authorized through the sandbox consent page
  await page.goto('/integrations');
  await page.getByRole('region', { name: 'Add a connection' }).getByRole('button', { name: 'Connect Salesforce' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/services/oauth2/authorize') || u.pathname.includes('authorize'));
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/integrations'));
  await page.goto('/integrations');
  const card = page.getByTestId('connection-salesforce').filter({ has: page.getByText('Connected', { exact: true }) }).first();
  await expect(card).toBeVisible();

  // nothing needs attention yet
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Needs attention' })).toHaveCount(0);

  // the CRM revokes every refresh token and expires the access tokens: the next call gets 401, the refresh invalid_grant
  expect((await page.request.post(`${salesforceSandbox}/_sandbox/tokens/revoke-refresh`, { data: {} })).ok()).toBe(true);
  expect((await page.request.post(`${salesforceSandbox}/_sandbox/tokens/expire`, { data: {} })).ok()).toBe(true);

  // a second tab starts a sync; the dashboard tab learns the outcome live
  const other = await context.newPage();
  await other.goto('/integrations');
  const otherCard = other.getByTestId('connection-salesforce').filter({ has: other.getByText('Connected', { exact: true }) }).first();
  await otherCard.getByRole('button', { name: 'Sync now' }).click();
  await expect(otherCard.getByRole('status')).toHaveText(/Sync queued|already (running|queued)/);

  const notice = page.getByRole('region', { name: 'Needs attention' });
  await expect(notice).toBeVisible({ timeout: 60_000 });
  await expect(notice.getByTestId('attention-connection')).toContainText('Salesforce');
  await expect(notice.getByTestId('attention-connection')).toContainText(/re-authorization needed/i);
  await expect(notice.getByRole('link', { name: 'Re-authorize' })).toHaveAttribute('href', '/integrations');

  // the card says so too, and the connection is not retried: its next sync is cleared
  await other.goto('/integrations');
  const errored = other.getByTestId('connection-salesforce').filter({ hasText: /re-authorization needed/i }).first();
  await expect(errored.getByTestId('connection-status')).toHaveText('Error');
  await expect(errored.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
  await expect(errored.getByRole('button', { name: 'Re-authorize' })).toBeVisible();

  // clean up: disconnect it, and the dashboard is calm again
  await errored.getByRole('button', { name: 'Disconnect' }).click();
  await other.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
  await expect(other.getByRole('status').filter({ hasText: 'Disconnected' })).toBeVisible();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Needs attention' })).toHaveCount(0);
  await other.close();
});
