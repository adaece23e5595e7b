import type { HookDelivery } from "../github/hook-deliveries.ts";

function succeeded(delivery: HookDelivery): boolean {
  return delivery.status_code >= 200 && delivery.status_code < 300;
}

/**
 * Which deliveries to ask GitHub to redeliver: per delivery GUID (a redelivery keeps its GUID),
 * the newest attempt of a delivery none of whose attempts succeeded, unless Slipway already asked
 * for that GUID once. Pure; `deliveries` newest first.
 */
export function planRedeliveries(
  deliveries: readonly HookDelivery[],
  asked: ReadonlySet<string>,
): HookDelivery[] {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const delivery of deliveries)
    byGuid.set(delivery.guid, [...(byGuid.get(delivery.guid) ?? []), delivery]);
  const plan: HookDelivery[] = [];
  for (const [guid, attempts] of byGuid) {
    if (asked.has(guid) || attempts.some(succeeded)) continue;
    const newest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
    plan.push(newest);
  }
  return plan.sort((a, b) => a.id - b.id);
}
