import { createTenantUser, expect, login, loginAs, newContext, submitLogin, test } from './support/fixtures';

test('disabling a user ends their session at once', async ({ browser }) => {
  const user = await createTenantUser(browser, { role: 'sales', prefix: 'disable' });

  const userContext = await newContext(browser);
  const adminContext = await newContext(browser);
  try {
    const userPage = await userContext.newPage();
    await login(userPage, user.email, user.password);
    await expect(userPage).toHaveURL((url) => url.pathname === '/');
    await expect(userPage.getByTestId('user-email')).toHaveText(user.email);
    // The session works before the change.
    const crm = await userPage.goto('/crm');
    expect(crm!.status()).toBe(200);

    const adminPage = await adminContext.newPage();
    await loginAs(adminPage, 'super_admin');
    await adminPage.goto(`/admin/users?q=${encodeURIComponent(user.email)}`);
    const row = adminPage.getByTestId(`user-${user.email}`);
    await expect(row).toContainText('active');
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect(adminPage.getByRole('status')).toHaveText('User disabled; their sessions ended.');
    await expect(row).toContainText('disabled');
    await expect(row.getByRole('button', { name: 'Enable' })).toBeVisible();

    // The next navigation, client-side, in the user's still-open tab lands on /login.
    await userPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await expect(userPage).toHaveURL((url) => url.pathname === '/login');
    // And a full page load too; the server cleared the cookie.
    await userPage.goto('/crm');
    await expect(userPage).toHaveURL((url) => url.pathname === '/login');
    expect((await userContext.cookies()).find((c) => c.name === '__Host-crmhub_session')).toBeUndefined();

    // A disabled user cannot log back in either.
    await userPage.goto('/login');
    await submitLogin(userPage, user.email, user.password);
    await expect(userPage).toHaveURL((url) => url.pathname === '/login');
    await expect(userPage.getByRole('alert')).toHaveText('Invalid e-mail or password.');
  } finally {
    await userContext.close();
    await adminContext.close();
  }
});
