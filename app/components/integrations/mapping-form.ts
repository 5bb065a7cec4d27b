import { z } from 'zod';

/** Form plumbing shared by the field mappings and sync settings routes. */

/** The connection of the URL, or a 404 at once. */
export function connectionIdOf(params: Record<string, string | undefined>): string {
  const id = z.string().uuid().safeParse(params.connectionId);
  if (!id.success) throw new Response('There is no connection at this address.', { status: 404 });
  return id.data;
}

/**
 * A hidden input carrying JSON built by a client-side editor (transforms, filter rules):
 * parsed here, validated by the procedure against its own schema.
 */
export const jsonInput = (fallback: string, max: number, message: string) =>
  z
    .string()
    .max(max)
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
    });

/** Field errors keyed by the form's inputs: "transform.0.value" belongs to `transform`. */
export function byInput(fieldErrors: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(fieldErrors ?? {})) (out[key.split('.')[0]!] ??= []).push(...messages);
  return out;
}
