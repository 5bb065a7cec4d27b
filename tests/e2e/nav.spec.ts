import { expect, loginAs, test } from './support/fixtures';
import type { DemoRole } from './support/state';

/** What each role's main navigation must show, in order (server/security/rbac.ts). */
const tenantNav: Record<'owner' | 'admin' | 'manager' | 'sales' | 'viewer', string[]> = {
  owner: ['Overview', 'CRM', 'Integrations', 'Kommo', 'Reports', 'Settings'],
  admin: ['Overview', 'CRM', 'Integrations', 'Kommo', 'Reports', 'Settings'],
  manager: ['Overview', 'CRM', 'Integrations', 'Kommo', 'Reports'],
  sales: ['Overview', 'CRM'],
  viewer: ['Overview', 'Reports'],
};

const sections: Record<string, string> = { CRM: '/crm', Integrations: '/integrations', Kommo: '/kommo', Reports: '/reports', Settings: '/settings' };

const mainNavLinks = (page: import('@playwright/test').Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link');

test.describe('main navigation by role', () => {
  for (const [role, expected] of Object.entries(tenantNav) as [keyof typeof tenantNav, string[]][]) {
    test(`${role}: sees ${expected.join(', ')}; everything else answers 403`, async ({ page }) => {
      await loginAs(page, role);
      await expect(page).toHaveURL((url) => url.pathname === '/');
      await expect(mainNavLinks(page)).toHaveText(expected);

      for (const [label, href] of Object.entries(sections)) {
        const response = await page.goto(href);
        expect(response, href).not.toBeNull();
        if (expected.includes(label)) {
          expect(response!.status(), `${role} may open ${href}`).toBe(200);
          await expect(page.getByRole('heading', { level: 1, name: label, exact: true })).toBeVisible();
        } else {
          expect(response!.status(), `${role} must not open ${href}`).toBe(403);
          await expect(page.getByRole('heading', { level: 1, name: 'Access denied' })).toBeVisible();
        }
      }

      const admin = await page.goto('/admin');
      expect(admin!.status(), 'tenant users are refused the admin panel').toBe(403);
    });
  }

  for (const role of ['super_admin', 'admin_lite'] as DemoRole[]) {
    test(`${role}: lands on /admin and sees Tenants, Users, Audit`, async ({ page }) => {
      await loginAs(page, role);
      await expect(page).toHaveURL((url) => url.pathname === '/admin');
      await expect(mainNavLinks(page)).toHaveText(['Tenants', 'Users', 'Audit']);
      await expect(page.getByTestId('context-label')).toHaveText(role === 'super_admin' ? 'Platform · super admin' : 'Platform · admin lite');
      for (const href of ['/admin/users', '/admin/audit']) {
        const response = await page.goto(href);
        expect(response!.status(), href).toBe(200);
      }
    });
  }

  test('log out ends the session', async ({ page }) => {
    await loginAs(page, 'viewer');
    await expect(page.getByTestId('user-email')).toHaveText('viewer@acme.test');
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL((url) => url.pathname === '/login');
    // The session is gone on the server too: a protected page sends us back to /login.
    await page.goto('/reports');
    await expect(page).toHaveURL((url) => url.pathname === '/login' && url.searchParams.get('redirectTo') === '/reports');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === '__Host-crmhub_session')).toBeUndefined();
  });
});
