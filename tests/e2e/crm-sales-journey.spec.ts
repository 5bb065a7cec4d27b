import { expect, loginAs, test, trpcQuery, unique } from './support/fixtures';

/**
 * The journey in one go: a sales user creates a lead, logs a call, drags it
 * through the kanban to a qualified stage with the mouse, and converts it.
 */
test('a sales user creates a lead, logs a call, drags it to a qualified stage and converts it', async ({ page }) => {
  const tag = unique();
  const name = `Journey ${tag}`;
  const company = `Journey Works ${tag}`;
  await loginAs(page, 'sales');

  await page.goto('/crm/leads/new');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Company').fill(company);
  await page.getByRole('button', { name: 'Create lead' }).click();
  await expect(page).toHaveURL(/\/crm\/leads\/[0-9a-f-]{36}/);
  const leadId = new URL(page.url()).pathname.split('/').pop()!;

  await page.getByLabel('Type').selectOption('call');
  await page.getByLabel('Summary').fill(`First call ${tag}`);
  await page.getByRole('button', { name: 'Add activity' }).click();
  await expect(page.getByTestId('timeline-item').filter({ hasText: `First call ${tag}` })).toBeVisible();

  const stages = (await trpcQuery<{ id: string; name: string; isQualified: boolean; isWon: boolean; isLost: boolean }[]>(page.request, 'crm.stages.list')).body!.result!.data;
  const qualified = stages.find((s) => s.isQualified && !s.isWon && !s.isLost)!;
  const lead = (await trpcQuery<{ stageId: string }>(page.request, 'crm.leads.byId', { id: leadId })).body!.result!.data;
  const from = stages.find((s) => s.id === lead.stageId)!;

  await page.goto('/crm/pipeline');
  const source = page.getByRole('region', { name: from.name, exact: true });
  const target = page.getByRole('region', { name: qualified.name, exact: true });
  const card = source.getByTestId('lead-card').filter({ hasText: name });
  await expect(card).toBeVisible();
  const box = (await card.boundingBox())!;
  const dest = (await target.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 20, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(dest.x + dest.width / 2, dest.y + 120, { steps: 15 });
  await page.mouse.up();
  await expect(target.getByTestId('lead-card').filter({ hasText: name })).toBeVisible();
  await expect
    .poll(async () => (await trpcQuery<{ stageId: string; status: string }>(page.request, 'crm.leads.byId', { id: leadId })).body!.result!.data.status)
    .toBe('qualified');

  await page.goto(`/crm/leads/${leadId}`);
  await expect(page.getByTestId('timeline-item').filter({ hasText: qualified.name }).first()).toBeVisible();
  await page.getByRole('button', { name: 'Convert' }).click();
  const dialog = page.getByRole('dialog', { name: `Convert ${name} to a customer?` });
  await dialog.getByRole('button', { name: 'Convert' }).click();
  await expect(page.getByTestId('lead-status')).toHaveText('Converted');
  await expect(page.getByTestId('conversion-result')).toContainText(`Account ${company} (created)`);
});
