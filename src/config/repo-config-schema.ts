import { z } from "zod";
import { parseQuantity } from "./repo-config-quantity.ts";

const PATH_RULES = "a relative path of at most 255 characters, without a leading / or .. segments";

/** `./apps//web/` → `apps/web`; an empty path is the root, `.`. */
function normalizePath(path: string): string {
  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  return segments.length === 0 ? "." : segments.join("/");
}

function relativePath() {
  return z
    .string({ error: `must be ${PATH_RULES}` })
    .min(1, `must be ${PATH_RULES}`)
    .max(255, "must be at most 255 characters")
    .regex(/^[^/\\]/, "must be relative to the repository (no leading / or \\)")
    .regex(/^(?!(?:.*\/)?\.\.(?:\/|$))/, "must not contain .. segments")
    .regex(/^[^\0]*$/, "must not contain NUL characters")
    .overwrite(normalizePath);
}

interface QuantityRule {
  /** What a well-formed value looks like, as a message. */
  format: string;
  pattern: RegExp;
  min: { amount: number; message: string };
  max: { amount: number; message: string };
}

// YAML reads `cpu: 1` as a number, so numbers are accepted and kept as their decimal text.
function quantity(rule: QuantityRule) {
  return z
    .union(
      [
        z.string().max(32, rule.format).regex(rule.pattern, rule.format),
        z.number().min(rule.min.amount, rule.min.message).max(rule.max.amount, rule.max.message),
      ],
      { error: rule.format },
    )
    .transform((value, ctx) => {
      const text = String(value);
      const amount = rule.pattern.test(text) ? parseQuantity(text) : undefined;
      const problem =
        amount === undefined
          ? rule.format
          : amount < rule.min.amount
            ? rule.min.message
            : amount > rule.max.amount
              ? rule.max.message
              : undefined;
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
      return text;
    });
}

function mapping(keys: readonly string[]) {
  return { error: `must be a mapping with the keys ${keys.join(", ")}` };
}

const BUILD_SHAPE = {
  dockerfile: relativePath()
    .optional()
    .describe(
      "Dockerfile to build, relative to `context` (e.g. `deploy/Dockerfile.prod`). Without it, a `Dockerfile` at the root of the context is used if there is one. Not together with `preset`.",
    ),
  preset: z
    .enum(["node", "python", "go", "static"], {
      error: 'must be one of "node", "python", "go", "static"',
    })
    .optional()
    .describe(
      "Build without a Dockerfile using a preset (pinned base image, lockfile-aware install, non-root user). Without it the preset is detected from package.json, requirements.txt / pyproject.toml, go.mod or index.html. Not together with `dockerfile`.",
    ),
  context: relativePath()
    .default(".")
    .describe(
      "Directory to build, relative to the repository root (e.g. `apps/web` in a monorepo). Detection looks only inside it.",
    ),
};

const RESOURCES_SHAPE = {
  cpu: quantity({
    format: 'must be a CPU quantity such as "500m", "1" or "1.5"',
    pattern: /^(?:\d+(?:\.\d+)?|\.\d+)m?$/,
    min: { amount: 0.05, message: "must be at least 50m (0.05 CPU)" },
    max: { amount: 4, message: "must be at most 4 CPUs" },
  })
    .optional()
    .describe("CPU for each replica, from `50m` to `4` (e.g. `500m`, `1`, `1.5`)."),
  memory: quantity({
    format: 'must be a memory quantity such as "256Mi", "1Gi" or "512M"',
    pattern: /^(?:\d+(?:\.\d+)?|\.\d+)(?:Ki|Mi|Gi|Ti|k|M|G|T)?$/,
    min: { amount: 64 * 2 ** 20, message: "must be at least 64Mi" },
    max: { amount: 8 * 2 ** 30, message: "must be at most 8Gi" },
  })
    .optional()
    .describe("Memory for each replica, from `64Mi` to `8Gi` (e.g. `256Mi`, `1Gi`, `512M`)."),
};

const ENV_NAME_RULES = "must be letters, digits and _, not starting with a digit";

