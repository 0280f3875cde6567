// The key cache in front of the hot store: revocations announced on the channel win over
// lookups that were already in flight.
import { describe, expect, test } from "bun:test";
import { KeyAuthenticator } from "./auth.ts";
import { MemoryHotStore } from "../store/memory/memory-store.ts";
import { hashApiKey, KEY_INVALIDATION_CHANNEL } from "../store/keys.ts";
import type { KeyRecord } from "../store/types.ts";

const KEY = "sk-sluice-test-key-0001";
const record: KeyRecord = {
  keyId: "key_1",
  userId: "usr_1",
  status: "active",
  allowedModels: null,
  limits: { rpm: 0, concurrency: 0, spendCapMicro: 0n, spendWindowSeconds: 0 },
};
const headers = new Headers({ authorization: `Bearer ${KEY}` });

/** A memory store whose key reads take as long as the test says. */
function slowStore() {
  const store = new MemoryHotStore();
  const read = store.getKey.bind(store);
  const slow = { gate: Promise.resolve() };
  store.getKey = async (hash) => {
    const r = await read(hash);
    await slow.gate;
    return r;
  };
  return { store, slow };
}

async function revoke(store: MemoryHotStore): Promise<void> {
  const hash = hashApiKey(KEY);
  await store.deleteKey(hash);
  await store.publish(KEY_INVALIDATION_CHANNEL, hash);
}

describe("key cache", () => {
  test("a revocation evicts the cached key", async () => {
    const { store } = slowStore();
    await store.putKey(hashApiKey(KEY), record);
    const auth = new KeyAuthenticator(store);
    await auth.start();
    expect(await auth.authenticate(headers)).toEqual(record);
    await revoke(store);
    expect(await auth.authenticate(headers)).toBeNull();
  });

  test("a lookup in flight when the revocation arrives is not cached", async () => {
    const { store, slow } = slowStore();
    await store.putKey(hashApiKey(KEY), record);
    const auth = new KeyAuthenticator(store);
    await auth.start();
    let release!: () => void;
    slow.gate = new Promise((r) => (release = r));
    // Read before the revocation, answered after it.
    const inFlight = auth.authenticate(headers);
    await Bun.sleep(1);
    await revoke(store);
    release();
    expect(await inFlight).toEqual(record);
    slow.gate = Promise.resolve();
    expect(await auth.authenticate(headers)).toBeNull();
  });
});
