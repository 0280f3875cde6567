// One Database handle for both backends: postgres.js against a real server, or embedded
// PGlite in DATA_DIR when DATABASE_URL is unset, on a thread of its own (db/pglite-worker.ts).
import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { mkdirSync } from "node:fs";
import * as schema from "./schema.ts";
import { PGliteThread } from "./pglite-thread.ts";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Raw SQL access; both drivers shape results differently, this hides it. */
export interface Executor {
  /** Runs a script of several statements (migrations). */
  execScript(sql: string): Promise<void>;
  /** One parameterised statement, rows as plain objects. */
  rows<T>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface Database extends Executor {
  kind: "postgres" | "pglite";
  db: Db;
  /** Runs fn in one transaction holding an advisory lock, so concurrent starts take turns. */
  exclusive<T>(lockId: number, fn: (tx: Executor) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  /** PGlite data directory; "memory://" keeps it in memory (tests). */
  dataDir?: string;
}

type Params = postgres.ParameterOrJSON<never>[];

function postgresExecutor(sql: postgres.Sql | postgres.TransactionSql): Executor {
  return {
    execScript: async (text) => {
      await sql.unsafe(text);
    },
    rows: async <T>(text: string, params: unknown[] = []) =>
      (await sql.unsafe(text, params as Params)) as unknown as T[],
  };
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return {
      kind: "postgres",
      db,
      ...postgresExecutor(client),
      exclusive: async <T>(lockId: number, fn: (tx: Executor) => Promise<T>) =>
        (await client.begin(async (tx) => {
          await tx.unsafe("select pg_advisory_xact_lock($1)", [lockId]);
          return fn(postgresExecutor(tx));
        })) as T,
      ping: async () => {
        try {
          await client`select 1`;
          return true;
        } catch {
          return false;
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dir = opts.dataDir ?? "./data";
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  const pg = await PGliteThread.open(dir);
  // drizzle's PGlite driver only calls query() and transaction(), which the thread answers.
  const db = drizzlePglite(pg as unknown as PGlite, { schema }) as unknown as Db;
  const executor: Executor = {
    execScript: async (text) => {
      await pg.exec(text);
    },
    rows: async <T>(text: string, params: unknown[] = []) => (await pg.query<T>(text, params)).rows,
  };
  return {
    kind: "pglite",
    db,
    ...executor,
    // PGlite is one connection in this process: there is nobody to take turns with.
    exclusive: (_lockId, fn) => fn(executor),
    ping: async () => {
      try {
        await pg.query("select 1");
        return true;
      } catch {
        return false;
      }
    },
    close: () => pg.close(),
  };
}
