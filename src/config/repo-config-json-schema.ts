import { z } from "zod";
import { RepoConfig } from "./repo-config-schema.ts";

/** Where the published schema lives; editors fetch it by this id. */
export const REPO_CONFIG_SCHEMA_ID = "https://slipway.dev/schema/slipway.schema.json";

/**
 * The JSON Schema of `.slipway.yml`, generated from {@link RepoConfig} so the two cannot disagree.
 * It describes the file as written (`io: "input"`): fields with defaults are optional and show the
 * default. Range checks that need parsing (CPU and memory quantities, reserved env names) are
 * enforced by Slipway only; the schema gives editors their format.
 */
export function repoConfigJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(RepoConfig, {
    io: "input",
    target: "draft-2020-12",
  });
  return {
    $schema,
    $id: REPO_CONFIG_SCHEMA_ID,
    title: "Slipway repository configuration",
    ...schema,
  };
}
