import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/env.ts";
import { main } from "../src/main.ts";
import { freePort } from "./support/harness.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("npm start without APP_ID and PRIVATE_KEY", () => {
  const children: Array<ReturnType<typeof spawn>> = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("serves Probot's setup page with Slipway's app manifest", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ["--experimental-strip-types", "--disable-warning=ExperimentalWarning", "src/main.ts"],
      {
        cwd: ROOT,
        // A clean environment: no APP_ID, no key; no smee channel (no network here).
        env: {
          PATH: process.env["PATH"] ?? "",
          PORT: String(port),
          HOST: "127.0.0.1",
          NO_SMEE_SETUP: "true",
        },
        stdio: "ignore",
      },
    );
    children.push(child);
    let response: Response | undefined;
    for (let i = 0; i < 100 && response === undefined; i++) {
      response = await fetch(`http://127.0.0.1:${port}/probot`).catch(() => undefined);
      if (response === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(response?.status).toBe(200);
    const html = (await response?.text()) ?? "";
    const value = /name="manifest" id="manifest" value='([^']*)'/.exec(html)?.[1];
    expect(value).toBeDefined();
    const manifest = JSON.parse(value ?? "{}") as Record<string, unknown>;
    expect(manifest["name"]).toBe("Slipway");
    expect(manifest["default_events"]).toEqual([
      "push",
      "installation",
      "installation_repositories",
      "check_run",
      "check_suite",
      "pull_request",
      "issue_comment",
    ]);
    expect(manifest["default_permissions"]).toEqual({
      checks: "write",
      contents: "read",
      deployments: "write",
      pull_requests: "write",
      metadata: "read",
    });
  });

  it("refuses to start a worker without credentials, saying what to set", async () => {
    await expect(main({ SLIPWAY_ROLE: "worker" })).rejects.toThrow(ConfigError);
    await expect(main({ SLIPWAY_ROLE: "worker" })).rejects.toThrow(/APP_ID and PRIVATE_KEY/);
  });

  it("refuses to start in production without credentials", async () => {
    await expect(main({ NODE_ENV: "production", WEBHOOK_SECRET: "x" })).rejects.toThrow(
      /APP_ID and PRIVATE_KEY/,
    );
  });
});
