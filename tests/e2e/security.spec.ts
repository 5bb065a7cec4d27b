import type { APIRequestContext } from '@playwright/test';
import { e2eState, expect, loginAs, test, trpcMutation, trpcQuery, unique } from './support/fixtures';

interface Overview {
  organization: { name: string; timezone: string; dayBoundaryHour: number };
}

async function workspace(request: APIRequestContext) {
  const res = await trpcQuery<Overview>(request, 'org.overview');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body!.result!.data.organization;
}

const crossSite: Record<string, Record<string, string>> = {
  'Origin: https://evil.example': { Origin: 'https://evil.example' },
  'Sec-Fetch-Site: cross-site': { 'Sec-Fetch-Site': 'cross-site' },
};

test.describe('CSRF', () => {
  test('cross-site POSTs are refused; same-origin ones go through', async ({ page }) => {
    await loginAs(page, 'owner');
    const before = await workspace(page.request);
    const hijacked = `Hijacked ${unique()}`;

    for (const [label, headers] of Object.entries(crossSite)) {
      const form = await page.request.post('/settings?index', {
        form: { name: hijacked, timezone: before.timezone, dayBoundaryHour: String(before.dayBoundaryHour) },
        headers,
        maxRedirects: 0,
      });
      expect(form.status(), `Remix action, ${label}`).toBe(403);
      expect(await form.text()).toBe('Cross-site request refused.');

      const rpc = await trpcMutation(page.request, 'org.updateSettings', { name: hijacked, timezone: before.timezone, dayBoundaryHour: before.dayBoundaryHour }, headers);
      expect(rpc.status, `tRPC mutation, ${label}`).toBe(403);
    }
    expect((await workspace(page.request)).name).toBe(before.name);

    // Same origin: the mutation is accepted (then the name is put back).
    const renamed = `Acme e2e ${unique()}`;
    try {
      const ok = await trpcMutation(page.request, 'org.updateSettings', { name: renamed, timezone: before.timezone, dayBoundaryHour: before.dayBoundaryHour }, { Origin: e2eState().baseURL });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(ok.body?.result?.data).toEqual({ ok: true });
      expect((await workspace(page.request)).name).toBe(renamed);

      // And the settings form, as a user submits it from the page.
      const viaForm = `Acme form ${unique()}`;
      await page.goto('/settings');
      await page.getByLabel('Workspace name', { exact: true }).fill(viaForm);
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect(page.getByRole('status')).toHaveText('Settings saved.');
      expect(await workspace(page.request)).toMatchObject({ name: viaForm, timezone: before.timezone, dayBoundaryHour: before.dayBoundaryHour });
    } finally {
      const restore = await trpcMutation(page.request, 'org.updateSettings', { name: before.name, timezone: before.timezone, dayBoundaryHour: before.dayBoundaryHour });
      expect(restore.status, JSON.stringify(restore.body)).toBe(200);
    }
    expect((await workspace(page.request)).name).toBe(before.name);
  });
});

test.describe('response hardening on /login', () => {
  test('security headers', async ({ page }) => {
    const response = await page.goto('/login');
    expect(response!.status()).toBe(200);
    const headers = response!.headers();

    const csp = headers['content-security-policy'];
    expect(csp, 'Content-Security-Policy is set').toBeTruthy();
    const directives = new Map(
      csp!
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((parts) => parts[0])
        .map(([name, ...values]) => [name!.toLowerCase(), values] as const),
    );
    const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
    expect(scriptSrc, 'script-src').toBeTruthy();
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(scriptSrc!.some((v) => v.startsWith("'nonce-"))).toBe(true);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);

    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy'], 'Referrer-Policy is set').toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);

    // A fresh nonce per response.
    const again = await page.request.get('/login');
    expect(again.headers()['content-security-policy']).not.toBe(csp);
  });

  test('no console errors, and the app hydrates under the CSP', async ({ page }) => {
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));

    await page.goto('/login', { waitUntil: 'networkidle' });
    // Remix's nonce'd inline scripts ran and the client router took over.
    await page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: { state: { initialized: boolean } } }).__remixRouter?.state.initialized));
    await expect(page.getByLabel('E-mail', { exact: true })).toBeFocused();
    expect(problems).toEqual([]);
  });
});
