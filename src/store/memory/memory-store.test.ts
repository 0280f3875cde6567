import { MemoryHotStore } from "./memory-store.ts";
import { runHotStoreCases } from "../store.cases.ts";

runHotStoreCases("memory", async () => new MemoryHotStore());
