import { describe, expect, test } from "bun:test";
import { SseFramer, sseData, sseEventName } from "./sse.ts";

describe("SseFramer", () => {
  const cases: { name: string; pushes: string[]; events: string[]; rest: string }[] = [
    { name: "one event per push", pushes: ["data: 1\n\n", "data: 2\n\n"], events: ["data: 1\n\n", "data: 2\n\n"], rest: "" },
    { name: "event split across pushes", pushes: ["data: {\"a\"", ":1}\n", "\ndata: 2\n\n"], events: ['data: {"a":1}\n\n', "data: 2\n\n"], rest: "" },
    { name: "CRLF line ends", pushes: ["event: x\r\ndata: 1\r\n\r\n"], events: ["event: x\r\ndata: 1\r\n\r\n"], rest: "" },
    { name: "unterminated tail is kept", pushes: ["data: 1\n\ndata: 2\n"], events: ["data: 1\n\n"], rest: "data: 2\n" },
    { name: "several events in one push", pushes: ["data: 1\n\ndata: 2\n\n: comment\n\n"], events: ["data: 1\n\n", "data: 2\n\n", ": comment\n\n"], rest: "" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const f = new SseFramer();
      const got = c.pushes.flatMap((p) => f.push(p));
      expect(got).toEqual(c.events);
      expect(f.flush()).toBe(c.rest);
    });
  }
  test("bytes out equal bytes in", () => {
    const stream = "event: a\ndata: {\"x\":1}\n\n: ping\n\ndata: [DONE]\n\n";
    const f = new SseFramer();
    let out = "";
    for (let i = 0; i < stream.length; i += 3) out += f.push(stream.slice(i, i + 3)).join("");
    expect(out + f.flush()).toBe(stream);
  });
});

describe("field readers", () => {
  test.each([
    ["event: message_start\ndata: {}\n\n", "message_start"],
    ["id: 1\nevent: ping\ndata: {}\n\n", "ping"],
    ["data: {}\n\n", ""],
  ])("sseEventName(%p) = %p", (raw, name) => expect(sseEventName(raw)).toBe(name));
  test.each([
    ["data: {\"a\":1}\n\n", '{"a":1}'],
    ["data:x\n\n", "x"],
    ["data: a\ndata: b\n\n", "a\nb"],
    ["event: e\r\ndata: z\r\n\r\n", "z"],
    [": comment\n\n", ""],
  ])("sseData(%p) = %p", (raw, data) => expect(sseData(raw)).toBe(data));
});
