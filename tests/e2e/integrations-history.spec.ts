import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import postgres from 'postgres';
import { e2eState, expect, login, loginAs, newContext, TEST_PASSWORD, test, trpcMutation, trpcQuery, unique } from './support/fixtures';

/**
 * Sync history and conflicts against the HubSpot sandbox, in a tenant of the spec's own (so the
 * demo tenant's data and connections stay as they are): connect through the consent page, sync
 * now and watch the live progress bar, open a run; park a conflict by editing one contact on
 * both sides and settle it with an edited value that lands in the app and in HubSpot; make one
 * record fail (a CRM e-mail the app already holds), retry it, fix it, retry again.
 */

/** The sandbox's private-app token (server/sandbox/hubspot/constants.ts): "someone editing in HubSpot". */
const HUBSPOT_PRIVATE_TOKEN = 'pat-na1-5a4db0c8-0000-4000-8000-000000000001';

async function axeClean(page: Page, label: string) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.reload();
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(result.violations.map((v) => `${label}@${width}px ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    // nothing wider than the phone: wide tables scroll inside their own regions
    const overflow = await page.evaluate((w) => {
      const wide = [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > w && !el.closest('[role="region"][tabindex="0"]'));
      return { width: document.documentElement.scrollWidth, wide: wide.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`) };
    }, width);
    expect(overflow.width, `${label}@${width}px too wide: ${overflow.wide.join(' | ')}`).toBeLessThanOrEqual(width);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const hydrated = (page: Page) => page.waitForFunction(() => Boolean((window as unknown as { __remixRouter?: { state: { initialized: boolean } } }).__remixRouter?.state.initialized), undefined, { timeout: 20_000 });

async function hubspotContact(request: APIRequestContext, hubspot: string, id: string, properties: string[]) {
  const res = await request.get(`${hubspot}/crm/v3/objects/contacts/${id}?properties=${properties.join(',')}`, { headers: { Authorization: `Bearer ${HUBSPOT_PRIVATE_TOKEN}` } });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { properties: Record<string, string | null> }).properties;
}

async function editHubspotContact(request: APIRequestContext, hubspot: string, id: string, properties: Record<string, string>) {
  const res = await request.patch(`${hubspot}/crm/v3/objects/contacts/${id}`, { headers: { Authorization: `Bearer ${HUBSPOT_PRIVATE_TOKEN}` }, data: { properties } });
  expect(res.status(), await res.text()).toBe(200);
}

/** Contacts run after accounts (server/services/sync/engine.ts ORDER): the job is over when the contacts' bar shows an end. */
async function contactsEnded(page: Page) {
  const contacts = page.getByTestId('live-run').filter({ hasText: /^Contacts/ }).first();
  await expect(contacts).toBeVisible({ timeout: 60_000 });
  await expect(contacts).not.toHaveAttribute('data-status', 'running', { timeout: 90_000 });
}

/** Clicks "Sync now" on the history page and waits until the runs it started have ended (the table refreshes by itself). */
async function syncNowAndWait(page: Page) {
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Sync queued/ })).toBeVisible();
  await contactsEnded(page);
  await expect(page.getByTestId('history-run').first().getByTestId('run-status')).not.toHaveText('Running', { timeout: 10_000 });
}

