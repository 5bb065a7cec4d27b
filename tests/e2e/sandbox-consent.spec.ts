import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from './support/fixtures';

/**
 * The sandboxes' OAuth consent pages, clicked by a person in a real browser: Allow
 * redirects back with a code (and our state) that the token endpoint exchanges once;
 * Deny redirects back with an error.
 */
const verifier = randomBytes(48).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

const flows = [
  {
    provider: 'salesforce',
    authorize: (base: string, redirect: string, state: string) =>
      `${base}/services/oauth2/authorize?response_type=code&client_id=${encodeURIComponent('3MVG9CRMHubSandbox.DemoConnectedApp.ConsumerKey')}&redirect_uri=${encodeURIComponent(redirect)}&state=${state}&code_challenge=${challenge}&code_challenge_method=S256`,
    exchange: (base: string, redirect: string, code: string) =>
      fetch(`${base}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: '3MVG9CRMHubSandbox.DemoConnectedApp.ConsumerKey', client_secret: 'CRMHUB0SANDBOX0DEMO0CONSUMER0SECRET', code_verifier: verifier }),
      }),
  },
  {
    provider: 'hubspot',
    authorize: (base: string, redirect: string, state: string) =>
      `${base}/oauth/authorize?client_id=5a4db0c8-6b1e-4c0e-9d3a-0b5f1c2d3e4f&scope=crm.objects.contacts.read&redirect_uri=${encodeURIComponent(redirect)}&state=${state}`,
    exchange: (base: string, redirect: string, code: string) =>
      fetch(`${base}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: '5a4db0c8-6b1e-4c0e-9d3a-0b5f1c2d3e4f', client_secret: 'c0ffee00-5a4d-4b0c-8e1f-sandbox00001' }),
      }),
  },
  {
    provider: 'kommo',
    authorize: (base: string, redirect: string, state: string) => `${base}/oauth?client_id=6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b&state=${state}&mode=post_message&redirect_uri=${encodeURIComponent(redirect)}`,
    exchange: (base: string, redirect: string, code: string) =>
      fetch(`${base}/oauth2/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', client_secret: 'kommo-sandbox-secret-0123456789abcdefghijklmnopqrstuv' }),
      }),
  },
];

for (const flow of flows) {
  test(`${flow.provider} sandbox consent page: Allow gives a single-use code, Deny an error`, async ({ page, request, baseURL }) => {
    const sandboxes = (await (await request.get('/health')).json()).sandboxes as Record<string, string>;
    const base = sandboxes[flow.provider]!;
    const redirect = `${baseURL}/oauth-callback-probe`;
    const state = randomBytes(16).toString('hex');

    await page.goto(flow.authorize(base, redirect, state));
    await expect(page.getByText(/sandbox/i).first()).toBeVisible();
    await Promise.all([page.waitForURL((u) => u.pathname === '/oauth-callback-probe'), page.getByRole('button', { name: 'Allow' }).click()]);
    const back = new URL(page.url());
    expect(back.searchParams.get('state')).toBe(state);
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const first = await flow.exchange(base, redirect, code);
    expect(first.status, await first.clone().text()).toBe(200);
    expect((await first.json()).access_token).toBeTruthy();
    const replay = await flow.exchange(base, redirect, code);
    expect(replay.status).toBeGreaterThanOrEqual(400);

    await page.goto(flow.authorize(base, redirect, state));
    await Promise.all([page.waitForURL((u) => u.pathname === '/oauth-callback-probe'), page.getByRole('button', { name: 'Deny' }).click()]);
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
  });
}
