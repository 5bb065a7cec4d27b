import { expect, loginAs, test, trpcMutation, trpcQuery, unique } from './support/fixtures';

/**
 * Custom field order (/settings/fields): an admin drags a field (here with the keyboard)
 * and the order persists and shows on the record forms. The fields are created here and
 * deleted at the end, so the demo tenant's fields are as before.
 */
test('an admin reorders custom fields with the keyboard; the order persists and the account form follows it', async ({ page }) => {
  const tag = unique();
  const labels = [`Alpha ${tag}`, `Bravo ${tag}`, `Charlie ${tag}`];
  await loginAs(page, 'admin');
  const ids: string[] = [];
  for (const [i, label] of labels.entries()) {
    const res = await trpcMutation<{ id: string }>(page.request, 'crm.customFields.create', { entity: 'account', key: `order_${tag}_${i}`, label, type: 'text' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(res.body!.result!.data.id);
  }
  try {
    await page.goto('/settings/fields?entity=account');
    const rows = page.getByTestId('custom-field-row');
    const mine = async () => (await rows.allTextContents()).map((t) => labels.find((l) => t.includes(l))).filter(Boolean);
    await expect.poll(mine).toEqual(labels);
    const count = await rows.count();

    // Charlie (last) one place up, with the keyboard: Space, Up, Space
    const handle = page.getByRole('button', { name: `Reorder ${labels[2]} (position ${count})` });
    await handle.focus();
    await page.keyboard.press('Space');
    const live = page.getByRole('status').filter({ hasText: `field ${labels[2]}` });
    await expect(live).toHaveText(`Picked up field ${labels[2]}, at position ${count} of ${count}.`);
    await page.keyboard.press('ArrowUp');
    await expect(live).toHaveText(`Field ${labels[2]} would move to position ${count - 1} of ${count}.`);
    await page.keyboard.press('Space');
    await expect(page.getByRole('status').filter({ hasText: 'New order saved.' })).toBeVisible();
    await expect.poll(mine).toEqual([labels[0], labels[2], labels[1]]);

    await page.reload();
    await expect.poll(mine).toEqual([labels[0], labels[2], labels[1]]);
    await expect(page.getByRole('button', { name: `Reorder ${labels[2]} (position ${count - 1})` })).toBeVisible();
    const listed = await trpcQuery<{ label: string }[]>(page.request, 'crm.customFields.list', { entity: 'account' });
    expect(listed.body!.result!.data.map((f) => f.label).filter((l) => l.endsWith(tag))).toEqual([labels[0], labels[2], labels[1]]);

    // the new-account form shows the fields in the new order
    await page.goto('/crm/accounts/new');
    const formLabels = (await page.locator('form label').allTextContents()).map((t) => t.trim()).filter((t) => t.includes(tag));
    expect(formLabels.map((t) => labels.find((l) => t.startsWith(l)))).toEqual([labels[0], labels[2], labels[1]]);
  } finally {
    for (const id of ids) {
      const res = await trpcMutation(page.request, 'crm.customFields.delete', { id });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  }
});
