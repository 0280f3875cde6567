// Every response carries x-request-id; it is minted before routing so that even parse and
// validation errors have one.
import { randomUUID } from "node:crypto";

export function newRequestId(): string {
  return "req_" + randomUUID().replace(/-/g, "");
}

export function requestIdOf(set: { headers: Record<string, unknown> }): string {
  const id = set.headers["x-request-id"];
  return typeof id === "string" ? id : newRequestId();
}
