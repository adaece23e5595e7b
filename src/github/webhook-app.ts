import type { ApplicationFunction } from "probot";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { Intake } from "../queue/intake.ts";
import { routeEvent } from "./route-event.ts";

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

/**
 * The Probot app of the web role: every delivery is routed (pure) and handed to the intake.
 * It makes no GitHub API call, so GitHub gets its answer in milliseconds. An intake error
 * (Redis down) propagates, so GitHub records the delivery as failed and it can be redelivered.
 */
export function webhookApp(deps: {
  intake: Intake;
  log: Logger;
  deliveries: Counter<"event" | "outcome">;
}): ApplicationFunction {
  return (app) => {
    app.onAny(async (context) => {
      // GitHub's delivery ids are GUIDs; anything else cannot be deduplicated safely.
      const intent = DELIVERY_ID.test(context.id)
        ? routeEvent(context.name, context.payload)
        : ({ kind: "ignore", reason: "malformed X-GitHub-Delivery" } as const);
      const result = await deps.intake.submit(context.id, intent).catch((error: unknown) => {
        deps.deliveries.inc({ event: context.name, outcome: "error" });
        throw error;
      });
      deps.deliveries.inc({ event: context.name, outcome: result });
      deps.log.info(
        {
          deliveryId: context.id,
          event: context.name,
          result,
          ...(intent.kind === "ignore" ? { reason: intent.reason } : {}),
        },
        "delivery handled",
      );
    });
  };
}
