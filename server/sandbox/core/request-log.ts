export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  query: string;
  status: number;
  /** Fault applied, if any. */
  fault?: string;
}

/** Every request a sandbox received, so tests can count a sync's calls. Bounded. */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  constructor(private readonly max = 200_000) {}

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  all(): LoggedRequest[] {
    return [...this.entries];
  }

  count(filter?: { method?: string; pathPrefix?: string; status?: number }): number {
    return this.entries.filter(
      (e) =>
        (!filter?.method || e.method === filter.method) &&
        (!filter?.pathPrefix || e.path.startsWith(filter.pathPrefix)) &&
        (filter?.status === undefined || e.status === filter.status),
    ).length;
  }

  clear(): void {
    this.entries = [];
  }
}
