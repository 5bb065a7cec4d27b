import { test as base, expect, type APIRequestContext, type APIResponse, type Browser, type BrowserContext, type Page, type Response } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { demoLogin, e2eState, type DemoRole } from './state';

export { expect };
export { demoLogin, e2eState };

/** The server's address is only known once the global setup has started it. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(e2eState().baseURL);
  },
});

export const unique = () => randomBytes(4).toString('hex');

/** Logs in through the /login form and waits until the browser has left /login. */
export async function login(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

export async function loginAs(page: Page, role: DemoRole): Promise<void> {
  const { email, password } = demoLogin(role);
  await login(page, email, password);
}

/** A new browser context (its own cookie jar) pointed at the server. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ baseURL: e2eState().baseURL });
}

/**
 * Submits the log-in form once and waits for the server's answer (the alert text
 * alone cannot tell two identical failures apart).
 */
export async function submitLogin(page: Page, email: string, password: string): Promise<Response> {
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/login')),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
  await expect(page.getByRole('button', { name: 'Log in' })).toBeEnabled();
  return response;
}

// ---------------------------------------------------------------- tRPC over HTTP (tRPC 11 fetch adapter, not batched)

export interface TrpcAnswer<T = unknown> {
  status: number;
  body: { result?: { data: T }; error?: { message: string; code: number; data?: { code?: string; httpStatus?: number } } } | null;
}

async function answer<T>(response: APIResponse): Promise<TrpcAnswer<T>> {
  const text = await response.text();
  let body: TrpcAnswer<T>['body'] = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status(), body };
}

export async function trpcQuery<T = unknown>(request: APIRequestContext, procedure: string, input?: unknown): Promise<TrpcAnswer<T>> {
  const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return answer<T>(await request.get(`/api/trpc/${procedure}${qs}`));
}

/** A same-origin mutation unless `headers` says otherwise. */
export async function trpcMutation<T = unknown>(
  request: APIRequestContext,
  procedure: string,
  input: unknown,
  headers: Record<string, string> = { Origin: e2eState().baseURL },
): Promise<TrpcAnswer<T>> {
  return answer<T>(
    await request.post(`/api/trpc/${procedure}`, {
      data: JSON.stringify(input),
      headers: { 'Content-Type': 'application/json', ...headers },
    }),
  );
}

interface TenantRow {
  id: string;
  name: string;
  slug: string;
  status: string;
}

/** Tenants matching a search, through the platform tRPC query (the caller must be platform staff). */
export async function findTenants(request: APIRequestContext, search: string): Promise<TenantRow[]> {
  const res = await trpcQuery<{ items: TenantRow[] }>(request, 'admin.tenants.list', { search, offset: 0, limit: 100 });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body!.result!.data.items;
}

export const TEST_PASSWORD = 'e2e correct horse battery';

/**
 * Creates a user through super_admin's /admin/users form (in a context of its own,
 * closed afterwards) holding a role in the given tenant (Acme unless told).
 */
export async function createTenantUser(
  browser: Browser,
  options: { role: 'owner' | 'admin' | 'manager' | 'sales' | 'viewer'; tenantName?: string; prefix?: string },
): Promise<{ email: string; password: string }> {
  const email = `${options.prefix ?? 'e2e'}-${unique()}@example.test`;
  const password = TEST_PASSWORD;
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    await loginAs(page, 'super_admin');
    await page.goto('/admin/users');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create user' }) });
    await form.getByLabel('E-mail', { exact: true }).fill(email);
    await form.getByLabel('Name', { exact: true }).fill(`E2E ${options.role}`);
    await form.getByLabel('Initial password', { exact: true }).fill(password);
    await form.getByLabel('Platform role', { exact: true }).selectOption('none');
    await form.getByLabel('Tenant', { exact: true }).selectOption({ label: options.tenantName ?? 'Acme' });
    await form.getByLabel('Tenant role', { exact: true }).selectOption(options.role);
    await form.getByRole('button', { name: 'Create user' }).click();
    await expect(page.getByRole('status')).toHaveText('User created.');
    await page.goto(`/admin/users?q=${encodeURIComponent(email)}`);
    await expect(page.getByTestId(`user-${email}`)).toContainText(`${options.tenantName ?? 'Acme'} (${options.role})`);
  } finally {
    await context.close();
  }
  return { email, password };
}
