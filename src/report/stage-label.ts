import type { StageName } from "./outcome.ts";

export const STAGE_LABEL = { build: "Build", deploy: "Deploy" } as const satisfies Record<
  StageName,
  string
>;
