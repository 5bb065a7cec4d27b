import { createTenantUser, expect, submitLogin, test, unique } from './support/fixtures';

const INVALID = 'Invalid e-mail or password.';

test('ten wrong passwords lock the account; the right one is then refused', async ({ browser, page }) => {
  const user = await createTenantUser(browser, { role: 'viewer', prefix: 'lockout' });
  await page.goto('/login');
  const alert = page.getByRole('alert');

  for (let attempt = 1; attempt <= 10; attempt++) {
    const response = await submitLogin(page, user.email, `wrong password ${attempt}`);
    expect(response.status(), `attempt ${attempt}`).toBe(401);
    await expect(alert, `attempt ${attempt}`).toHaveText(INVALID);
    await expect(page).toHaveURL((url) => url.pathname === '/login');
  }

  const response = await submitLogin(page, user.email, user.password);
  expect(response.status()).toBe(429);
  await expect(alert).toContainText('Too many failed attempts');
  await expect(page).toHaveURL((url) => url.pathname === '/login');
  expect((await page.context().cookies()).find((c) => c.name === '__Host-crmhub_session')).toBeUndefined();
  // Not logged in: a protected page sends us back to the log-in form.
  await page.goto('/');
  await expect(page).toHaveURL((url) => url.pathname === '/login');
});

test('an unknown e-mail gets exactly the answer a wrong password gets', async ({ browser, page }) => {
  const user = await createTenantUser(browser, { role: 'viewer', prefix: 'enum' });
  await page.goto('/login');
  const alert = page.getByRole('alert');

  const known = await submitLogin(page, user.email, 'not the password');
  const knownText = await alert.textContent();
  expect(knownText).toBe(INVALID);

  await page.goto('/login');
  await expect(alert).toHaveCount(0);
  const unknown = await submitLogin(page, `nobody-${unique()}@example.test`, 'not the password');
  await expect(alert).toHaveText(INVALID);
  expect(await alert.textContent()).toBe(knownText);
  expect(unknown.status()).toBe(known.status());
});
