// Which address the sign-in rate limits count: the peer, unless proxies of ours are declared.
import { describe, expect, test } from "bun:test";
import { clientIp } from "../../web/kit/http.ts";

const peer = { requestIP: () => ({ address: "10.0.0.7" }) };
const req = (xff?: string) => new Request("http://gw/app/login", { headers: xff === undefined ? {} : { "x-forwarded-for": xff } });

const cases: [string, string | undefined, number, string][] = [
  ["no proxy declared: a forged header is ignored", "1.2.3.4", 0, "10.0.0.7"],
  ["one proxy: the address it appended", "203.0.113.9", 1, "203.0.113.9"],
  ["one proxy: what the client wrote itself is skipped", "6.6.6.6, 203.0.113.9", 1, "203.0.113.9"],
  ["two proxies: the entry the outer one appended", "6.6.6.6, 203.0.113.9, 10.1.1.1", 2, "203.0.113.9"],
  ["fewer entries than proxies: not through them, the peer", "203.0.113.9", 2, "10.0.0.7"],
  ["proxy declared but no header: the peer", undefined, 1, "10.0.0.7"],
  ["spaces and empty entries", " , 203.0.113.9 ,", 1, "203.0.113.9"],
];

describe("clientIp", () => {
  for (const [name, xff, hops, expected] of cases) {
    test(name, () => expect(clientIp(peer, req(xff), hops)).toBe(expected));
  }
});
