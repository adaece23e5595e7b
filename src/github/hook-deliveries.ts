import type { ProbotOctokit } from "probot";
import { z } from "zod";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** The fields of a delivery in the app's webhook log that recovery needs. */
export const HookDelivery = z.object({
  id: z.number().int(),
  guid: z.string(),
  status_code: z.number().int(),
  redelivery: z.boolean().optional(),
});
export type HookDelivery = z.infer<typeof HookDelivery>;

const Page = z.array(HookDelivery);

/** The `cursor` of the Link header's `rel="next"` URL, if there is a next page. */
export function nextCursor(link: string | undefined): string | undefined {
  const next = link?.split(",").find((part) => /rel="next"/.test(part));
  const url = next === undefined ? undefined : /<([^>]+)>/.exec(next)?.[1];
  return url === undefined ? undefined : (new URL(url).searchParams.get("cursor") ?? undefined);
}

/** The app's webhook deliveries log (app JWT auth), newest first, and redelivery requests. */
export function hookDeliveriesClient(octokit: Octokit, timeoutMs: number) {
  return {
    async page(
      cursor: string | undefined,
    ): Promise<{ deliveries: HookDelivery[]; next: string | undefined }> {
      const response = await octokit.request("GET /app/hook/deliveries", {
        per_page: 100,
        ...(cursor === undefined ? {} : { cursor }),
        request: { signal: AbortSignal.timeout(timeoutMs) },
      });
      return { deliveries: Page.parse(response.data), next: nextCursor(response.headers.link) };
    },
    async redeliver(deliveryId: number): Promise<void> {
      await octokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", {
        delivery_id: deliveryId,
        request: { signal: AbortSignal.timeout(timeoutMs) },
      });
    },
  };
}

export type HookDeliveriesClient = ReturnType<typeof hookDeliveriesClient>;
