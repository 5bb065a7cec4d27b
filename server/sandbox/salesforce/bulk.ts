import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { json } from '../core/sandbox';
import { apiErrors, methodNotAllowed, readJson } from './errors';
import { normalizeId } from './ids';
import { openQuery, type QueryCursor } from './query';
import { formatDateTime, objectDef, OBJECTS, type ObjectName, type SaveError } from './schema';
import { parseSoql, SoqlError, type FieldRef } from './soql';
import { USER_ID, type SalesforceStore } from './store';
import type { RestContext } from './rest';

/**
 * Bulk API 2.0: ingest jobs (create → PUT CSV → PATCH UploadComplete → poll → results
 * CSVs) and query jobs (create → poll → results CSV pages with Sforce-Locator). Rows run
 * through the same validation and write path as the REST API. A job reports InProgress
 * for `settings.bulkPollsBeforeComplete` polls before it completes.
 */

const DELIMITERS = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' } as const;
type Delimiter = keyof typeof DELIMITERS;
type LineEnding = 'LF' | 'CRLF';

const bulkError = (status: number, errorCode: string, message: string) => apiErrors(status, [{ errorCode, message }]);
const jobNotFound = () => bulkError(404, 'NOT_FOUND', 'The requested resource does not exist');

const ingestCreateSchema = z.object({
  object: z.string().min(1),
  operation: z.enum(['insert', 'update', 'upsert', 'delete', 'hardDelete']),
  externalIdFieldName: z.string().optional(),
  lineEnding: z.enum(['LF', 'CRLF']).optional().default('LF'),
  columnDelimiter: z.enum(['COMMA', 'TAB', 'PIPE', 'SEMICOLON', 'CARET', 'BACKQUOTE']).optional().default('COMMA'),
  contentType: z.literal('CSV').optional(),
  assignmentRuleId: z.string().optional(),
});
const queryCreateSchema = z.object({
  operation: z.enum(['query', 'queryAll']).optional().default('query'),
  query: z.string().min(1),
  lineEnding: z.enum(['LF', 'CRLF']).optional().default('LF'),
  columnDelimiter: z.enum(['COMMA', 'TAB', 'PIPE', 'SEMICOLON', 'CARET', 'BACKQUOTE']).optional().default('COMMA'),
});
const stateSchema = z.object({ state: z.enum(['UploadComplete', 'Aborted']) });

type IngestState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';

export interface IngestJob {
  id: string;
  object: ObjectName;
  operation: z.infer<typeof ingestCreateSchema>['operation'];
  externalIdFieldName: string | null;
  lineEnding: LineEnding;
  columnDelimiter: Delimiter;
  version: string;
  createdDate: number;
  systemModstamp: number;
  state: IngestState;
  /** What a poll shows until the processed job's final state is revealed. */
  pollsLeft: number;
  finalState: 'JobComplete' | 'Failed';
  errorMessage: string | null;
  uploads: string[];
  processed: number;
  failed: number;
  results: { successful: string; failed: string; unprocessed: string } | null;
}

export interface QueryJob {
  id: string;
  object: ObjectName;
  operation: 'query' | 'queryAll';
  query: string;
  lineEnding: LineEnding;
  columnDelimiter: Delimiter;
  version: string;
  createdDate: number;
  systemModstamp: number;
  state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';
  pollsLeft: number;
  cursor: QueryCursor;
  fields: FieldRef[];
}

/** Jobs are kept for inspection; the oldest go beyond a cap so memory stays bounded. */
const MAX_JOBS = 500;
const keepRecent = (jobs: Map<string, unknown>) => {
  while (jobs.size >= MAX_JOBS) jobs.delete(jobs.keys().next().value!);
};

const csv = (rows: string[][], job: { columnDelimiter: Delimiter; lineEnding: LineEnding }) =>
  stringify(rows, { quoted: true, quoted_empty: true, delimiter: DELIMITERS[job.columnDelimiter], record_delimiter: job.lineEnding === 'CRLF' ? '\r\n' : '\n' });

