import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { freeLoopbackPort } from "../../src/build/engine/cli-process.ts";
import type { Config } from "../../src/config/env.ts";
import { parseEnv } from "../../src/config/env.ts";
import { startSlipway, type Overrides, type Running } from "../../src/main.ts";
import { startFakeGitHub, type FakeGitHub } from "../fakes/fake-github.ts";
import { captureLogger } from "./logs.ts";
import { REDIS_URL, deletePrefix, uniquePrefix } from "./redis.ts";

let cachedKey: string | undefined;

/** An RSA key in the PKCS#1 PEM form GitHub hands out, made once per test process. */
export function appPrivateKey(): string {
  cachedKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  return cachedKey;
}

/** A port free right now (Probot's server treats port 0 as "use 3000"). */
export const freePort = freeLoopbackPort;

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface Delivery {
  status: number;
  body: string;
  ms: number;
  deliveryId: string;
}

export interface Harness {
  github: FakeGitHub;
  prefix: string;
  secret: string;
  privateKey: string;
  url: string;
  logs: string[];
  env: Record<string, string>;
  config: (extra?: Record<string, string>) => Config;
  deliver(
    event: string,
    payload: unknown,
    options?: { deliveryId?: string; signature?: string; rawBody?: string },
  ): Promise<Delivery>;
  /** Starts one more Slipway instance on the same Redis prefix and fake GitHub. */
  start(
    role: "web" | "worker" | "all",
    overrides?: Overrides,
    extraEnv?: Record<string, string>,
  ): Promise<Running>;
  close(): Promise<void>;
}

/**
 * Real Slipway on real Redis (a prefix of its own) and a fake GitHub over real HTTP, with
 * deliveries signed the way GitHub signs them.
 */
export async function startHarness(options: {
  name: string;
  role?: "web" | "worker" | "all";
  env?: Record<string, string>;
  overrides?: Overrides;
  /** Start no instance yet (the test calls `start` once its other fakes are up). */
  deferStart?: boolean;
}): Promise<Harness> {
  const github = await startFakeGitHub();
  const prefix = uniquePrefix(options.name);
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  const privateKey = appPrivateKey();
  const { log, lines } = captureLogger();
  const env: Record<string, string> = {
    APP_ID: "12345",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    REDIS_URL,
    SLIPWAY_REDIS_PREFIX: prefix,
    SLIPWAY_RETRY_DELAY: "100ms",
    SLIPWAY_LOCK_DURATION: "2s",
    SLIPWAY_STALLED_INTERVAL: "1s",
    SLIPWAY_CANCEL_POLL: "250ms",
    // Builds start as soon as a slot is free: tests decide themselves when pushes supersede.
    SLIPWAY_BUILD_COALESCE: "0",
    // Off unless a test is about it: its calls to GitHub would land in every test's counts.
    SLIPWAY_REDELIVER_INTERVAL: "off",
    ...options.env,
  };
  const config = (extra: Record<string, string> = {}) => parseEnv({ ...env, ...extra });
  const running: Running[] = [];
  const start = async (
    role: "web" | "worker" | "all",
    overrides: Overrides = {},
    extraEnv: Record<string, string> = {},
  ) => {
    const port = role === "worker" ? 0 : await freePort();
    const instance = await startSlipway(
      config({ SLIPWAY_ROLE: role, PORT: String(port), ...extraEnv }),
      {
        log,
        githubRetryBaseMs: 10,
        sweep: { everyMs: 500, graceMs: 300 },
        githubThrottle: false,
        ...options.overrides,
        ...overrides,
      },
    );
    running.push(instance);
    if (url === undefined && instance.port !== undefined) url = `http://127.0.0.1:${instance.port}`;
    return instance;
  };
  let url: string | undefined;
  if (options.deferStart !== true) await start(options.role ?? "all");
  return {
    github,
    prefix,
    secret,
    privateKey,
    get url() {
      if (url === undefined) throw new Error("no web role started yet");
      return url;
    },
    logs: lines,
    env,
    config,
    start,
    async deliver(event, payload, deliveryOptions = {}) {
      const body = deliveryOptions.rawBody ?? JSON.stringify(payload);
      const deliveryId = deliveryOptions.deliveryId ?? randomUUID();
      const started = performance.now();
      if (url === undefined) throw new Error("no web role started yet");
      const response = await fetch(`${url}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": deliveryId,
          "x-hub-signature-256": deliveryOptions.signature ?? sign(body, secret),
          "user-agent": "GitHub-Hookshot/test",
        },
        body,
      });
      const text = await response.text();
      return { status: response.status, body: text, ms: performance.now() - started, deliveryId };
    },
    async close() {
      for (const instance of running.reverse())
        await instance.close({ force: true }).catch(() => undefined);
      await github.close();
      await deletePrefix(prefix);
    },
  };
}
