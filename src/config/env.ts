import { z } from "zod";
import type { Config } from "./config.ts";
import { BUILD_ENGINE_ENV, buildEngineConfig, buildEngineProblems } from "./build-engine-env.ts";
import { duration, optionalText, positiveInt } from "./env-fields.ts";
import { parseDuration } from "./duration.ts";

export type { Config } from "./config.ts";

/** Thrown when the environment cannot start Slipway; the message names each variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Every variable Slipway reads. Probot's own names are kept as Probot documents them. */
export const EnvSchema = z.object({
  NODE_ENV: z.string().default("development"),
  APP_ID: optionalText.pipe(z.string().regex(/^\d+$/, "must be the numeric App ID").optional()),
  PRIVATE_KEY: optionalText,
  PRIVATE_KEY_PATH: optionalText,
  WEBHOOK_SECRET: optionalText,
  WEBHOOK_PATH: z.string().startsWith("/").default("/api/github/webhooks"),
  WEBHOOK_PROXY_URL: optionalText.pipe(z.url().optional()),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalText,
  GHE_HOST: optionalText,
  GHE_PROTOCOL: z.enum(["https", "http"]).default("https"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  SLIPWAY_SHUTDOWN_GRACE: duration("25s"),
  SLIPWAY_REDELIVER_INTERVAL: z
    .string()
    .default("5m")
    .transform((text, ctx) => {
      if (text === "off") return undefined;
      const ms = parseDuration(text);
      if (ms === undefined || ms < 10_000) {
        ctx.addIssue({ code: "custom", message: 'must be a duration of at least 10s, or "off"' });
        return z.NEVER;
      }
      return ms;
    }),
  SLIPWAY_ADMIN_TOKEN: optionalText.pipe(
    z.string().min(16, "must be at least 16 characters (use a random token)").optional(),
  ),
  REDIS_URL: z
    .string()
    .default("redis://127.0.0.1:6379")
    .pipe(z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" })),
  SLIPWAY_ROLE: z.enum(["all", "web", "worker"]).default("all"),
  SLIPWAY_REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{1,64}$/, "must be 1–64 characters of letters, digits, ':', '_' or '-'")
    .default("slipway"),
  SLIPWAY_BUILD_CONCURRENCY: positiveInt(2, 64),
  SLIPWAY_EVENT_CONCURRENCY: positiveInt(10, 256),
  SLIPWAY_BUILD_TIMEOUT: duration("15m"),
  SLIPWAY_DEPLOY_TIMEOUT: duration("10m"),
  SLIPWAY_JOB_ATTEMPTS: positiveInt(3, 20),
  SLIPWAY_RETRY_DELAY: duration("5s"),
  SLIPWAY_LOCK_DURATION: duration("30s"),
  SLIPWAY_STALLED_INTERVAL: duration("30s"),
  SLIPWAY_CANCEL_POLL: duration("5s"),
  SLIPWAY_BUILD_COALESCE: duration("1s"),
  SLIPWAY_DEPLOY: z.enum(["on", "off"]).default("on"),
  SLIPWAY_REGISTRY: optionalText.pipe(
    z
      .string()
      .regex(
        /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/,
        "must be a registry host with an optional path, e.g. ghcr.io/acme or localhost:5000",
      )
      .optional(),
  ),
  SLIPWAY_REGISTRY_USERNAME: optionalText,
  SLIPWAY_REGISTRY_PASSWORD: optionalText,
  SLIPWAY_RUNTIME_CLASS: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a RuntimeClass name")
    .default("kata-fc"),
  SLIPWAY_BASE_DOMAIN: optionalText.pipe(
    z
      .string()
      .regex(
        /^(?=.{1,200}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
        "must be a DNS domain such as preview.example.com",
      )
      .optional(),
  ),
  SLIPWAY_INGRESS_CLASS: optionalText,
  SLIPWAY_INGRESS_NAMESPACE: z.string().min(1).default("ingress-nginx"),
  SLIPWAY_ROLLOUT_TIMEOUT: duration("5m"),
  SLIPWAY_CLUSTER_CIDRS: z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((c) => c.trim())
        .filter((c) => c !== ""),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^[0-9a-fA-F:.]+\/\d{1,3}$/,
            "must be comma-separated CIDRs, e.g. 10.42.0.0/16,10.43.0.0/16",
          ),
      ),
    ),
  DAGGER_SESSION_PORT: optionalText.pipe(
    z
      .string()
      .regex(/^\d{1,5}$/, "must be a port number")
      .transform(Number)
      .pipe(z.number().min(1, "must be a port number").max(65535, "must be a port number"))
      .optional(),
  ),
  DAGGER_SESSION_TOKEN: optionalText,
  ...BUILD_ENGINE_ENV,
});

/** Variables whose values are secrets: never echoed back in an error. */
const SECRET_VARIABLES = new Set([
  "PRIVATE_KEY",
  "WEBHOOK_SECRET",
  "DAGGER_SESSION_TOKEN",
  "SLIPWAY_REGISTRY_PASSWORD",
  "SLIPWAY_ADMIN_TOKEN",
  // May carry a password (redis://:password@host).
  "REDIS_URL",
]);

export type Env = z.output<typeof EnvSchema>;

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const variable = String(issue.path[0] ?? "environment");
  const raw = env[variable];
  const shown =
    raw === undefined ? "unset" : SECRET_VARIABLES.has(variable) ? "(hidden)" : JSON.stringify(raw);
  return `${variable}=${shown}: ${issue.message}`;
}

