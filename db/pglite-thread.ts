// The gateway's side of the embedded database: the part of PGlite's client interface that
// drizzle and db/client.ts use (query, exec, transaction, close), answered by the PGlite
// instance in db/pglite-worker.ts. PGlite is a single connection, so a transaction holds it:
// statements from outside the transaction wait until it ends, as they would in PGlite.

export type WorkerRequest = { id: number; db: number } & (
  | { op: "open"; dataDir: string }
  | { op: "query"; sql: string; params: unknown[]; rowMode: "object" | "array" | undefined; rawOids: number[] | undefined }
  | { op: "exec"; sql: string }
  | { op: "close" }
);
export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Record<string, unknown> & { message: string } };

export interface QueryResult<T> {
  rows: T[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

export interface QueryOptions {
  rowMode?: "object" | "array";
  /** drizzle passes identity parsers for the types it wants as text; only their oids travel. */
  parsers?: Record<number, unknown>;
}

type Pending = { resolve(v: unknown): void; reject(e: unknown): void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a transaction callback gets: the same calls, inside the transaction. */
export interface ThreadTransaction {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<T>>;
  exec(sql: string): Promise<QueryResult<unknown>[]>;
  rollback(): Promise<void>;
  readonly closed: boolean;
}

class RollbackSignal extends Error {}

/**
 * The one worker of this process, shared by every embedded database opened in it (tests open
 * dozens): PGlite's WASM is compiled once per thread, and a second open on a warm thread is
 * twice as fast as one on a new thread.
 */
class WorkerLink {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(new URL("./pglite-worker.ts", import.meta.url).href);
    // The thread must not keep a process alive that has nothing else to do (a test, a CLI).
    this.worker.unref();
    this.worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(Object.assign(new Error(reply.error.message), reply.error));
    };
    this.worker.onerror = (event) => {
      const err = new Error(`embedded database thread failed: ${event.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  send(req: DistributiveOmit<WorkerRequest, "id">): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }
}

let link: WorkerLink | null = null;
let nextDb = 1;

export class PGliteThread {
  /** Holder of the connection: a transaction, or nothing (free). Calls queue behind it. */
  private turn: Promise<void> = Promise.resolve();

  private constructor(
    private readonly link: WorkerLink,
    private readonly db: number,
  ) {}

  static async open(dataDir: string): Promise<PGliteThread> {
    link ??= new WorkerLink();
    const thread = new PGliteThread(link, nextDb++);
    await thread.send({ op: "open", dataDir });
    return thread;
  }

  query<T>(sql: string, params: unknown[] = [], options?: QueryOptions): Promise<QueryResult<T>> {
    return this.whenFree(() => this.rawQuery<T>(sql, params, options));
  }

  exec(sql: string): Promise<QueryResult<unknown>[]> {
    return this.whenFree(() => this.rawExec(sql));
  }

  async transaction<T>(fn: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    let release!: () => void;
    const previous = this.turn;
    this.turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    let closed = false;
    const tx: ThreadTransaction = {
      query: (sql, params = [], options) => this.rawQuery(sql, params, options),
      exec: (sql) => this.rawExec(sql),
      rollback: async () => {
        throw new RollbackSignal("rollback");
      },
      get closed() {
        return closed;
      },
    };
    try {
      await this.rawExec("BEGIN");
      try {
        const result = await fn(tx);
        await this.rawExec("COMMIT");
        return result;
      } catch (err) {
        await this.rawExec("ROLLBACK");
        throw err;
      }
    } finally {
      closed = true;
      release();
    }
  }

  async close(): Promise<void> {
    await this.whenFree(() => this.send({ op: "close" }));
  }

  private async whenFree<T>(fn: () => Promise<T>): Promise<T> {
    await this.turn;
    return fn();
  }

  private rawQuery<T>(sql: string, params: unknown[], options?: QueryOptions): Promise<QueryResult<T>> {
    const rawOids = options?.parsers ? Object.keys(options.parsers).map(Number) : undefined;
    return this.send({ op: "query", sql, params, rowMode: options?.rowMode, rawOids }) as Promise<QueryResult<T>>;
  }

  private rawExec(sql: string): Promise<QueryResult<unknown>[]> {
    return this.send({ op: "exec", sql }) as Promise<QueryResult<unknown>[]>;
  }

  private send(req: DistributiveOmit<WorkerRequest, "id" | "db">): Promise<unknown> {
    return this.link.send({ ...req, db: this.db } as DistributiveOmit<WorkerRequest, "id">);
  }
}
