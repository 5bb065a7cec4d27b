import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { expect, loginAs, newContext, test, trpcMutation, trpcQuery, unique } from './support/fixtures';

/**
 * The kanban (/crm/pipeline) and the settings behind it (/settings/stages,
 * /settings/fields), against the real server and the demo tenant Acme.
 */

interface Stage {
  id: string;
  name: string;
  isQualified: boolean;
  isWon: boolean;
  isLost: boolean;
}

interface Lead {
  id: string;
  name: string;
  status: string;
  stageId: string;
  assignedTo: string | null;
}

async function stages(request: APIRequestContext): Promise<Stage[]> {
  const res = await trpcQuery<Stage[]>(request, 'crm.stages.list');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body!.result!.data;
}

/** Creates a lead as the signed-in user (the page's cookie) through the browser tRPC endpoint. */
async function createLead(request: APIRequestContext, input: { name: string; stageId?: string; amount?: number }): Promise<Lead> {
  const res = await trpcMutation<{ status: string; lead: Lead }>(request, 'crm.leads.create', { company: 'E2E Pipeline GmbH', ...input });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body!.result!.data.status).toBe('saved');
  return res.body!.result!.data.lead;
}

async function leadById(request: APIRequestContext, id: string): Promise<Lead> {
  const res = await trpcQuery<Lead>(request, 'crm.leads.byId', { id });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body!.result!.data;
}

/** A column of the board: a <section> named by its stage heading. */
const column = (page: Page, stageName: string): Locator => page.getByRole('region', { name: stageName, exact: true });
const card = (scope: Locator, leadName: string): Locator => scope.getByTestId('lead-card').filter({ hasText: leadName });

/** The stage a new lead lands in (the first) and the first qualified, not-won stage to move it to. */
async function fromAndTo(request: APIRequestContext) {
  const all = await stages(request);
  const from = all[0]!;
  const to = all.find((s) => s.isQualified && !s.isWon && !s.isLost && s.id !== from.id);
  expect(to, 'the demo tenant has a qualified stage').toBeTruthy();
  return { from, to: to!, between: all.slice(1, all.indexOf(to!) + 1) };
}

/**
 * Keyboard only: focus the card's handle, Space, one Right arrow per column (each
 * announced by dnd-kit's live region before the next press), Space.
 */
async function keyboardMove(page: Page, leadName: string, from: Stage, path: Stage[]) {
  const handle = card(column(page, from.name), leadName).getByRole('button', { name: `Move ${leadName}` });
  await handle.focus();
  await expect(handle).toBeFocused();
  await page.keyboard.press('Space');
  const live = page.getByRole('status').filter({ hasText: `lead ${leadName}` });
  await expect(live).toHaveText(`Picked up lead ${leadName}, in stage ${from.name}.`);
  for (const stage of path) {
    await page.keyboard.press('ArrowRight');
    await expect(live).toHaveText(`Lead ${leadName} is over stage ${stage.name}.`);
  }
  await page.keyboard.press('Space');
  return live;
}

