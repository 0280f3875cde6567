// The committed openapi/openapi.json, openapi/admin.json and postman/collection.json must be
// exactly what the code generates. When a route changes, `npm run docs` regenerates them.
import { describe, expect, test } from "bun:test";
import { staleDocs } from "../../scripts/docs.ts";

describe("committed API docs", () => {
  test("equal what the route schemas generate", async () => {
    const stale = await staleDocs();
    if (stale.length > 0) throw new Error(`${stale.join(", ")} out of date with the routes: run npm run docs`);
    expect(stale).toEqual([]);
  });
});
