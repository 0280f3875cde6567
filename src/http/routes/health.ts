import { Elysia } from "elysia";

export interface HealthDeps {
  startedAt: number;
  /** True when the database and hot store answer and the catalog is loaded. */
  ready(): Promise<boolean>;
}

export function healthRoutes(deps: HealthDeps) {
  return new Elysia({ name: "health" })
    .get("/healthz", () => ({ status: "ok" as const, uptimeSeconds: Math.floor((Date.now() - deps.startedAt) / 1000) }), {
      detail: { summary: "Liveness probe", tags: ["Ops"] },
    })
    .get(
      "/readyz",
      async ({ set }) => {
        if (await deps.ready()) return { status: "ready" as const };
        set.status = 503;
        return { status: "not_ready" as const };
      },
      { detail: { summary: "Readiness probe", tags: ["Ops"] } },
    );
}
