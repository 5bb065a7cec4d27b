import { e2eState, expect, findTenants, loginAs, test, trpcMutation, unique } from './support/fixtures';

test.describe('admin panel', () => {
  test('admin_lite sees no Delete buttons and the API refuses it a tenant deletion', async ({ page }) => {
    await loginAs(page, 'admin_lite');

    await page.goto('/admin');
    const tenants = page.getByTestId('tenant-list');
    await expect(tenants.getByText('Acme', { exact: true })).toBeVisible();
    await expect(tenants.getByRole('button', { name: /^(Disable|Enable)$/ }).first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Delete' })).toHaveCount(0);

    const users = await page.goto('/admin/users');
    expect(users!.status(), '/admin/users answers').toBe(200);
    await expect(page.getByTestId('user-owner@acme.test')).toBeVisible();
    await expect(page.getByTestId('user-owner@acme.test').getByRole('button', { name: 'Disable' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Delete' })).toHaveCount(0);

    // Hiding the button is not the guard: the procedure itself refuses admin_lite.
    const acme = (await findTenants(page.request, 'acme')).find((t) => t.slug === 'acme');
    expect(acme, 'tenant acme is listed').toBeTruthy();
    const res = await trpcMutation(page.request, 'admin.tenants.delete', { id: acme!.id, confirmSlug: 'acme' }, { Origin: e2eState().baseURL });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body?.error?.data?.code).toBe('FORBIDDEN');

    const after = (await findTenants(page.request, 'acme')).find((t) => t.id === acme!.id);
    expect(after, 'tenant acme still exists').toMatchObject({ slug: 'acme', status: 'active' });
  });

  test('super_admin sees Delete buttons (the control for the test above)', async ({ page }) => {
    await loginAs(page, 'super_admin');
    await page.goto('/admin');
    await expect(page.getByTestId('tenant-list').getByRole('button', { name: 'Delete' }).first()).toBeVisible();
    await page.goto('/admin/users?q=owner%40acme.test');
    await expect(page.getByTestId('user-owner@acme.test').getByRole('button', { name: 'Delete' })).toBeVisible();
  });

  test('super_admin creates a tenant through the form and sees it listed', async ({ page }) => {
    const slug = `e2e-${unique()}`;
    const name = `E2E Tenant ${slug}`;
    await loginAs(page, 'super_admin');
    await page.goto('/admin');
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Create tenant' }) });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Slug', { exact: true }).fill(slug);
    await form.getByLabel('Plan', { exact: true }).selectOption('scale');
    await form.getByLabel('Time zone', { exact: true }).fill('Europe/Lisbon');
    await form.getByRole('button', { name: 'Create tenant' }).click();

    await expect(page.getByRole('status')).toHaveText('Tenant created.');
    const row = page.getByTestId('tenant-list').getByRole('listitem').filter({ hasText: name });
    await expect(row).toContainText(`${slug} · scale · 0 members`);
    await expect(row).toContainText('active');

    const found = await findTenants(page.request, slug);
    expect(found).toEqual([expect.objectContaining({ name, slug, status: 'active' })]);

    // The same slug again is refused, and no second tenant appears.
    await form.getByLabel('Name', { exact: true }).fill(`${name} again`);
    await form.getByLabel('Slug', { exact: true }).fill(slug);
    await form.getByRole('button', { name: 'Create tenant' }).click();
    await expect(page.getByRole('alert')).toHaveText('That slug is taken.');
    expect(await findTenants(page.request, slug)).toHaveLength(1);
  });
});
