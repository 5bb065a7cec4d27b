import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { formResult } from '~/lib/trpc.server';
import { isUuid } from './format';
import type { MergeSide } from './merge';
import { mergeChoices } from './merge-rows';
import { recordId } from './record-page.server';
import { crmSession } from './session.server';

type Caller = Awaited<ReturnType<typeof crmSession>>['caller'];

const capitalized = (word: string) => word[0]!.toUpperCase() + word.slice(1);

/**
 * The start of a merge screen's loader (/crm/<kind>/:id/merge): managers only; the survivor's id,
 * the URL (for `?q=`), and the other record's id once chosen (`?with=`, never the survivor), else null.
 */
export async function mergeSession(args: LoaderFunctionArgs, kind: { param: string; one: string }) {
  const { caller, can } = await crmSession(args);
  const id = recordId(args, kind.param, `${capitalized(kind.one)} not found.`);
  if (!can.manage) throw new Response(`Only managers merge ${kind.one}s.`, { status: 403 });
  const url = new URL(args.request.url);
  const withParam = url.searchParams.get('with') ?? undefined;
  return { caller, can, id, url, withId: isUuid(withParam) && withParam !== id ? withParam : null };
}

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
  const id = recordId(args, kind.param, `${capitalized(kind.one)} not found.`);
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
