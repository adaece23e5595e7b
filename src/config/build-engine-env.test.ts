import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.ts";

const IMAGE = `registry.dagger.io/engine:v0.21.9@sha256:${"d".repeat(64)}`;

describe("parseEnv: the build engine", () => {
  it("builds on the session engine unless told otherwise (development and tests)", () => {
    expect(parseEnv({}).buildEngine).toEqual({ kind: "session" });
  });

  it("gives each installation a Kata engine with the documented defaults", () => {
    const config = parseEnv({
      SLIPWAY_BUILD_ENGINE: "kubernetes",
      SLIPWAY_ENGINE_IMAGE: IMAGE,
      PATH: "/usr/local/bin:/usr/bin",
      HOME: "/home/slipway",
      KUBERNETES_SERVICE_HOST: "10.43.0.1",
      PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
      SLIPWAY_REGISTRY_USERNAME: "bot",
      SLIPWAY_REGISTRY_PASSWORD: "registry-password",
      WEBHOOK_SECRET: "whsec",
    });
    expect(config.buildEngine).toEqual({
      kind: "kubernetes",
      runtimeClass: "kata-qemu",
      image: IMAGE,
      cacheSize: "20Gi",
      idleMs: 30 * 60_000,
      cli: {
        bin: "dagger",
        // Only what the CLI and kubectl need: no secret of the worker's reaches them.
        env: {
          PATH: "/usr/local/bin:/usr/bin",
          HOME: "/home/slipway",
          KUBERNETES_SERVICE_HOST: "10.43.0.1",
        },
      },
    });
  });

  it("reads the engine's settings", () => {
    const config = parseEnv({
      SLIPWAY_BUILD_ENGINE: "kubernetes",
      SLIPWAY_ENGINE_IMAGE: IMAGE,
      SLIPWAY_BUILD_RUNTIME_CLASS: "kata-clh",
      SLIPWAY_ENGINE_CACHE_SIZE: "100Gi",
      SLIPWAY_ENGINE_IDLE: "2h",
      SLIPWAY_DAGGER_CLI: "/usr/local/bin/dagger",
    });
    expect(config.buildEngine).toMatchObject({
      runtimeClass: "kata-clh",
      cacheSize: "100Gi",
      idleMs: 7_200_000,
      cli: { bin: "/usr/local/bin/dagger" },
    });
  });

  it.each([
    [
      { SLIPWAY_BUILD_ENGINE: "kubernetes" },
      /SLIPWAY_ENGINE_IMAGE=unset: required when SLIPWAY_BUILD_ENGINE=kubernetes/,
    ],
    [
      {
        SLIPWAY_BUILD_ENGINE: "kubernetes",
        SLIPWAY_ENGINE_IMAGE: "registry.dagger.io/engine:v0.21.9",
      },
      /SLIPWAY_ENGINE_IMAGE="registry.dagger.io\/engine:v0.21.9": must be the Dagger engine image pinned by digest/,
    ],
    [{ SLIPWAY_BUILD_ENGINE: "docker" }, /SLIPWAY_BUILD_ENGINE="docker"/],
    [{ SLIPWAY_ENGINE_CACHE_SIZE: "lots" }, /SLIPWAY_ENGINE_CACHE_SIZE="lots": must be a size/],
    [{ SLIPWAY_ENGINE_IDLE: "soon" }, /SLIPWAY_ENGINE_IDLE="soon": must be a duration/],
    [
      {
        SLIPWAY_BUILD_ENGINE: "kubernetes",
        SLIPWAY_ENGINE_IMAGE: IMAGE,
        SLIPWAY_ENGINE_IDLE: "5m",
      },
      /SLIPWAY_ENGINE_IDLE \(300 s\) must be longer than SLIPWAY_BUILD_TIMEOUT plus the 5 minutes an engine may take to start \(1200 s\)/,
    ],
    // Equal is not enough: a build that waited the whole start-up and then ran its whole timeout
    // would end just as the engine counts as idle.
    [
      {
        SLIPWAY_BUILD_ENGINE: "kubernetes",
        SLIPWAY_ENGINE_IMAGE: IMAGE,
        SLIPWAY_BUILD_TIMEOUT: "15m",
        SLIPWAY_ENGINE_IDLE: "20m",
      },
      /SLIPWAY_ENGINE_IDLE \(1200 s\) must be longer than/,
    ],
    [
      {
        SLIPWAY_BUILD_ENGINE: "kubernetes",
        SLIPWAY_ENGINE_IMAGE: IMAGE,
        SLIPWAY_BUILD_TIMEOUT: "30m",
        SLIPWAY_ENGINE_IDLE: "30m",
      },
      /SLIPWAY_ENGINE_IDLE \(1800 s\) must be longer than .* \(2100 s\)/,
    ],
  ])("refuses %j", (env, message) => {
    expect(() => parseEnv(env)).toThrow(message);
  });

  it("accepts an idle time just past the build timeout plus the engine's start-up", () => {
    const parsed = parseEnv({
      SLIPWAY_BUILD_ENGINE: "kubernetes",
      SLIPWAY_ENGINE_IMAGE: IMAGE,
      SLIPWAY_BUILD_TIMEOUT: "15m",
      SLIPWAY_ENGINE_IDLE: "1201s",
    });
    expect(parsed.buildEngine).toMatchObject({ kind: "kubernetes", idleMs: 1_201_000 });
  });

  it("lets a web role, which never builds, share the worker's settings without an image", () => {
    expect(
      parseEnv({ SLIPWAY_BUILD_ENGINE: "kubernetes", SLIPWAY_ROLE: "web" }).buildEngine,
    ).toEqual({
      kind: "session",
    });
  });
});
