import AxeBuilder from '@axe-core/playwright';
import { expect, loginAs, test } from './support/fixtures';

/** WCAG 2.1 A/AA checks (axe-core) on the pages of the foundation, desktop and phone widths. */
const pages: { role: 'owner' | 'super_admin'; paths: string[] }[] = [
  { role: 'owner', paths: ['/', '/settings', '/settings/members', '/settings/audit', '/account', '/crm', '/crm/leads/new', '/crm/import', '/crm/accounts', '/crm/accounts/new', '/crm/contacts', '/crm/contacts/new', '/crm/pipeline', '/settings/stages', '/settings/fields', '/integrations'] },
  { role: 'super_admin', paths: ['/admin', '/admin/users', '/admin/audit'] },
];

test('the login page has no WCAG A/AA violations', async ({ page }) => {
  await page.goto('/login');
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});

for (const { role, paths } of pages) {
  test(`signed-in pages of ${role} have no WCAG A/AA violations`, async ({ page }) => {
    // one axe run per page and width takes about a second: the budget grows with the list
    test.setTimeout(30_000 + paths.length * 2 * 2_000);
    await loginAs(page, role);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      for (const path of paths) {
        await page.goto(path);
        const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        expect(result.violations.map((v) => `${path}@${width}px ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
      }
    }
  });
}

test('the dashboard is usable with the keyboard alone', async ({ page }) => {
  await loginAs(page, 'owner');
  await page.goto('/');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  // tab to the Settings link and follow it with Enter
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).evaluate((el) => el === document.activeElement)) break;
  }
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/settings$/);
});