const envName = z
  .string()
  .max(256, "must be at most 256 characters")
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, ENV_NAME_RULES)
  .refine((name) => !name.startsWith("SLIPWAY_"), "is reserved: SLIPWAY_ names are Slipway's own")
  .refine((name) => name !== "PORT", "is set by Slipway from `port`; set `port` instead")
  .meta({ not: { anyOf: [{ pattern: "^SLIPWAY_" }, { const: "PORT" }] } });

const ROOT_SHAPE = {
  build: z
    .strictObject(BUILD_SHAPE, mapping(Object.keys(BUILD_SHAPE)))
    .refine((build) => build.dockerfile === undefined || build.preset === undefined, {
      error: "set either dockerfile or preset, not both",
    })
    .meta({ not: { required: ["dockerfile", "preset"] } })
    .default({ context: "." })
    .describe("How to build the image. Everything is optional: by default Slipway detects it."),
  port: z
    .int({ error: "must be a whole number from 1 to 65535" })
    .min(1, "must be a whole number from 1 to 65535")
    .max(65535, "must be a whole number from 1 to 65535")
    .optional()
    .describe(
      "Port the app listens on; it is also passed as the PORT environment variable. Default: 3000 for node, 8000 for python, 8080 for go, static and Dockerfiles.",
    ),
  healthcheck: z
    .string({ error: "must be a URL path starting with /" })
    .max(255, "must be at most 255 characters")
    .regex(/^\/\S*$/, "must be a URL path starting with / and without spaces")
    .default("/")
    .describe("HTTP path that answers 2xx or 3xx once the app is ready."),
  start: z
    .string({ error: "must be a command, as text" })
    .max(1000, "must be at most 1000 characters")
    .regex(/\S/, "must not be empty")
    .optional()
    .describe(
      "Command that starts the app, run with `sh -c` (e.g. `node server.js`). Default: the preset's (`npm start`, a conventional Python entry point).",
    ),
  env: z
    .record(
      envName,
      z
        .string({ error: 'must be a string: quote numbers and booleans, e.g. "3000", "true"' })
        .max(4096, "must be at most 4096 characters"),
      { error: "must be a mapping of variable names to values" },
    )
    .refine((env) => Object.keys(env).length <= 100, "must have at most 100 variables")
    .optional()
    .meta({
      maxProperties: 100,
      description:
        "Environment variables for the app. Not for secrets: this file is committed, and the values appear in build logs and Kubernetes objects.",
    }),
  resources: z
    .strictObject(RESOURCES_SHAPE, mapping(Object.keys(RESOURCES_SHAPE)))
    .optional()
    .describe("CPU and memory for each replica, within the limits the operator set."),
  branches: z
    .array(
      z
        .string({ error: "must be a branch name or glob, as text" })
        .min(1, "must not be empty")
        .max(255, "must be at most 255 characters"),
      { error: "must be a list of branch globs" },
    )
    .min(1, "must list at least one branch glob")
    .max(50, "must list at most 50 branch globs")
    .default(["**"])
    .describe(
      "Branches to deploy, as globs: `*` matches within a path segment, `**` across `/`, `?` one character (e.g. `main`, `release/**`).",
    ),
  egress: z
    .enum(["none", "internet"], { error: 'must be "none" or "internet"' })
    .default("none")
    .describe("Outbound network access for the running app: `none` or `internet`."),
  comments: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe("Comment on pull requests with the preview URL."),
};

/** The keys each mapping in `.slipway.yml` allows, by dotted path ("" is the root). */
export const REPO_CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = {
  "": Object.keys(ROOT_SHAPE),
  build: Object.keys(BUILD_SHAPE),
  resources: Object.keys(RESOURCES_SHAPE),
};

/** `.slipway.yml`: optional repository configuration that overrides build detection. */
export const RepoConfig = z
  .strictObject(ROOT_SHAPE, mapping(Object.keys(ROOT_SHAPE)))
  .describe(
    "Slipway repository configuration (.slipway.yml at the repository root). Every field is optional.",
  );

export type RepoConfig = z.output<typeof RepoConfig>;
