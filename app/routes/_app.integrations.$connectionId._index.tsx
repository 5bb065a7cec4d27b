import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';

/** A connection opens on its field mappings. */
export function loader({ params }: LoaderFunctionArgs) {
  throw redirect(`/integrations/${params.connectionId}/mappings`);
}
