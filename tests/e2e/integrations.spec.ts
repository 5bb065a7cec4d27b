import AxeBuilder from '@axe-core/playwright';
import { e2eState, expect, loginAs, test } from './support/fixtures';

/**
 * The Integrations page of the sync engine: the demo tenant's Salesforce and HubSpot
 * connections (seeded pending_auth against the demo sandboxes), the OAuth round trip
 * through the sandbox consent page, sync now, pause and resume.
 */
test('owner connects HubSpot through the sandbox consent page, syncs, pauses and resumes', async ({ page }) => {
  test.setTimeout(120_000);
  await loginAs(page, 'owner');
  await page.goto('/integrations');
  await expect(page.getByRole('heading', { level: 1, name: 'Integrations' })).toBeVisible();

  // the seeded connections are the oldest, listed last (other specs add and disconnect their own)
  const salesforce = page.getByTestId('connection-salesforce').last();
  const hubspot = page.getByTestId('connection-hubspot').last();
  await expect(salesforce.getByRole('heading', { name: /Salesforce/ })).toBeVisible();
  await expect(hubspot.getByRole('heading', { name: /HubSpot/ })).toBeVisible();
  await expect(hubspot.getByTestId('connection-status')).toHaveText('Waiting for authorization');
  await expect(salesforce.getByTestId('connection-status')).toHaveText('Waiting for authorization');

  // Connect → the sandbox's consent page (another origin) → Allow → the connection's configure step
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/oauth/authorize')), hubspot.getByRole('button', { name: 'Connect', exact: true }).click()]);
  await Promise.all([page.waitForURL((u) => /^\/integrations\/[0-9a-f-]{36}\/settings$/.test(u.pathname) && u.searchParams.get('welcome') === '1'), page.getByRole('button', { name: 'Allow' }).click()]);
  await expect(page.getByText('Connected — choose how to sync.')).toBeVisible();
  await page.goto('/integrations');
  await expect(hubspot.getByTestId('connection-status')).toHaveText('Connected');
  await expect(salesforce.getByTestId('connection-status')).toHaveText('Waiting for authorization');

  // Sync now: the job runner picks it up; a run shows in the card's recent runs
  await hubspot.getByRole('button', { name: 'Sync now' }).click();
  await expect(hubspot.getByRole('status')).toHaveText(/Sync queued|already (running|queued)/);
  await expect(async () => {
    await page.goto('/integrations');
    await expect(hubspot.getByTestId('sync-run').first()).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ timeout: 60_000, intervals: [1_000] });
  await expect(hubspot.getByRole('region', { name: 'Recent sync runs of HubSpot' })).toContainText(/Contact|Account/);
  // the card counts the records now linked to HubSpot (the demo sandbox has some of each)
  await expect(async () => {
    await page.goto('/integrations');
    expect(Number((await hubspot.getByTestId('records-synced').innerText()).replace(/,/g, ''))).toBeGreaterThan(0);
  }).toPass({ timeout: 60_000, intervals: [1_000] });

  // a second trigger right away answers with what is running or queued, or queues a new one
  await hubspot.getByRole('button', { name: 'Sync now' }).click();
  await expect(hubspot.getByRole('status')).toHaveText(/Sync queued|already (running|queued)/);

  // Pause and resume
  await hubspot.getByRole('button', { name: 'Pause' }).click();
  await expect(hubspot.getByTestId('connection-status')).toHaveText('Paused');
  await expect(hubspot.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
  await hubspot.getByRole('button', { name: 'Resume' }).click();
  await expect(hubspot.getByTestId('connection-status')).toHaveText('Connected');
  await expect(hubspot.getByRole('button', { name: 'Sync now' })).toBeVisible();

  // the connected card with its runs table passes axe too, on a desktop and a phone
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/integrations');
    // the cards fit the screen; the runs table scrolls inside its own region
    expect(await hubspot.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(width);
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.violations.map((v) => `@${width}px ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
});

test('disconnect asks for confirmation first', async ({ page }) => {
  await loginAs(page, 'owner');
  await page.goto('/integrations');
  const salesforce = page.getByTestId('connection-salesforce').last();
  await salesforce.getByRole('button', { name: 'Disconnect' }).click();
  const dialog = page.getByRole('dialog', { name: 'Disconnect Salesforce?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(salesforce.getByTestId('connection-status')).toHaveText('Waiting for authorization');
});

test('managers read the cards without actions; sales reps get 403', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: e2eState().baseURL });
  const page = await context.newPage();
  await loginAs(page, 'manager');
  const response = await page.goto('/integrations');
  expect(response?.status()).toBe(200);
  const salesforce = page.getByTestId('connection-salesforce').last();
  await expect(salesforce.getByRole('heading', { name: /Salesforce/ })).toBeVisible();
  await expect(salesforce.getByRole('button')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Connect (Salesforce|HubSpot)/ })).toHaveCount(0);
  await context.close();

  const salesContext = await browser.newContext({ baseURL: e2eState().baseURL });
  const salesPage = await salesContext.newPage();
  await loginAs(salesPage, 'sales');
  expect((await salesPage.goto('/integrations'))?.status()).toBe(403);
  await salesContext.close();
});
