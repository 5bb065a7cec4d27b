import { PgBoss } from 'pg-boss';
import { queues } from './queues';

/** One pg-boss instance per process, in its own schema of the application database. */
export async function startBoss(
  connectionString: string,
  options: { log?: (msg: string) => void; schedule?: boolean; /** Supervision cadence (heartbeat checks); tests shorten it. */ superviseIntervalSeconds?: number } = {},
) {
  const boss = new PgBoss({
    connectionString,
    schema: 'pgboss',
    max: 5,
    useListenNotify: true,
    schedule: options.schedule ?? true,
    application_name: 'crm-hub-boss',
    ...(options.superviseIntervalSeconds ? { superviseIntervalSeconds: options.superviseIntervalSeconds, monitorIntervalSeconds: options.superviseIntervalSeconds } : {}),
  } as ConstructorParameters<typeof PgBoss>[0]);
  boss.on('error', (error) => options.log?.(`[pg-boss] ${error instanceof Error ? error.message : String(error)}`));
  await boss.start();
  for (const queue of Object.values(queues)) {
    await boss.createQueue(queue.name, queue.options);
  }
  return boss;
}
