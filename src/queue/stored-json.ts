import type { z } from "zod";

/**
 * Reads back JSON Slipway stored in Redis, validated: our own data, but written by another
 * version, or damaged, it becomes `undefined` instead of a crash.
 */
export function parseStored<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