function ingestInfo(job: IngestJob) {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: USER_ID,
    createdDate: formatDateTime(job.createdDate),
    systemModstamp: formatDateTime(job.systemModstamp),
    state: job.state,
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.version),
    jobType: 'V2Ingest',
    contentUrl: `services/data/v${job.version}/jobs/ingest/${job.id}/batches`,
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    numberRecordsProcessed: job.state === 'JobComplete' || job.state === 'Failed' ? job.processed : 0,
    numberRecordsFailed: job.state === 'JobComplete' || job.state === 'Failed' ? job.failed : 0,
    retries: 0,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
    ...(job.errorMessage && job.state === 'Failed' ? { errorMessage: job.errorMessage } : {}),
  };
}

function queryInfo(job: QueryJob) {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: USER_ID,
    createdDate: formatDateTime(job.createdDate),
    systemModstamp: formatDateTime(job.systemModstamp),
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.version),
    jobType: 'V2Query',
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    numberRecordsProcessed: job.state === 'JobComplete' ? job.cursor.totalSize : 0,
    retries: 0,
    totalProcessingTime: 0,
    isPkChunkingSupported: true,
  };
}

const formatError = (errors: SaveError[]) => errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.join(',')} --`).join(' ');

/** Runs an uploaded ingest job through the store. */
function processIngest(job: IngestJob, store: SalesforceStore): void {
  const def = OBJECTS[job.object];
  let rows: string[][];
  try {
    rows = parse(job.uploads.join(''), { delimiter: DELIMITERS[job.columnDelimiter], relax_column_count: true, skip_empty_lines: false, bom: true }) as string[][];
  } catch (error) {
    job.finalState = 'Failed';
    job.errorMessage = `InvalidBatch : Failed to parse CSV: ${error instanceof Error ? error.message : String(error)}`;
    job.results = { successful: '', failed: '', unprocessed: '' };
    return;
  }
  // several PUTs each carry a header row; keep the first and drop repeats
  const header = rows[0] ?? [];
  const data = rows.slice(1).filter((r) => !(r.length === header.length && r.every((v, i) => v === header[i])));
  const unknown = header.find((h) => !def.byName.has(h.toLowerCase()));
  if (unknown !== undefined || header.length === 0) {
    job.finalState = 'Failed';
    job.errorMessage = header.length === 0 ? 'InvalidBatch : No data found' : `InvalidBatch : Field name not found : ${unknown}`;
    job.results = { successful: csv([['sf__Id', 'sf__Created', ...header]], job), failed: csv([['sf__Id', 'sf__Error', ...header]], job), unprocessed: csv([header, ...data], job) };
    return;
  }
  const successRows: string[][] = [['sf__Id', 'sf__Created', ...header]];
  const failedRows: string[][] = [['sf__Id', 'sf__Error', ...header]];
  const extField = job.externalIdFieldName ? def.byName.get(job.externalIdFieldName.toLowerCase()) : undefined;
  for (const row of data) {
    // a lone empty line is a record whose one column is empty (multi-column: skip)
    if (row.length === 1 && row[0] === '' && header.length > 1) continue;
    const input: Record<string, unknown> = {};
    header.forEach((h, i) => {
      const v = row[i] ?? '';
      if (v === '#N/A') input[def.byName.get(h.toLowerCase())!.name] = null;
      else if (v !== '') input[def.byName.get(h.toLowerCase())!.name] = v;
    });
    const fail = (errors: SaveError[], id = '') => failedRows.push([id, formatError(errors), ...row]);
    const rawId = typeof input.Id === 'string' ? input.Id : '';
    switch (job.operation) {
      case 'insert': {
        const result = store.validate(job.object, input, null);
        if (!result.ok) fail(result.errors);
        else successRows.push([store.insert(job.object, result.values).Id, 'true', ...row]);
        break;
      }
      case 'update':
      case 'delete':
      case 'hardDelete': {
        if (!rawId) {
          fail([{ statusCode: 'MISSING_ARGUMENT', message: `Id not specified in an ${job.operation === 'update' ? 'update' : 'delete'} call`, fields: [] }]);
          break;
        }
        const id = normalizeId(rawId);
        const r = id ? store.find(id) : null;
        if (!id || id.slice(0, 3) !== def.keyPrefix) {
          fail([{ statusCode: 'MALFORMED_ID', message: `${def.label} ID: id value of incorrect type: ${rawId}`, fields: ['Id'] }], rawId);
          break;
        }
        if (!r) {
          fail([store.findDeleted(id) ? { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] } : { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }], id);
          break;
        }
        if (job.operation !== 'update') {
          store.remove([r]);
          successRows.push([id, 'false', ...row]);
          break;
        }
        const { Id: _ignored, ...fields } = input;
        const result = store.validate(job.object, fields, r);
        if (!result.ok) fail(result.errors, id);
        else {
          store.update(r, result.values);
          successRows.push([id, 'false', ...row]);
        }
        break;
      }
      case 'upsert': {
        const value = extField ? input[extField.name] : undefined;
        if (typeof value !== 'string' || !value) {
          fail([{ statusCode: 'MISSING_ARGUMENT', message: `${extField?.name ?? 'External ID'} not specified`, fields: [extField?.name ?? ''] }]);
          break;
        }
        const existing = extField!.type === 'id' ? store.find(value) : (store.collections[job.object].externalIds.get(value.toLowerCase()) ?? null);
        if (extField!.type === 'id' && !existing) {
          fail([{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }]);
          break;
        }
        const { Id: _ignored, ...fields } = input;
        const result = store.validate(job.object, existing ? Object.fromEntries(Object.entries(fields).filter(([k]) => k !== extField!.name)) : fields, existing);
        if (!result.ok) fail(result.errors, existing?.Id ?? '');
        else if (existing) {
          store.update(existing, result.values);
          successRows.push([existing.Id, 'false', ...row]);
        } else successRows.push([store.insert(job.object, result.values).Id, 'true', ...row]);
        break;
      }
    }
  }
  job.processed = successRows.length - 1 + failedRows.length - 1;
  job.failed = failedRows.length - 1;
  job.finalState = 'JobComplete';
  job.results = { successful: csv(successRows, job), failed: csv(failedRows, job), unprocessed: csv([header], job) };
}

const csvResponse = (body: string, headers: Record<string, string> = {}) => new Response(body, { status: 200, headers: { 'content-type': 'text/csv', ...headers } });

/** A poll: reveals the final state after the configured number of InProgress polls. */
function advance(job: { state: string; pollsLeft: number }, finalState: string) {
  if (job.state !== 'UploadComplete' && job.state !== 'InProgress') return;
  if (job.pollsLeft > 0) {
    job.pollsLeft -= 1;
    job.state = 'InProgress';
    return;
  }
  job.state = finalState;
}

async function ingest(ctx: RestContext, rest: string[]): Promise<Response> {
  const { request, store, version } = ctx;
  const [jobId, sub, ...extra] = rest;
  if (extra.length) return jobNotFound();
  if (!jobId) {
    if (request.method === 'GET') return json({ done: true, records: [...store.ingestJobs.values()].map(ingestInfo), nextRecordsUrl: null });
    if (request.method !== 'POST') return methodNotAllowed(request.method, ['GET', 'POST']);
    const body = await readJson(request);
    if (!body.ok) return body.response;
    const parsed = ingestCreateSchema.safeParse(body.value);
    if (!parsed.success) return bulkError(400, 'INVALIDJOB', `InvalidJob : ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const p = parsed.data;
    const def = objectDef(p.object);
    if (!def) return bulkError(400, 'INVALIDJOB', `InvalidJob : Unable to find object: ${p.object}`);
    let externalIdFieldName: string | null = null;
    if (p.operation === 'upsert') {
      if (!p.externalIdFieldName) return bulkError(400, 'INVALIDJOB', `InvalidJob : External ID was blank for ${def.name}. An External ID must be specified for upsert.`);
      const f = def.byName.get(p.externalIdFieldName.toLowerCase());
      if (!f || (!f.externalId && f.type !== 'id'))
        return bulkError(400, 'INVALIDJOB', `InvalidJob : Field name provided, ${p.externalIdFieldName} does not match an External ID, Salesforce Id, or indexed field for ${def.name}`);
      externalIdFieldName = f.name;
    }
    const now = store.now();
    const job: IngestJob = {
      id: store.nextJobId(),
      object: def.name,
      operation: p.operation,
      externalIdFieldName,
      lineEnding: p.lineEnding,
      columnDelimiter: p.columnDelimiter,
      version,
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
      pollsLeft: 0,
      finalState: 'JobComplete',
      errorMessage: null,
      uploads: [],
      processed: 0,
      failed: 0,
      results: null,
    };
    keepRecent(store.ingestJobs);
    store.ingestJobs.set(job.id, job);
    return json(ingestInfo(job));
  }
  const job = store.ingestJobs.get(jobId);
  if (!job) return jobNotFound();
  if (sub === 'batches') {
    if (request.method !== 'PUT') return methodNotAllowed(request.method, ['PUT']);
    if (job.state !== 'Open') return bulkError(409, 'INVALIDJOBSTATE', `Unable to upload data, job state is ${job.state}`);
    const contentType = request.headers.get('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('text/csv')) return bulkError(400, 'INVALIDJOB', `InvalidJob : Content-Type must be text/csv, not ${contentType || 'missing'}`);
    const text = await request.text();
    job.uploads.push(job.uploads.length && !text.startsWith('\n') && !job.uploads[job.uploads.length - 1]!.endsWith('\n') ? `\n${text}` : text);
    return new Response(null, { status: 201 });
  }
  if (sub === 'successfulResults' || sub === 'failedResults' || sub === 'unprocessedrecords') {
    if (request.method !== 'GET') return methodNotAllowed(request.method, ['GET']);
    if (!job.results) {
      if (sub === 'unprocessedrecords' && job.state === 'Aborted') return csvResponse(job.uploads.join(''));
      return bulkError(400, 'INVALIDJOBSTATE', `Job ${job.id} has not been processed yet (state ${job.state})`);
    }
    return csvResponse(sub === 'successfulResults' ? job.results.successful : sub === 'failedResults' ? job.results.failed : job.results.unprocessed);
  }
  if (sub !== undefined) return jobNotFound();
  switch (request.method) {
    case 'GET':
      advance(job, job.finalState);
      return json(ingestInfo(job));
    case 'PATCH': {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const parsed = stateSchema.safeParse(body.value);
      if (!parsed.success) return bulkError(400, 'INVALIDJOBSTATE', 'state must be UploadComplete or Aborted');
      if (parsed.data.state === 'UploadComplete') {
        if (job.state !== 'Open') return bulkError(409, 'INVALIDJOBSTATE', `Unable to close job, job state is ${job.state}`);
        job.state = 'UploadComplete';
        job.pollsLeft = store.settings.bulkPollsBeforeComplete;
        processIngest(job, store);
      } else {
        if (['JobComplete', 'Failed', 'Aborted'].includes(job.state)) return bulkError(409, 'INVALIDJOBSTATE', `Unable to abort job, job state is ${job.state}`);
        job.state = 'Aborted';
      }
      job.systemModstamp = store.now();
      return json(ingestInfo(job));
    }
    case 'DELETE':
      if (job.state === 'Open' || job.state === 'InProgress') return bulkError(409, 'INVALIDJOBSTATE', `Unable to delete job, job state is ${job.state}`);
      store.ingestJobs.delete(job.id);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed(request.method, ['GET', 'PATCH', 'DELETE']);
  }
}

