import { z } from "zod";
import { parseDuration } from "./duration.ts";

// Field shapes shared by the environment's schemas (env.ts, build-engine-env.ts).

/** A duration such as 30s, 15m, 1h or a number of seconds, as milliseconds. */
export function duration(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: "must be a duration such as 30s, 15m, 1h or a number of seconds",
        });
        return z.NEVER;
      }
      return ms;
    });
}

export function positiveInt(defaultValue: number, max: number) {
  return z.coerce.number().int().min(1).max(max).default(defaultValue);
}

export const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));
