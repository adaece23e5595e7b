import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "./env.ts";

describe("parseEnv", () => {
  it("applies the documented defaults", () => {
    const config = parseEnv({});
    expect(config).toMatchObject({
      production: false,
      role: "all",
      github: { webhookPath: "/api/github/webhooks", baseUrl: "https://api.github.com" },
      http: { port: 3000 },
      redis: { url: "redis://127.0.0.1:6379", prefix: "slipway" },
      queue: { buildConcurrency: 2, eventConcurrency: 10, attempts: 3 },
      timeouts: { buildMs: 900_000, deployMs: 600_000 },
      deploy: true,
      dagger: undefined,
    });
  });

  it("points the GitHub client at GitHub Enterprise or a local fake", () => {
    expect(parseEnv({ GHE_HOST: "127.0.0.1:4000", GHE_PROTOCOL: "http" }).github.baseUrl).toBe(
      "http://127.0.0.1:4000/api/v3",
    );
  });

  it("reads durations in any unit", () => {
    const config = parseEnv({
      SLIPWAY_BUILD_TIMEOUT: "20m",
      SLIPWAY_DEPLOY_TIMEOUT: "90",
      SLIPWAY_ROLLOUT_TIMEOUT: "1m",
    });
    expect(config.timeouts).toEqual({ buildMs: 1_200_000, deployMs: 90_000 });
  });

  it.each([
    [{ SLIPWAY_ROLE: "both" }, /SLIPWAY_ROLE="both": .*"all".*"web".*"worker"/],
    [{ PORT: "http" }, /PORT="http"/],
    [{ SLIPWAY_BUILD_CONCURRENCY: "0" }, /SLIPWAY_BUILD_CONCURRENCY="0"/],
    [{ SLIPWAY_BUILD_TIMEOUT: "soon" }, /SLIPWAY_BUILD_TIMEOUT="soon": must be a duration/],
    [{ REDIS_URL: "http://localhost" }, /REDIS_URL=\(hidden\): must be a redis:\/\//],
    [{ APP_ID: "abc" }, /APP_ID="abc": must be the numeric App ID/],
    [{ DAGGER_SESSION_PORT: "8080" }, /DAGGER_SESSION_TOKEN=unset/],
    [
      { DAGGER_SESSION_PORT: "99999", DAGGER_SESSION_TOKEN: "t0ken" },
      /DAGGER_SESSION_PORT="99999"/,
    ],
    [{ NODE_ENV: "production" }, /WEBHOOK_SECRET=unset: required in production/],
    [
      { SLIPWAY_REGISTRY: "https://ghcr.io" },
      /SLIPWAY_REGISTRY="https:\/\/ghcr.io": must be a registry host/,
    ],
    [{ SLIPWAY_REGISTRY_USERNAME: "bot" }, /set both/],
    [
      { SLIPWAY_ROLLOUT_TIMEOUT: "20m", SLIPWAY_DEPLOY_TIMEOUT: "5m" },
      /SLIPWAY_DEPLOY_TIMEOUT must exceed/,
    ],
    [{ SLIPWAY_CLUSTER_CIDRS: "10.42.0.0/16,nope" }, /SLIPWAY_CLUSTER_CIDRS/],
    [{ REDIS_URL: "redis//:hunter2@host" }, /REDIS_URL=\(hidden\)/],
    [{ SLIPWAY_BASE_DOMAIN: "-bad-.example" }, /SLIPWAY_BASE_DOMAIN/],
    [
      { SLIPWAY_RUNTIME_CLASS: "Kata FC" },
      /SLIPWAY_RUNTIME_CLASS="Kata FC": must be a RuntimeClass name/,
    ],
  ])("rejects %j naming the variable and what is allowed", (env, message) => {
    expect(() => parseEnv(env)).toThrow(ConfigError);
    expect(() => parseEnv(env)).toThrow(message);
  });

  it("lists every bad variable at once", () => {
    expect(() => parseEnv({ PORT: "x", SLIPWAY_ROLE: "y" })).toThrow(
      /PORT[\s\S]*SLIPWAY_ROLE|SLIPWAY_ROLE[\s\S]*PORT/,
    );
  });

  it("never echoes a secret's value", () => {
    let message = "";
    try {
      parseEnv({ DAGGER_SESSION_PORT: "nope", DAGGER_SESSION_TOKEN: "super-secret-token" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain("DAGGER_SESSION_PORT");
    expect(message).not.toContain("super-secret-token");
  });

  it("reads the registry and its credentials", () => {
    const config = parseEnv({
      SLIPWAY_REGISTRY: "localhost:5000/previews",
      SLIPWAY_REGISTRY_USERNAME: "bot",
      SLIPWAY_REGISTRY_PASSWORD: "hunter2-registry",
    });
    expect(config.registry).toEqual({
      address: "localhost:5000/previews",
      credentials: { username: "bot", password: "hunter2-registry" },
    });
    expect(parseEnv({}).kubernetes).toEqual({
      runtimeClass: "kata-fc",
      baseDomain: undefined,
      ingressClass: undefined,
      ingressNamespace: "ingress-nginx",
      rolloutTimeoutMs: 300_000,
      clusterCidrs: [],
    });
  });

  it("treats empty values as unset", () => {
    expect(parseEnv({ APP_ID: "", WEBHOOK_SECRET: " " }).github).toMatchObject({
      appId: undefined,
      webhookSecret: undefined,
    });
  });
});
