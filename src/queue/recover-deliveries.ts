import type { Logger } from "pino";
import type { HookDelivery } from "../github/hook-deliveries.ts";
import { planRedeliveries } from "./plan-redeliveries.ts";
import type { QueueDeps } from "./queue-deps.ts";

/** At most this many pages (100 deliveries each) per run: a first run on a busy app is bounded. */
const MAX_PAGES = 20;

/**
 * Missed-delivery recovery. GitHub never retries a failed webhook delivery by itself, so this
 * job reads the app's delivery log back to what it saw last time and asks GitHub to redeliver
 * every delivery that failed (once per delivery). Redelivered events come back through the
 * normal intake — and its idempotency, so a delivery that was in fact handled does nothing.
 */
export async function recoverDeliveries(deps: QueueDeps, log: Logger): Promise<number> {
  const recovery = deps.recovery;
  if (recovery === undefined) return 0;
  const client = await recovery.client();
  const lastSeen = await recovery.store.lastSeen();
  const seen: HookDelivery[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { deliveries, next } = await client.page(cursor);
    seen.push(...deliveries);
    if (next === undefined || deliveries.some((d) => d.id <= lastSeen)) break;
    cursor = next;
  }
  const fresh = seen.filter((d) => d.id > lastSeen);
  const plan = planRedeliveries(fresh, await recovery.store.asked());
  for (const delivery of plan) {
    await client.redeliver(delivery.id);
    await recovery.store.markAsked(delivery.guid);
  }
  const newest = Math.max(lastSeen, ...fresh.map((d) => d.id));
  if (newest > lastSeen) await recovery.store.setLastSeen(newest);
  if (plan.length > 0) {
    log.info(
      { redelivered: plan.map((d) => d.guid), seen: fresh.length },
      "asked GitHub to redeliver failed deliveries",
    );
  }
  return plan.length;
}
