// Worker thread that owns the embedded database. PGlite is Postgres compiled to WASM and runs
// synchronously on whichever thread calls it: on the gateway's thread every ledger batch and
// admin query would stall the requests in flight. Here it has a thread of its own; the
// gateway talks to it through db/pglite-thread.ts.
import { PGlite } from "@electric-sql/pglite";
import type { WorkerReply, WorkerRequest } from "./pglite-thread.ts";

declare const self: Worker;

/** Every embedded database opened by this process, by the id its opener gave it. */
const databases = new Map<number, PGlite>();
/** Identity parsers (values kept as text) by the set of type oids asked for, built once. */
const rawParsers = new Map<string, Record<number, (value: string) => string>>();

function parsersFor(oids: number[] | undefined): Record<number, (value: string) => string> | undefined {
  if (!oids || oids.length === 0) return undefined;
  const key = oids.join(",");
  let parsers = rawParsers.get(key);
  if (!parsers) {
    parsers = Object.fromEntries(oids.map((oid) => [oid, (value: string) => value]));
    rawParsers.set(key, parsers);
  }
  return parsers;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  if (req.op === "open") {
    const pg = new PGlite(req.dataDir);
    await pg.waitReady;
    databases.set(req.db, pg);
    return null;
  }
  const pg = databases.get(req.db);
  if (!pg) throw new Error("this embedded database is closed");
  switch (req.op) {
    case "query": {
      const result = await pg.query(req.sql, req.params, { rowMode: req.rowMode, parsers: parsersFor(req.rawOids) });
      return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
    }
    case "exec":
      return (await pg.exec(req.sql)).map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }));
    case "close":
      databases.delete(req.db);
      await pg.close();
      return null;
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  handle(req).then(
    (result) => self.postMessage({ id: req.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => {
      // Errors cross the thread boundary as plain data; Postgres' fields (code, detail...) kept.
      const e = (err ?? {}) as Record<string, unknown>;
      const error: Record<string, unknown> & { message: string } = { message: err instanceof Error ? err.message : String(err) };
      for (const k of ["code", "detail", "hint", "severity", "constraint", "table", "column", "schema", "position"]) {
        if (e[k] !== undefined) error[k] = e[k];
      }
      self.postMessage({ id: req.id, ok: false, error } satisfies WorkerReply);
    },
  );
};