test('connect HubSpot, map a field, sync now with live progress, run details and retry; conflicts settled per field', async ({ page, browser }) => {
  test.setTimeout(300_000);

  // ---- a tenant of our own with an owner and a manager
  const slug = `hist-${unique()}`;
  const owner = { email: `hist-owner-${unique()}@example.test`, password: TEST_PASSWORD };
  const manager = { email: `hist-manager-${unique()}@example.test`, password: TEST_PASSWORD };
  const setup = await newContext(browser);
  try {
    const admin = await setup.newPage();
    await loginAs(admin, 'super_admin');
    const tenant = await trpcMutation<{ id: string }>(admin.request, 'admin.tenants.create', { name: `History ${slug}`, slug, planTier: 'professional', timezone: 'UTC' });
    expect(tenant.status, JSON.stringify(tenant.body)).toBe(200);
    for (const [user, role] of [
      [owner, 'owner'],
      [manager, 'manager'],
    ] as const) {
      const created = await trpcMutation(admin.request, 'admin.users.create', { ...user, membership: { organizationId: tenant.body!.result!.data.id, role } });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
    }
  } finally {
    await setup.close();
  }

  await login(page, owner.email, owner.password);
  const created = await trpcMutation<{ connection: { id: string }; authorizationUrl: string }>(page.request, 'connections.create', { provider: 'hubspot', frequency: 'manual' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const { connection, authorizationUrl } = created.body!.result!.data;
  const hubspot = new URL(authorizationUrl).origin; // the consent page is the sandbox's own
  const base = `/integrations/${connection.id}`;
  const sql = postgres(e2eState().databaseURL, { max: 1, onnotice: () => {} });
  const restore: (() => Promise<unknown>)[] = [];
  try {
    await page.goto(authorizationUrl);
    await Promise.all([page.waitForURL((u) => u.pathname.startsWith(base) || u.pathname === '/integrations'), page.getByRole('button', { name: 'Allow' }).click()]);
    const configured = await trpcMutation(page.request, 'connections.update', { id: connection.id, conflictStrategy: 'manual_review', direction: 'bidirectional' });
    expect(configured.status, JSON.stringify(configured.body)).toBe(200);

    // ---- map a field before the first sync: HubSpot's company city → the app account's address
    await page.goto(`${base}/mappings`);
    await page.getByRole('navigation', { name: 'Entities' }).getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('button', { name: 'Add mapping' }).click();
    const add = page.getByRole('dialog', { name: 'Add a mapping' });
    await add.getByRole('searchbox', { name: 'Search CRM fields' }).fill('cit');
    await add.getByRole('radio', { name: /^City \(city\)/ }).check();
    await add.getByRole('searchbox', { name: 'Search app fields' }).fill('addr');
    await add.getByRole('radio', { name: /^Address \(address\)/ }).check();
    await add.getByRole('button', { name: 'Add mapping' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Mapping added: address ↔ city.' })).toBeVisible();

    // ---- empty history, then Sync now with the live progress bar
    await page.goto(`${base}/history`);
    await expect(page.getByRole('heading', { name: 'No sync has run yet' })).toBeVisible();
    await hydrated(page);
    // every value the progress bar takes, recorded in the page as it changes
    await page.evaluate(() => {
      const seen: string[] = [];
      // publish (worker) → painted here, per event: NOTIFY → LISTEN → SSE → React (same machine, same clock)
      const lagMs: number[] = [];
      const events = new Set<string>();
      Object.assign(window, { __progress: seen, __lagMs: lagMs });
      new MutationObserver(() => {
        const now = Date.now();
        for (const bar of document.querySelectorAll('[role="progressbar"]')) {
          const text = `${bar.getAttribute('aria-label')}|${bar.getAttribute('aria-valuenow')}|${bar.getAttribute('aria-valuetext')}`;
          if (!seen.includes(text)) seen.push(text);
        }
        for (const run of document.querySelectorAll<HTMLElement>('[data-testid="live-run"][data-sent-at]')) {
          const key = `${run.querySelector('a')?.getAttribute('href')}@${run.dataset.sentAt}`;
          if (!events.has(key)) {
            events.add(key);
            lagMs.push(now - Number(run.dataset.sentAt));
          }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    // a little latency per CRM call, so the pages of the import take a visible while
    expect((await page.request.post(`${hubspot}/_sandbox/faults`, { data: { extraLatencyMs: 150 } })).status()).toBe(200);
    restore.push(() => page.request.post(`${hubspot}/_sandbox/faults/reset`));
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Sync queued/ })).toBeVisible();
    const running = page.locator('[data-testid="live-run"][data-status="running"]');
    await expect(running.first()).toBeVisible({ timeout: 30_000 });

    // a second trigger while it runs answers "already running" and links to the running run
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('status').filter({ hasText: /already (running|queued)/ })).toBeVisible();
    const alreadyRunning = page.getByRole('link', { name: 'See the running sync' });
    if (await alreadyRunning.isVisible()) expect(await alreadyRunning.getAttribute('href')).toMatch(new RegExp(`^${base}/history/[0-9a-f-]{36}$`));

    await contactsEnded(page);
    const { seen, lagMs } = await page.evaluate(() => ({ seen: (window as unknown as { __progress: string[] }).__progress, lagMs: (window as unknown as { __lagMs: number[] }).__lagMs }));
    // a figure, not an assertion: how long a progress event takes from the worker to the bar
    const sorted = [...lagMs].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    console.log(`[progress latency] ${sorted.length} events, worker publish → bar painted: p50 ${at(50)} ms, p95 ${at(95)} ms, max ${sorted[sorted.length - 1]} ms`);
    // the bar moved through running pages with growing counts before it showed the end
    const runningStates = seen.filter((s) => /\|Reading changes from the CRM, (page \d+|\d+ of \d+): [1-9]\d* processed/.test(s));
    expect(runningStates.length, seen.join('\n')).toBeGreaterThanOrEqual(2);
    // the engine publishes HubSpot's own count: the bar reads "M of N" while it reads contacts
    expect(seen.some((s) => /^Contact sync progress\|\d+\|Reading changes from the CRM, [1-9]\d* of [1-9]\d*: /.test(s)), seen.join('\n')).toBe(true);
    expect(seen.some((s) => /^Contact sync progress\|100\|(Succeeded|Partial): [1-9]\d* processed/.test(s)), seen.join('\n')).toBe(true);
    await expect(page.getByTestId('live-run').filter({ hasText: /^Contacts/ }).first().getByTestId('live-run-counts')).toContainText(/(Succeeded|Partial): \d+ processed · [1-9]\d* created/);
    // the table refreshed by itself: both entities' runs, ended, with what they synced
    const contactRun = page.getByTestId('history-run').filter({ hasText: 'Contacts' }).first();
    await expect(contactRun.getByTestId('run-status')).toHaveText(/Succeeded|Partial/);
    await expect(page.getByTestId('history-run').filter({ hasText: 'Accounts' }).first().getByTestId('run-status')).toHaveText(/Succeeded|Partial/);
    expect(Number(await contactRun.locator('td').nth(3).textContent())).toBeGreaterThan(0);
    await page.request.post(`${hubspot}/_sandbox/faults/reset`);
    // the field mapped above landed: imported accounts carry HubSpot's city as their address
    const [mapped] = await sql<{ n: number }[]>`select count(*)::int as n from accounts a join record_links l on l.app_id = a.id and l.entity = 'account' where l.connection_id = ${connection.id} and a.address is not null and a.address <> ''`;
    expect(mapped!.n).toBeGreaterThan(0);

    // filters live in the URL: accounts only
    await page.getByLabel('Entity').selectOption('account');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/entity=account/);
    await expect(page.getByTestId('history-run').filter({ hasText: 'Contacts' })).toHaveCount(0);
    await expect(page.getByTestId('history-run').filter({ hasText: 'Accounts' }).first()).toBeVisible();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('heading', { name: 'No runs match these filters' })).toBeVisible();
    await page.goto(`${base}/history`);
    await axeClean(page, 'history');

    // ---- the run's details
    await hydrated(page);
    await contactRun.getByRole('link', { name: /Run details/ }).click();
    await expect(page).toHaveURL(new RegExp(`${base}/history/[0-9a-f-]{36}$`));
    await expect(page.getByRole('heading', { name: /^Contacts · / })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Record errors' })).toBeVisible();
    await expect(page.getByTestId('run-error').or(page.getByTestId('no-run-errors')).first()).toBeVisible();
    await expect(page.getByText('CRM API calls')).toBeVisible();
    await axeClean(page, 'run detail');

    // ---- conflicts: two contacts' titles changed in the app and in HubSpot
    const [link, second, other] = await sql<{ app_id: string; remote_id: string }[]>`select app_id, remote_id from record_links where connection_id = ${connection.id} and entity = 'contact' order by remote_id limit 3`;
    expect(link && second && other).toBeTruthy();
    const titles = new Map<string, { app: string; crm: string; base: string | null }>();
    for (const [i, l] of [link!, second!].entries()) {
      const before = await hubspotContact(page.request, hubspot, l.remote_id, ['jobtitle']);
      restore.push(() => editHubspotContact(page.request, hubspot, l.remote_id, { jobtitle: before.jobtitle ?? '' }));
      titles.set(l.app_id, { app: `Title from the app ${i + 1}`, crm: `Title from HubSpot ${i + 1}`, base: before.jobtitle ?? null });
      const appEdit = await trpcMutation(page.request, 'crm.contacts.update', { id: l.app_id, position: `Title from the app ${i + 1}` });
      expect(appEdit.status, JSON.stringify(appEdit.body)).toBe(200);
      await editHubspotContact(page.request, hubspot, l.remote_id, { jobtitle: `Title from HubSpot ${i + 1}` });
    }
    await page.goto(`${base}/history`);
    await hydrated(page);
    await syncNowAndWait(page);
    await expect(page.getByTestId('history-run').filter({ hasText: 'Contacts' }).first().locator('td').nth(5)).toHaveText('2');
    await expect(page.getByTestId('open-conflicts')).toHaveText(/^2/);

    await page.getByRole('link', { name: /^Conflicts/ }).click();
    await expect(page).toHaveURL(`${base}/conflicts`);
    const records = page.getByTestId('conflict-record');
    await expect(records).toHaveCount(2);
    await expect(records.first()).toContainText('Position');
    await axeClean(page, 'conflicts');

    /** The open record on screen: which of the two, by the app value it shows. */
    const onScreen = async () => {
      const appValue = await page.getByTestId('conflict-field').getByTestId('app-value').textContent();
      const [appId, t] = [...titles.entries()].find(([, t]) => t.app === appValue)!;
      return { appId, ...t, remoteId: [link!, second!].find((l) => l.app_id === appId)!.remote_id };
    };
    await records.first().getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`${base}/conflicts/[0-9a-f-]{36}$`));
    const first = await onScreen();
    const field = page.getByTestId('conflict-field').filter({ has: page.getByText('Position', { exact: true }) });
    await expect(field.getByTestId('app-value')).toHaveText(first.app);
    await expect(field.getByTestId('crm-value')).toHaveText(first.crm);
    await expect(field.getByTestId('base-value')).toHaveText(first.base ? first.base : 'empty');
    await expect(field).toContainText('Differs');
    await axeClean(page, 'conflict detail');

    // settle the first with an edited value: on to the next open conflict
    await hydrated(page);
    const choice = page.getByRole('group', { name: 'Keep for Position' });
    await choice.getByLabel('Merged value for Position').fill('Merged title');
    await expect(choice.getByRole('radio', { name: 'An edited value' })).toBeChecked();
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Resolved. Here is the next open conflict.' })).toBeVisible();
    await expect(page.getByTestId('open-conflicts')).toHaveText(/^1/);
    const next = await onScreen();
    expect(next.appId).not.toBe(first.appId);

    // the second: always use HubSpot (its value now, and the mapping's override from now on)
    await hydrated(page);
    await page.getByRole('button', { name: 'Always use HubSpot' }).click();
    await expect(page).toHaveURL(`${base}/conflicts?settled=resolved`);
    await expect(page.getByRole('status').filter({ hasText: 'No open conflicts are left' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'No open conflicts' })).toBeVisible();
    await expect(page.getByTestId('open-conflicts')).toHaveCount(0);
    await page.getByRole('link', { name: 'Resolved', exact: true }).click();
    await expect(page.getByTestId('conflict-record')).toHaveCount(2);
    const position = async (appId: string) => JSON.stringify((await trpcQuery(page.request, 'crm.contacts.byId', { id: appId })).body);
    expect(await position(first.appId)).toContain('"position":"Merged title"');
    expect(await position(next.appId)).toContain(`"position":"${next.crm}"`);
    const report = await trpcQuery<{ mappings: { appField: string; override: string }[] }>(page.request, 'mappings.list', { connectionId: connection.id, entity: 'contact' });
    expect(report.body?.result?.data.mappings.find((m) => m.appField === 'position')?.override).toBe('always_crm');
    // the edited value reaches HubSpot on the next sync
    await page.goto(`${base}/history`);
    await hydrated(page);
    await syncNowAndWait(page);
    expect((await hubspotContact(page.request, hubspot, first.remoteId, ['jobtitle'])).jobtitle).toBe('Merged title');

    // ---- a record that fails: HubSpot gives a contact an e-mail another app contact already holds
    const onlyPull = await trpcMutation(page.request, 'connections.update', { id: connection.id, direction: 'pull' });
    expect(onlyPull.status, JSON.stringify(onlyPull.body)).toBe(200);
    const takenEmail = `taken-${unique()}@example.test`;
    const holder = await trpcMutation<{ contact: { id: string } }>(page.request, 'crm.contacts.create', { firstName: 'Holds', lastName: 'The e-mail', email: takenEmail });
    expect(holder.status, JSON.stringify(holder.body)).toBe(200);
    const otherBefore = await hubspotContact(page.request, hubspot, other!.remote_id, ['email']);
    restore.push(() => editHubspotContact(page.request, hubspot, other!.remote_id, { email: otherBefore.email ?? '' }));
    await editHubspotContact(page.request, hubspot, other!.remote_id, { email: takenEmail });
    await page.goto(`${base}/history`);
    await hydrated(page);
    await syncNowAndWait(page);
    const failedRun = page.getByTestId('history-run').filter({ hasText: 'Contacts' }).first();
    await expect(failedRun.getByTestId('run-status')).toHaveText('Partial');
    await expect(failedRun.locator('td').nth(4)).toHaveText('1');
    await failedRun.getByRole('link', { name: /Run details/ }).click();
    const error = page.getByTestId('run-error');
    await expect(error).toHaveCount(1);
    await expect(error).toContainText(other!.remote_id);
    await expect(error).toContainText('Can retry');
    await expect(error.locator('td').nth(3)).toHaveText('1');

    // retry before the cause is fixed: it fails again, as attempt 2
    await hydrated(page);
    await page.getByRole('button', { name: 'Retry failed records (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Retry the failed records?' });
    await dialog.getByRole('button', { name: 'Retry' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Retry queued' })).toBeVisible();
    await expect(page.getByRole('button', { name: /Retry failed records/ })).toHaveCount(0, { timeout: 30_000 }); // the record was handed to the retry run
    await page.goto(`${base}/history`);
    const retryRun = page.getByTestId('history-run').filter({ hasText: 'Retry' }).first();
    await expect(async () => {
      await page.reload();
      await expect(retryRun.getByTestId('run-status')).toHaveText('Partial', { timeout: 1_000 });
    }).toPass({ timeout: 60_000, intervals: [1_000] });
    await retryRun.getByRole('link', { name: /Run details/ }).click();
    await expect(page.getByText(/retrying the failed records of/)).toBeVisible();
    await expect(page.getByTestId('run-error').locator('td').nth(3)).toHaveText('2');

    // fix the cause (the other contact lets the e-mail go) and retry: the CRM's e-mail lands
    const freed = await trpcMutation(page.request, 'crm.contacts.update', { id: holder.body!.result!.data.contact.id, email: `freed-${unique()}@example.test` });
    expect(freed.status, JSON.stringify(freed.body)).toBe(200);
    await hydrated(page);
    await page.getByRole('button', { name: 'Retry failed records (1)' }).click();
    await page.getByRole('dialog', { name: 'Retry the failed records?' }).getByRole('button', { name: 'Retry' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Retry queued' })).toBeVisible();
    await expect(async () => {
      const fixed = await trpcQuery(page.request, 'crm.contacts.byId', { id: other!.app_id });
      expect(JSON.stringify(fixed.body)).toContain(`"email":"${takenEmail}"`);
    }).toPass({ timeout: 60_000, intervals: [1_000] });

    // ---- a manager reads the same screens without their buttons
    const managerContext = await newContext(browser);
    try {
      const managerPage = await managerContext.newPage();
      await login(managerPage, manager.email, manager.password);
      await managerPage.goto(`${base}/history`);
      await expect(managerPage.getByTestId('history-run').first()).toBeVisible();
      await expect(managerPage.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
      await managerPage.goto(`${base}/conflicts?status=resolved`);
      await managerPage.getByTestId('conflict-record').first().getByRole('link').click();
      await expect(managerPage.getByText('Kept')).toBeVisible();
      await expect(managerPage.getByRole('button', { name: 'Resolve' })).toHaveCount(0);
    } finally {
      await managerContext.close();
    }
  } finally {
    for (const undo of restore.reverse()) await undo().catch(() => {});
    await sql.end();
    await trpcMutation(page.request, 'connections.disconnect', { id: connection.id });
  }
});
