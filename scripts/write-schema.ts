/**
 * Writes schema/slipway.schema.json from the zod schema of `.slipway.yml`:
 * `node --experimental-strip-types scripts/write-schema.ts`. test/repo-config-schema.test.ts fails
 * when the committed file differs from what this would write, so it cannot go stale.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { repoConfigJsonSchema } from "../src/config/repo-config-json-schema.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../schema/slipway.schema.json", import.meta.url));

/** The file's text, formatted as `prettier --check` expects it. */
export async function renderSchemaFile(): Promise<string> {
  const options = await resolveConfig(SCHEMA_FILE);
  return format(JSON.stringify(repoConfigJsonSchema()), { ...options, parser: "json" });
}

if (import.meta.main) {
  await writeFile(SCHEMA_FILE, await renderSchemaFile());
  console.log(`Wrote ${SCHEMA_FILE}`);
}
