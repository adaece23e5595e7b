import { z } from "zod";
import { ENGINE_READY_TIMEOUT_MS } from "../build/engine/engine-settings.ts";
import type { Config } from "./config.ts";
import { daggerCliEnv } from "./dagger-cli-env.ts";
import { duration, optionalText } from "./env-fields.ts";

/** The variables of where builds run (`SLIPWAY_BUILD_ENGINE` and the per-installation engine). */
export const BUILD_ENGINE_ENV = {
  SLIPWAY_BUILD_ENGINE: z.enum(["session", "kubernetes"]).default("session"),
  SLIPWAY_BUILD_RUNTIME_CLASS: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a RuntimeClass name")
    .default("kata-qemu"),
  SLIPWAY_ENGINE_IMAGE: optionalText.pipe(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$/,
        "must be the Dagger engine image pinned by digest, e.g. registry.dagger.io/engine:v0.21.9@sha256:<64 hex>",
      )
      .optional(),
  ),
  SLIPWAY_ENGINE_CACHE_SIZE: z
    .string()
    .regex(/^[1-9]\d*(Ki|Mi|Gi|Ti)$/, "must be a size such as 20Gi")
    .default("20Gi"),
  SLIPWAY_ENGINE_IDLE: duration("30m"),
  SLIPWAY_DAGGER_CLI: z.string().min(1).default("dagger"),
};

type BuildEngineEnv = z.output<z.ZodObject<typeof BUILD_ENGINE_ENV>> & {
  SLIPWAY_ROLE: string;
  SLIPWAY_BUILD_TIMEOUT: number;
};

/** What is wrong with the build-engine variables together, one line per problem. */
export function buildEngineProblems(e: BuildEngineEnv): string[] {
  const problems: string[] = [];
  if (
    e.SLIPWAY_BUILD_ENGINE === "kubernetes" &&
    e.SLIPWAY_ROLE !== "web" &&
    e.SLIPWAY_ENGINE_IMAGE === undefined
  ) {
    problems.push(
      "SLIPWAY_ENGINE_IMAGE=unset: required when SLIPWAY_BUILD_ENGINE=kubernetes (the Dagger engine image of the SDK's version, pinned by digest: registry.dagger.io/engine:v0.21.9@sha256:<digest>)",
    );
  }
  if (
    e.SLIPWAY_BUILD_ENGINE === "kubernetes" &&
    e.SLIPWAY_ENGINE_IDLE <= e.SLIPWAY_BUILD_TIMEOUT + ENGINE_READY_TIMEOUT_MS
  ) {
    problems.push(
      `SLIPWAY_ENGINE_IDLE (${e.SLIPWAY_ENGINE_IDLE / 1000} s) must be longer than SLIPWAY_BUILD_TIMEOUT plus the ${ENGINE_READY_TIMEOUT_MS / 60_000} minutes an engine may take to start (${(e.SLIPWAY_BUILD_TIMEOUT + ENGINE_READY_TIMEOUT_MS) / 1000} s), so an engine is never scaled down under a running build`,
    );
  }
  return problems;
}

/** Per-installation engines when asked for (and an image is set), else the session engine. */
export function buildEngineConfig(
  e: BuildEngineEnv,
  env: Record<string, string | undefined>,
): Config["buildEngine"] {
  return e.SLIPWAY_BUILD_ENGINE === "kubernetes" && e.SLIPWAY_ENGINE_IMAGE !== undefined
    ? {
        kind: "kubernetes",
        runtimeClass: e.SLIPWAY_BUILD_RUNTIME_CLASS,
        image: e.SLIPWAY_ENGINE_IMAGE,
        cacheSize: e.SLIPWAY_ENGINE_CACHE_SIZE,
        idleMs: e.SLIPWAY_ENGINE_IDLE,
        cli: { bin: e.SLIPWAY_DAGGER_CLI, env: daggerCliEnv(env) },
      }
    : { kind: "session" };
}
