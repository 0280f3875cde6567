// Deployment choice: the highest-priority group first, weighted random within a group,
// cooled-down deployments last (they are tried only when nothing healthy is left).
import type { Deployment } from "./catalog.ts";

export function orderDeployments(
  deployments: readonly Deployment[],
  isHealthy: (d: Deployment) => boolean,
  random: () => number = Math.random,
): Deployment[] {
  // Most models have one deployment: nothing to order, and this runs on every request.
  if (deployments.length === 1) return [deployments[0]!];
  const healthy = deployments.filter(isHealthy);
  const cooled = deployments.filter((d) => !isHealthy(d));
  return [...byPriorityThenWeight(healthy, random), ...byPriorityThenWeight(cooled, random)];
}

function byPriorityThenWeight(list: readonly Deployment[], random: () => number): Deployment[] {
  const groups = new Map<number, Deployment[]>();
  for (const d of list) groups.set(d.priority, [...(groups.get(d.priority) ?? []), d]);
  const out: Deployment[] = [];
  for (const priority of [...groups.keys()].sort((a, b) => b - a)) out.push(...weightedShuffle(groups.get(priority)!, random));
  return out;
}

/** Weighted sampling without replacement: heavier deployments tend to come first. */
function weightedShuffle(list: Deployment[], random: () => number): Deployment[] {
  const pool = [...list];
  const out: Deployment[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((s, d) => s + Math.max(0, d.weight), 0);
    let pick = 0;
    if (total > 0) {
      let r = random() * total;
      pick = pool.findIndex((d) => (r -= Math.max(0, d.weight)) < 0);
      if (pick < 0) pick = pool.length - 1;
    }
    out.push(pool.splice(pick, 1)[0]!);
  }
  return out;
}
