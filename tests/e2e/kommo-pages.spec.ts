import AxeBuilder from '@axe-core/playwright';
import { expect, loginAs, test } from './support/fixtures';

/**
 * The Kommo pages (issue 6): connecting with the sandbox's long-lived token through the
 * form, webhooks from the sandbox reaching the mirror through the real job runner, and
 * WCAG 2.1 A/AA (axe-core) at desktop and phone widths, empty and with data.
 */
test('Kommo pages: connect, mirror filled by webhooks, no WCAG A/AA violations', async ({ page }) => {
  test.setTimeout(120_000);
  const health = await (await page.request.get('/health')).json();
  const kommo: string = health.sandboxes.kommo;
  await loginAs(page, 'owner');
  await page.goto('/kommo/connection');
  const check = async (path: string) => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(path);
      const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(result.violations.map((v) => `${path}@${width}px ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
  };
  await check('/kommo');
  await check('/kommo/connection');
  await page.getByLabel('Kommo account address').fill('crmhubsandbox');
  await page.getByLabel('Long-lived token', { exact: true }).fill('kommo-sandbox-long-lived-token');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.getByText('Kommo is connected.')).toBeVisible();
  const hook = await page.getByLabel('Webhook URL').inputValue();
  const url = new URL(hook);
  await page.request.post(`${kommo}/_sandbox/webhooks`, { data: { url: `${new URL(page.url()).origin}${url.pathname}` } });
  await page.request.post(`${kommo}/_sandbox/records/modify`, { data: { count: 5 } });
  await expect.poll(async () => (await (await page.request.get(`${kommo}/_sandbox/webhooks`)).json()).deliveries.length).toBeGreaterThan(0);
  await expect.poll(async () => { await page.goto('/kommo'); return page.getByRole('region', { name: 'Kommo leads' }).count(); }, { timeout: 20_000 }).toBe(1);
  for (const path of ['/kommo', '/kommo/connection', '/kommo/activity', '/kommo/exceptions']) await check(path);
  // the webhooks reached the mirror through the real job runner
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/kommo');
  await expect(page.getByRole('region', { name: 'Kommo leads' }).getByRole('row')).toHaveCount(6);
});
