// A TCP proxy in front of Postgres that reads the frontend side of the wire protocol and
// records every statement a client runs: simple queries ('Q') and extended-protocol
// executions ('E', attributed to the SQL of the statement its portal was bound to).
// It sees what Postgres sees, whatever driver, pool or ORM sits above, with no hook in the
// application; pg_stat_statements would need shared_preload_libraries, which a shared test
// server does not have.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface Statement {
  /** Proxy-side connection number (one per client connection). */
  conn: number;
  sql: string;
  atMs: number;
}

export interface PgWireProxy {
  port: number;
  statements: Statement[];
  /** Connections currently open through the proxy. */
  openConnections(): number;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export async function startPgWireProxy(target: { host: string; port: number }): Promise<PgWireProxy> {
  const statements: Statement[] = [];
  const sockets = new Set<Socket>();
  let nextConn = 0;

  const server: Server = createServer((client) => {
    const conn = nextConn++;
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
    upstream.on("data", (d) => client.write(d));

    let buf = Buffer.alloc(0);
    let startupDone = false;
    const prepared = new Map<string, string>(); // statement name -> sql
    const portals = new Map<string, string>(); // portal name -> sql
    client.on("data", (d: Buffer) => {
      upstream.write(d);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!startupDone) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          // SSL/GSS negotiation requests come before the real startup message.
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startupDone = true;
          continue;
        }
        if (buf.length < 5) return;
        const type = String.fromCharCode(buf[0]!);
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        const cstrings = (n: number): string[] => {
          const out: string[] = [];
          let at = 0;
          for (let i = 0; i < n; i++) {
            const end = body.indexOf(0, at);
            out.push(body.subarray(at, end).toString("utf8"));
            at = end + 1;
          }
          return out;
        };
        if (type === "Q") {
          statements.push({ conn, sql: cstrings(1)[0]!, atMs: Date.now() });
        } else if (type === "P") {
          const [name, sql] = cstrings(2);
          prepared.set(name!, sql!);
        } else if (type === "B") {
          const [portal, name] = cstrings(2);
          portals.set(portal!, prepared.get(name!) ?? `<unknown statement ${name}>`);
        } else if (type === "E") {
          const [portal] = cstrings(1);
          statements.push({ conn, sql: portals.get(portal!) ?? "<unbound portal>", atMs: Date.now() });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    statements,
    openConnections: () => sockets.size / 2,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
