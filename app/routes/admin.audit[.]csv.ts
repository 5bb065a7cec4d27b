import type { LoaderFunctionArgs } from '@remix-run/node';
import { auditCsvResponse } from '~/lib/audit-csv.server';

export const loader = (args: LoaderFunctionArgs) => auditCsvResponse(args, 'platform');
