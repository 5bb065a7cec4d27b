import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { useFetcher, useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import type { SettingsActionResult } from '~/components/crm/stages/fetcher-dialog';
import { DELETE_STAGE_FETCHER } from '~/components/crm/stages/stage-dialogs';
import { StageFields } from '~/components/crm/stages/stage-fields';
import { StageList } from '~/components/crm/stages/stage-list';
import { Alert, EmptyState } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { sectionLoader } from '~/lib/section.server';
import { formResult, orThrowResponse } from '~/lib/trpc.server';

export async function loader(args: LoaderFunctionArgs) {
  const { caller } = await sectionLoader('crm.stages.manage')(args);
  // an admin sees every lead, so the pipeline summary's counts are the stage's leads
  const [stages, summary] = await Promise.all([orThrowResponse(caller.crm.stages.list()), orThrowResponse(caller.crm.leads.pipeline({}))]);
  const counts = new Map(summary.map((s) => [s.id, s.count]));
  return {
    stages: stages.map((s) => ({
      id: s.id,
      name: s.name,
      color: s.color,
      isQualified: s.isQualified,
      isWon: s.isWon,
      isLost: s.isLost,
      leadCount: counts.get(s.id) ?? 0,
    })),
  };
}

const stageForm = z.object({
  name: z.string().trim().min(1, 'Give the stage a name.').max(80, 'At most 80 characters.'),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Choose a color.'),
  isQualified: z.literal('on').optional(),
  outcome: z.enum(['open', 'won', 'lost']).default('open'),
});
const uuid = z.string().uuid();
const actionForm = z.discriminatedUnion('intent', [
  stageForm.extend({ intent: z.literal('create') }),
  stageForm.extend({ intent: z.literal('update'), id: uuid }),
  z.object({ intent: z.literal('reorder'), stageId: z.array(uuid).min(1) }),
  z.object({ intent: z.literal('delete'), id: uuid, moveToStageId: uuid.optional() }),
]);

const stageInput = (f: z.infer<typeof stageForm>) => ({
  name: f.name,
  color: f.color.toLowerCase(),
  isQualified: f.isQualified === 'on',
  isWon: f.outcome === 'won',
  isLost: f.outcome === 'lost',
});

export async function action(args: ActionFunctionArgs) {
  const { caller, headers } = await sectionLoader('crm.stages.manage')(args);
  const form = await args.request.formData();
  const fields = Object.fromEntries([...form.keys()].map((k) => [k, k === 'stageId' ? form.getAll(k) : form.get(k) || undefined]));
  const intent = String(form.get('intent') ?? '');
  const parsed = actionForm.safeParse(fields);
  if (!parsed.success) {
    const fieldErrors = z.flattenError(parsed.error).fieldErrors as Record<string, string[]>;
    return data<SettingsActionResult>({ ok: false, intent, status: 400, message: 'Please correct the highlighted fields.', fieldErrors }, { status: 400, headers });
  }
  const input = parsed.data;
  const [result, message] =
    input.intent === 'create'
      ? [await formResult(caller.crm.stages.create(stageInput(input))), `Stage “${input.name}” added.`]
      : input.intent === 'update'
        ? [await formResult(caller.crm.stages.update({ id: input.id, ...stageInput(input) })), `Stage “${input.name}” saved.`]
        : input.intent === 'reorder'
          ? [await formResult(caller.crm.stages.reorder({ stageIds: input.stageId })), 'New order saved.']
          : [await formResult(caller.crm.stages.delete({ id: input.id, moveToStageId: input.moveToStageId })), 'Stage deleted.'];
  if (!result.ok) {
    return data<SettingsActionResult>(
      { ok: false, intent, status: result.status, message: result.message, fieldErrors: result.fieldErrors ?? {} },
      { status: result.status, headers },
    );
  }
  const moved = input.intent === 'delete' && result.value && 'moved' in result.value ? result.value.moved : 0;
  return data<SettingsActionResult>({ ok: true, intent, message: moved ? `${message} ${moved} ${moved === 1 ? 'lead' : 'leads'} moved.` : message }, { headers });
}

export default function StageSettings() {
  const { stages } = useLoaderData<typeof loader>();
  const [notice, setNotice] = useState<string | null>(null);
  const reorder = useFetcher<SettingsActionResult>();
  const add = useFetcher<SettingsActionResult>();
  const deleted = useFetcher<SettingsActionResult>({ key: DELETE_STAGE_FETCHER });
  const [addKey, setAddKey] = useState(0);

  // the order on screen: the loader's, or the one just dropped while it saves
  const pendingOrder = reorder.formData?.getAll('stageId').map(String);
  const ordered = pendingOrder ? pendingOrder.map((id) => stages.find((s) => s.id === id)).filter((s) => !!s) : stages;
  const reorderFailed = reorder.state === 'idle' && reorder.data && !reorder.data.ok ? reorder.data.message : null;

  useEffect(() => {
    if (add.state !== 'idle' || !add.data?.ok) return;
    setNotice(add.data.message);
    setAddKey((k) => k + 1);
  }, [add.state, add.data]);
  useEffect(() => {
    if (reorder.state === 'idle' && reorder.data?.ok) setNotice(reorder.data.message);
  }, [reorder.state, reorder.data]);
  useEffect(() => {
    if (deleted.state === 'idle' && deleted.data?.ok) setNotice(deleted.data.message);
  }, [deleted.state, deleted.data]);

  const onReorder = (ids: string[]) => {
    const form = new FormData();
    form.set('intent', 'reorder');
    for (const id of ids) form.append('stageId', id);
    setNotice(null);
    reorder.submit(form, { method: 'post' });
  };

  const addFailure = add.state === 'idle' && add.data && !add.data.ok ? add.data : null;
  return (
    <div className="space-y-8">
      {/* one live region that stays mounted, so each new notice is announced */}
      <div role="status" aria-live="polite" className={notice ? 'rounded-md border border-green-300 bg-green-50 px-4 py-3 text-sm text-green-900' : undefined}>
        {notice}
      </div>
      <section aria-labelledby="stages-heading" className="space-y-3">
        <div>
          <h2 id="stages-heading" className="text-lg font-semibold">
            Pipeline stages
          </h2>
          <p className="text-sm text-slate-700">The columns of the pipeline, left to right. Drag a stage by its grip, or focus the grip and use Space and the arrow keys.</p>
        </div>
        {reorderFailed ? <Alert>{reorderFailed}</Alert> : null}
        {ordered.length === 0 ? (
          <EmptyState title="No stages">Add the first stage of your pipeline below.</EmptyState>
        ) : (
          <div aria-busy={reorder.state !== 'idle' || undefined}>
            <StageList stages={ordered} onReorder={onReorder} onDone={setNotice} disabled={reorder.state !== 'idle'} />
          </div>
        )}
      </section>
      <section aria-labelledby="add-stage-heading" className="max-w-lg space-y-3">
        <h2 id="add-stage-heading" className="text-lg font-semibold">
          Add a stage
        </h2>
        <add.Form key={addKey} method="post" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
          <input type="hidden" name="intent" value="create" />
          {addFailure ? <Alert>{addFailure.message}</Alert> : null}
          <StageFields errors={addFailure?.fieldErrors} />
          <Button type="submit" disabled={add.state !== 'idle'}>
            {add.state !== 'idle' ? 'Adding…' : 'Add stage'}
          </Button>
        </add.Form>
      </section>
    </div>
  );
}

export const meta: MetaFunction = () => [{ title: 'Stages · Settings · CRM Hub' }];