const encodeLocator = (offset: number) => Buffer.from(String(offset)).toString('base64url');
const decodeLocator = (locator: string) => {
  const text = Buffer.from(locator, 'base64url').toString();
  return /^\d+$/.test(text) ? Number(text) : null;
};

function csvCell(ref: FieldRef, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (ref.field.type === 'datetime') return new Date(value as number).toISOString();
  return String(value);
}

async function queryJobs(ctx: RestContext, rest: string[]): Promise<Response> {
  const { request, store, version, url } = ctx;
  const [jobId, sub, ...extra] = rest;
  if (extra.length) return jobNotFound();
  if (!jobId) {
    if (request.method === 'GET') return json({ done: true, records: [...store.queryJobs.values()].map(queryInfo), nextRecordsUrl: null });
    if (request.method !== 'POST') return methodNotAllowed(request.method, ['GET', 'POST']);
    const body = await readJson(request);
    if (!body.ok) return body.response;
    const parsed = queryCreateSchema.safeParse(body.value);
    if (!parsed.success) return bulkError(400, 'INVALIDJOB', `InvalidJob : ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const p = parsed.data;
    let soql;
    try {
      soql = parseSoql(p.query);
    } catch (error) {
      if (error instanceof SoqlError) return bulkError(400, error.errorCode, error.format(p.query));
      throw error;
    }
    if (soql.count) return bulkError(400, 'INVALIDJOB', 'InvalidJob : Aggregate queries are not supported by Bulk API 2.0');
    const planned = openQuery(soql, store, p.operation === 'queryAll');
    const now = store.now();
    const job: QueryJob = {
      id: store.nextJobId(),
      object: soql.object.name,
      operation: p.operation,
      query: p.query,
      lineEnding: p.lineEnding,
      columnDelimiter: p.columnDelimiter,
      version,
      createdDate: now,
      systemModstamp: now,
      state: 'UploadComplete',
      pollsLeft: store.settings.bulkPollsBeforeComplete,
      cursor: planned.cursor!,
      fields: soql.fields,
    };
    keepRecent(store.queryJobs);
    store.queryJobs.set(job.id, job);
    return json(queryInfo(job));
  }
  const job = store.queryJobs.get(jobId);
  if (!job) return jobNotFound();
  if (sub === 'results') {
    if (request.method !== 'GET') return methodNotAllowed(request.method, ['GET']);
    if (job.state !== 'JobComplete') return bulkError(412, 'JOB_NOT_COMPLETE', `can only download query results of successfully completed bulk job: ${job.id}`);
    const locator = url.searchParams.get('locator');
    const offset = locator ? decodeLocator(locator) : 0;
    const maxRecords = Number(url.searchParams.get('maxRecords') ?? '') || store.settings.bulkQueryPageSize || Number.MAX_SAFE_INTEGER;
    const page = offset === null ? null : job.cursor.fetch(offset, maxRecords);
    if (!page) return bulkError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
    const rows = [job.fields.map((f) => f.path)];
    for (const r of page.records) {
      rows.push(
        job.fields.map((f) => {
          if (!f.via) return csvCell(f, r[f.field.name]);
          const parentId = r[f.via.name];
          const parent = typeof parentId === 'string' ? store.get(parentId) : undefined;
          return csvCell(f, parent?.[f.field.name]);
        }),
      );
    }
    const next = page.done ? 'null' : encodeLocator(offset! + page.records.length);
    return csvResponse(csv(rows, job), { 'sforce-locator': next, 'sforce-numberofrecords': String(page.records.length) });
  }
  if (sub !== undefined) return jobNotFound();
  switch (request.method) {
    case 'GET':
      advance(job, 'JobComplete');
      return json(queryInfo(job));
    case 'PATCH': {
      const body = await readJson(request);
      if (!body.ok) return body.response;
      const parsed = stateSchema.safeParse(body.value);
      if (!parsed.success || parsed.data.state !== 'Aborted') return bulkError(400, 'INVALIDJOBSTATE', 'state must be Aborted');
      if (job.state === 'JobComplete' || job.state === 'Aborted') return bulkError(409, 'INVALIDJOBSTATE', `Unable to abort job, job state is ${job.state}`);
      job.state = 'Aborted';
      return json(queryInfo(job));
    }
    case 'DELETE':
      store.queryJobs.delete(job.id);
      return new Response(null, { status: 204 });
    default:
      return methodNotAllowed(request.method, ['GET', 'PATCH', 'DELETE']);
  }
}

export async function handleBulk(ctx: RestContext): Promise<Response> {
  const [, kind, ...rest] = ctx.segments;
  if (kind === 'ingest') return Number(ctx.version) >= 41 ? ingest(ctx, rest) : jobNotFound();
  if (kind === 'query') return Number(ctx.version) >= 47 ? queryJobs(ctx, rest) : jobNotFound();
  return jobNotFound();
}