/**
 * Parses the process environment into a {@link Config}. Throws a {@link ConfigError} naming every
 * bad variable, its value (unless secret) and what is allowed.
 */
export function parseEnv(env: Record<string, string | undefined>): Config {
  const result = EnvSchema.safeParse(env);
  const problems = result.success ? [] : result.error.issues.map((i) => describeIssue(i, env));
  if (result.success) {
    const e = result.data;
    if (e.DAGGER_SESSION_PORT !== undefined && e.DAGGER_SESSION_TOKEN === undefined) {
      problems.push("DAGGER_SESSION_TOKEN=unset: must be set when DAGGER_SESSION_PORT is set");
    }
    if (e.SLIPWAY_DEPLOY_TIMEOUT < e.SLIPWAY_ROLLOUT_TIMEOUT + 30_000) {
      problems.push(
        "SLIPWAY_DEPLOY_TIMEOUT must exceed SLIPWAY_ROLLOUT_TIMEOUT by at least 30s, so a failed rollout is still diagnosed and rolled back",
      );
    }
    if (
      (e.SLIPWAY_REGISTRY_USERNAME === undefined) !==
      (e.SLIPWAY_REGISTRY_PASSWORD === undefined)
    ) {
      problems.push(
        "SLIPWAY_REGISTRY_USERNAME and SLIPWAY_REGISTRY_PASSWORD: set both (or neither, for a registry without authentication)",
      );
    }
    if (
      e.NODE_ENV === "production" &&
      e.WEBHOOK_SECRET === undefined &&
      e.SLIPWAY_ROLE !== "worker"
    ) {
      problems.push("WEBHOOK_SECRET=unset: required in production to verify GitHub's signatures");
    }
    problems.push(...buildEngineProblems(e));
  }
  if (!result.success || problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  }
  return toConfig(result.data, env);
}

function toConfig(e: Env, env: Record<string, string | undefined>): Config {
  const privateKey =
    e.PRIVATE_KEY !== undefined
      ? { value: e.PRIVATE_KEY }
      : e.PRIVATE_KEY_PATH !== undefined
        ? { path: e.PRIVATE_KEY_PATH }
        : undefined;
  return {
    production: e.NODE_ENV === "production",
    role: e.SLIPWAY_ROLE,
    github: {
      appId: e.APP_ID,
      privateKey,
      webhookSecret: e.WEBHOOK_SECRET,
      webhookPath: e.WEBHOOK_PATH,
      webhookProxyUrl: e.WEBHOOK_PROXY_URL,
      baseUrl:
        e.GHE_HOST === undefined
          ? "https://api.github.com"
          : `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3`,
      webUrl: e.GHE_HOST === undefined ? "https://github.com" : `${e.GHE_PROTOCOL}://${e.GHE_HOST}`,
    },
    http: { port: e.PORT, host: e.HOST },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    shutdownGraceMs: e.SLIPWAY_SHUTDOWN_GRACE,
    redeliverIntervalMs: e.SLIPWAY_REDELIVER_INTERVAL,
    adminToken: e.SLIPWAY_ADMIN_TOKEN,
    redis: { url: e.REDIS_URL, prefix: e.SLIPWAY_REDIS_PREFIX },
    queue: {
      buildConcurrency: e.SLIPWAY_BUILD_CONCURRENCY,
      eventConcurrency: e.SLIPWAY_EVENT_CONCURRENCY,
      attempts: e.SLIPWAY_JOB_ATTEMPTS,
      retryDelayMs: e.SLIPWAY_RETRY_DELAY,
      lockDurationMs: e.SLIPWAY_LOCK_DURATION,
      stalledIntervalMs: e.SLIPWAY_STALLED_INTERVAL,
      cancelPollMs: e.SLIPWAY_CANCEL_POLL,
      buildCoalesceMs: e.SLIPWAY_BUILD_COALESCE,
    },
    timeouts: { buildMs: e.SLIPWAY_BUILD_TIMEOUT, deployMs: e.SLIPWAY_DEPLOY_TIMEOUT },
    deploy: e.SLIPWAY_DEPLOY === "on",
    registry:
      e.SLIPWAY_REGISTRY === undefined
        ? undefined
        : {
            address: e.SLIPWAY_REGISTRY,
            credentials:
              e.SLIPWAY_REGISTRY_USERNAME !== undefined && e.SLIPWAY_REGISTRY_PASSWORD !== undefined
                ? { username: e.SLIPWAY_REGISTRY_USERNAME, password: e.SLIPWAY_REGISTRY_PASSWORD }
                : undefined,
          },
    kubernetes: {
      runtimeClass: e.SLIPWAY_RUNTIME_CLASS,
      baseDomain: e.SLIPWAY_BASE_DOMAIN,
      ingressClass: e.SLIPWAY_INGRESS_CLASS,
      ingressNamespace: e.SLIPWAY_INGRESS_NAMESPACE,
      rolloutTimeoutMs: e.SLIPWAY_ROLLOUT_TIMEOUT,
      clusterCidrs: e.SLIPWAY_CLUSTER_CIDRS,
    },
    dagger:
      e.DAGGER_SESSION_PORT !== undefined && e.DAGGER_SESSION_TOKEN !== undefined
        ? { sessionPort: e.DAGGER_SESSION_PORT, sessionToken: e.DAGGER_SESSION_TOKEN }
        : undefined,
    buildEngine: buildEngineConfig(e, env),
  };
}