test.describe('pipeline kanban', () => {
  test('a sales user drags their lead with the mouse into a qualified stage; it stays there after a reload', async ({ page }) => {
    await loginAs(page, 'sales');
    const { from, to } = await fromAndTo(page.request);
    const lead = await createLead(page.request, { name: `Mouse Lead ${unique()}`, amount: 1250 });
    expect(lead.stageId).toBe(from.id);

    await page.goto('/crm/pipeline');
    const source = column(page, from.name);
    const target = column(page, to.name);
    const moving = card(source, lead.name);
    await expect(moving).toBeVisible();
    await expect(moving).toContainText('E2E Pipeline GmbH');
    await expect(moving).toContainText('Sergio Sales');
    const targetCount = Number(await target.getByTestId('stage-count').innerText().then((t) => t.replace(/\D/g, '')));

    // drag by the card body: press, travel in steps (dnd-kit starts after 6 px), release over the column
    const box = (await moving.boundingBox())!;
    const dest = (await target.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 20, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(dest.x + dest.width / 2, dest.y + 120, { steps: 15 });
    await page.mouse.up();

    await expect(card(target, lead.name)).toBeVisible();
    await expect(card(source, lead.name)).toHaveCount(0);
    await expect(target.getByTestId('stage-count')).toHaveText(new RegExp(`^${targetCount + 1}\\b`));
    await expect(card(target, lead.name)).not.toHaveAttribute('aria-busy', 'true');

    // the server moved it, and entering a qualified stage qualified the lead
    await expect.poll(async () => (await leadById(page.request, lead.id)).stageId).toBe(to.id);
    expect((await leadById(page.request, lead.id)).status).toBe('qualified');
    await page.reload();
    await expect(card(column(page, to.name), lead.name)).toBeVisible();
    await expect(card(column(page, from.name), lead.name)).toHaveCount(0);
  });

  test('the same move with the keyboard alone: focus the card, Space, arrow keys, Space', async ({ page }) => {
    await loginAs(page, 'sales');
    const { from, to, between } = await fromAndTo(page.request);
    const lead = await createLead(page.request, { name: `Keyboard Lead ${unique()}` });
    await page.goto('/crm/pipeline');
    await expect(card(column(page, from.name), lead.name).getByRole('button', { name: `Move ${lead.name}` })).toHaveAttribute('aria-roledescription', 'draggable lead');
    const live = await keyboardMove(page, lead.name, from, between);
    await expect(live).toHaveText(`Lead ${lead.name} was moved to stage ${to.name}.`);

    await expect(card(column(page, to.name), lead.name)).toBeVisible();
    await expect.poll(async () => (await leadById(page.request, lead.id)).stageId).toBe(to.id);
    await page.reload();
    await expect(card(column(page, to.name), lead.name)).toBeVisible();
    await expect(card(column(page, from.name), lead.name)).toHaveCount(0);
  });

  test('a move the server refuses rolls back and says why', async ({ page, browser }) => {
    await loginAs(page, 'sales');
    const { from, to, between } = await fromAndTo(page.request);
    const lead = await createLead(page.request, { name: `Refused Lead ${unique()}` });
    await page.goto('/crm/pipeline');
    await expect(card(column(page, from.name), lead.name)).toBeVisible();

    // meanwhile a manager takes the lead away from the sales user: they no longer see it
    const manager = await newContext(browser);
    try {
      const managerPage = await manager.newPage();
      await loginAs(managerPage, 'manager');
      const res = await trpcMutation(managerPage.request, 'crm.leads.assign', { id: lead.id, assignedTo: null });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    } finally {
      await manager.close();
    }

    await keyboardMove(page, lead.name, from, between);

    await expect(page.getByRole('alert').filter({ hasText: lead.name })).toContainText(`“${lead.name}” could not be moved to ${to.name}: Lead not found.`);
    await expect(card(column(page, from.name), lead.name)).toBeVisible();
    await expect(card(column(page, to.name), lead.name)).toHaveCount(0);
  });

  test('a sales user sees only their own leads and no assignee filter', async ({ page, browser }) => {
    const manager = await newContext(browser);
    let managersLead: Lead;
    try {
      const managerPage = await manager.newPage();
      await loginAs(managerPage, 'manager');
      managersLead = await createLead(managerPage.request, { name: `Manager Only ${unique()}` });
      await managerPage.goto('/crm/pipeline');
      await expect(managerPage.getByLabel('Assignee')).toBeVisible();
      await managerPage.getByLabel('Search').fill(managersLead.name);
      await managerPage.getByRole('button', { name: 'Apply' }).click();
      await expect(managerPage.getByTestId('lead-card')).toHaveCount(1);
      await expect(card(managerPage.getByTestId('pipeline-board'), managersLead.name)).toBeVisible();
    } finally {
      await manager.close();
    }

    await loginAs(page, 'sales');
    await page.goto(`/crm/pipeline?q=${encodeURIComponent(managersLead.name)}`);
    await expect(page.getByLabel('Assignee')).toHaveCount(0);
    await expect(page.getByText('No leads match these filters.')).toBeVisible();
    await expect(page.getByTestId('lead-card')).toHaveCount(0);
  });

  test('each column shows its first page and loads the next one on demand', async ({ page }) => {
    await loginAs(page, 'owner');
    const stageName = `Paging ${unique()}`;
    const created = await trpcMutation<{ id: string }>(page.request, 'crm.stages.create', { name: stageName });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const stageId = created.body!.result!.data.id;
    try {
      for (let i = 0; i < 23; i++) await createLead(page.request, { name: `Paged ${i} ${unique()}`, stageId });
      await page.goto('/crm/pipeline');
      const col = column(page, stageName);
      await expect(col.getByTestId('stage-count')).toHaveText(/^23\b/);
      await expect(col.getByTestId('lead-card')).toHaveCount(20);
      await col.getByRole('button', { name: `Load more leads in ${stageName}` }).click();
      await expect(col.getByTestId('lead-card')).toHaveCount(23);
      await expect(col.getByRole('button', { name: /Load more/ })).toHaveCount(0);
    } finally {
      const first = (await stages(page.request))[0]!;
      const res = await trpcMutation(page.request, 'crm.stages.delete', { id: stageId, moveToStageId: first.id });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  });
});

test.describe('stage and custom field settings', () => {
  test('an admin adds, renames, reorders and deletes a stage, moving its leads', async ({ page }) => {
    await loginAs(page, 'admin');
    await page.goto('/settings/stages');
    const name = `E2E Stage ${unique()}`;
    const renamed = `${name} renamed`;
    const rows = page.getByTestId('stage-row');
    const before = await rows.count();

    // add
    const add = page.locator('form', { has: page.getByRole('button', { name: 'Add stage' }) });
    await add.getByLabel('Name').fill(name);
    // the swatch is the label of a visually hidden radio
    await add.locator('label', { has: page.getByRole('radio', { name: 'Teal' }) }).click();
    await expect(add.getByRole('radio', { name: 'Teal' })).toBeChecked();
    await add.getByRole('button', { name: 'Add stage' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'added' })).toHaveText(`Stage “${name}” added.`);
    await expect(rows).toHaveCount(before + 1);
    await expect(rows.last()).toHaveAttribute('data-stage-name', name);
    await expect(add.getByLabel('Name')).toHaveValue('');

    // rename (and mark it qualified) in the edit dialog
    await page.getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit stage “${name}”` });
    await edit.getByLabel('Name').fill(renamed);
    await edit.getByLabel('Qualified stage').check();
    await edit.getByRole('button', { name: 'Save stage' }).click();
    await expect(edit).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'saved' })).toHaveText(`Stage “${renamed}” saved.`);
    await expect(rows.last()).toHaveAttribute('data-stage-name', renamed);
    await expect(rows.last()).toContainText('Qualified');

    // reorder with the keyboard: one place up
    const handle = page.getByRole('button', { name: `Reorder ${renamed} (position ${before + 1})` });
    await handle.focus();
    await page.keyboard.press('Space');
    const live = page.getByRole('status').filter({ hasText: `stage ${renamed}` });
    await expect(live).toHaveText(`Picked up stage ${renamed}, at position ${before + 1} of ${before + 1}.`);
    await page.keyboard.press('ArrowUp');
    await expect(live).toHaveText(`Stage ${renamed} would move to position ${before} of ${before + 1}.`);
    await page.keyboard.press('Space');
    await expect(page.getByRole('status').filter({ hasText: 'New order saved.' })).toBeVisible();
    await expect(rows.nth(before - 1)).toHaveAttribute('data-stage-name', renamed);
    await page.reload();
    await expect(rows.nth(before - 1)).toHaveAttribute('data-stage-name', renamed);
    const order = (await stages(page.request)).map((s) => s.name);
    expect(order.indexOf(renamed)).toBe(before - 1);

    // a lead in it, then delete: the dialog asks where its leads go
    const stage = (await stages(page.request)).find((s) => s.name === renamed)!;
    const target = (await stages(page.request))[0]!;
    const lead = await createLead(page.request, { name: `Stage Mover ${unique()}`, stageId: stage.id });
    await page.reload();
    await expect(page.getByTestId('stage-row').filter({ hasText: renamed })).toContainText('1 lead');
    await page.getByRole('button', { name: `Delete ${renamed}` }).click();
    const del = page.getByRole('dialog', { name: `Delete stage “${renamed}”?` });
    await expect(del).toContainText('It holds 1 lead.');
    await del.getByLabel('Move its leads to').selectOption({ label: target.name });
    await del.getByRole('button', { name: 'Move leads and delete' }).click();
    await expect(del).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'deleted' })).toHaveText('Stage deleted. 1 lead moved.');
    await expect(rows).toHaveCount(before);
    await expect(page.getByTestId('stage-row').filter({ hasText: renamed })).toHaveCount(0);
    expect((await leadById(page.request, lead.id)).stageId).toBe(target.id);
  });

  test('the stage pages are for owners and admins only', async ({ page }) => {
    await loginAs(page, 'manager');
    for (const path of ['/settings/stages', '/settings/fields']) {
      const response = await page.goto(path);
      expect(response!.status(), path).toBe(403);
    }
  });

  test('an admin adds a select custom field; it shows in the list and on the lead form, then goes away on delete', async ({ page }) => {
    await loginAs(page, 'admin');
    await page.goto('/settings/fields');
    const label = `E2E Tier ${unique()}`;
    const add = page.locator('form', { has: page.getByRole('button', { name: 'Add field' }) });
    await add.getByLabel('Label').fill(label);
    await expect(add.getByLabel('Key')).toHaveValue(label.toLowerCase().replace(/ /g, '_'));
    await add.getByLabel('Type').selectOption('select');
    await add.getByLabel('Options').fill('Gold\nSilver\n\nBronze');
    await add.getByRole('button', { name: 'Add field' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'added' })).toHaveText(`Field “${label}” added.`);
    const row = page.getByTestId('custom-field-row').filter({ hasText: label });
    await expect(row).toContainText('Select');
    await expect(row).toContainText('Gold, Silver, Bronze');

    // a key that breaks the API's pattern is refused with the reason beside the input
    await add.getByLabel('Label').fill('Bad key');
    await add.getByLabel('Key').fill('9lives');
    await add.getByRole('button', { name: 'Add field' }).click();
    await expect(add.getByText('Lower-case letters, digits and _; starts with a letter; up to 40.')).toBeVisible();

    // edit the options
    await page.getByRole('button', { name: `Edit ${label}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit the field “${label}”` });
    await edit.getByLabel('Options').fill('Gold\nSilver\nBronze\nPlatinum');
    await edit.getByRole('button', { name: 'Save field' }).click();
    await expect(edit).toBeHidden();
    await expect(row).toContainText('Gold, Silver, Bronze, Platinum');

    // it appears on the lead form as a select with its options
    await page.goto('/crm/leads/new');
    const select = page.getByLabel(label);
    await expect(select).toBeVisible();
    await expect(select.locator('option')).toHaveText(['—', 'Gold', 'Silver', 'Bronze', 'Platinum']);

    // delete, after confirming
    await page.goto('/settings/fields');
    await page.getByRole('button', { name: `Delete ${label}` }).click();
    const confirm = page.getByRole('dialog', { name: `Delete the field “${label}”?` });
    await confirm.getByRole('button', { name: 'Delete field' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'deleted' })).toHaveText(`Field “${label}” deleted.`);
    await expect(page.getByTestId('custom-field-row').filter({ hasText: label })).toHaveCount(0);
  });
});
