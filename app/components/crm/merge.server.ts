import type { ActionFunctionArgs } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { formResult } from '~/lib/trpc.server';
import { isUuid } from './format';
import type { MergeSide } from './merge';
import { mergeChoices } from './merge-rows';
import { crmSession } from './session.server';

type Caller = Awaited<ReturnType<typeof crmSession>>['caller'];

/**
 * The action of a merge screen (/crm/<kind>/:id/merge): managers only; reads the merged
 * record's id and the radios, calls the kind's merge procedure, lands on the survivor.
 */
export async function mergeAction<F extends string>(
  args: ActionFunctionArgs,
  kind: { param: string; one: string; basePath: string; fields: readonly F[] },
  merge: (caller: Caller, input: { survivorId: string; mergedId: string; fields: Partial<Record<F, MergeSide>>; custom: Record<string, MergeSide> }) => Promise<unknown>,
) {
  const { caller, headers, can } = await crmSession(args);
  const id = args.params[kind.param];
  const title = kind.one[0]!.toUpperCase() + kind.one.slice(1);
  if (!isUuid(id)) throw new Response(`${title} not found.`, { status: 404 });
  if (!can.manage) throw new Response(`Only managers merge ${kind.one}s.`, { status: 403 });
  const form = await args.request.formData();
  if (form.get('intent') !== 'merge') return data({ message: 'Unknown action.' }, { status: 400, headers });
  const mergedId = String(form.get('mergedId') ?? '');
  if (!isUuid(mergedId)) return data({ message: `Choose the ${kind.one} to merge into this one.` }, { status: 400, headers });
  const { fields, custom } = mergeChoices(form, kind.fields);
  const result = await formResult(merge(caller, { survivorId: id, mergedId, fields, custom }));
  if (!result.ok) return data({ message: result.message }, { status: result.status, headers });
  return redirect(`${kind.basePath}/${id}?notice=${kind.one}-merged`, { headers });
}
