import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDagger, type FakeDagger } from "../fakes/fake-dagger.ts";
import { startFakeKubernetes, type FakeKubernetes } from "../fakes/fake-kubernetes.ts";
import { pushPayload } from "../support/examples.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { captureLogger } from "../support/logs.ts";
import { dumpPrefix } from "../support/redis.ts";

const SESSION_TOKEN = "dagger-session-token-secrets-0f9e8d7c";
const REGISTRY = { username: "slipway-bot", password: "registry-pa55word-7c1d2e3f4a5b" };
const INSTALLATION = 6161;
const GOOD = "5".repeat(40);
const BROKEN = "6".repeat(40);
const APP = {
  Dockerfile: 'FROM node:24-slim\nCOPY . .\nCMD ["node", "server.js"]\n',
  "server.js": "require('http').createServer((q, s) => s.end('ok')).listen(8080)\n",
};

/** A log line's level and message, to say where a hit was without repeating the secret. */
function logMessage(line: string): string {
  try {
    const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
    return `level ${String(parsed.level)}: ${String(parsed.msg)}`;
  } catch {
    return "not JSON";
  }
}

interface Place {
  where: string;
  text: string;
}

// Every system at once, then every place a secret could end up is searched for every secret.
describe("secrets after pushes end to end", { timeout: 60_000 }, () => {
  let h: Harness;
  let engine: FakeDagger;
  let kube: FakeKubernetes;
  // Everything logged, down to trace level: an operator may turn debug logging on.
  const { log, lines: logs } = captureLogger("trace");

  beforeAll(async () => {
    kube = await startFakeKubernetes({ kubeletDelayMs: 20 });
    h = await startHarness({
      name: "rel-secrets",
      overrides: { kubeConfig: kube.kubeConfig(), rolloutPollMs: 25, log },
      env: {
        SLIPWAY_REGISTRY: "localhost:5000/previews",
        SLIPWAY_REGISTRY_USERNAME: REGISTRY.username,
        SLIPWAY_REGISTRY_PASSWORD: REGISTRY.password,
        SLIPWAY_BASE_DOMAIN: "preview.test",
        SLIPWAY_ROLLOUT_TIMEOUT: "30s",
        LOG_LEVEL: "trace",
      },
      deferStart: true,
    });
    engine = await startFakeDagger({
      token: SESSION_TOKEN,
      registry: REGISTRY,
      repos: [
        {
          url: `http://${h.github.host}/Codertocat/vault.git`,
          commits: {
            [GOOD]: APP,
            [BROKEN]: { ...APP, Dockerfile: "FROM node:24-slim\nRUN make build\n" },
          },
        },
      ],
      // The failing step prints the credentials it was given, as a careless build script does.
      failExec: (args) =>
        args.join(" ").includes("make build")
          ? {
              exitCode: 2,
              stdout: `pushing with ${REGISTRY.username}:${REGISTRY.password}\n`,
              stderr: `fatal: could not read from remote, token ${h.github.tokensIssued.join(" ")} rejected\npassword=${REGISTRY.password}\n`,
            }
          : undefined,
    });
    await h.start(
      "all",
      {},
      { DAGGER_SESSION_PORT: String(engine.port), DAGGER_SESSION_TOKEN: SESSION_TOKEN },
    );
  });
  afterAll(async () => {
    await h.close();
    await engine.close();
    await kube.close();
  });

  const concluded = (sha: string) =>
    h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"),
      20_000,
    );

  it("shows a failing build's log with the registry password and the installation token masked", async () => {
    for (const sha of [GOOD, BROKEN]) {
      const payload = pushPayload({
        sha,
        repo: "vault",
        repoId: 616,
        branch: `b-${sha.slice(0, 1)}`,
        installationId: INSTALLATION,
      });
      expect((await h.deliver("push", payload)).status).toBe(200);
    }
    expect((await concluded(GOOD)).conclusion).toBe("success");
    const failed = await concluded(BROKEN);
    expect(failed.conclusion).toBe("failure");
    const shown = `${failed.output?.title ?? ""}\n${failed.output?.summary ?? ""}\n${failed.output?.text ?? ""}`;
    expect(shown).toContain("rejected"); // the log is there…
    expect(shown).toContain("***"); // …masked
    expect(h.github.tokensIssued.length).toBeGreaterThan(0);
    for (const token of h.github.tokensIssued) expect(shown).not.toContain(token);
    expect(shown).not.toContain(REGISTRY.password);
  });

  it("leaves no secret in logs, Redis, GitHub bodies, Kubernetes objects or engine queries", async () => {
    const keyLines = h.privateKey.split("\n").filter((line) => line.length >= 40);
    const secrets: Array<[string, string]> = [
      ...h.github.tokensIssued.map((token, i): [string, string] => [
        `installation token #${i + 1}`,
        token,
      ]),
      ["registry password", REGISTRY.password],
      ["private key", h.privateKey],
      ...keyLines.map((line, i): [string, string] => [`private key line ${i + 1}`, line]),
      ["webhook secret", h.secret],
      ["engine session token", SESSION_TOKEN],
    ];
    const redis = await dumpPrefix(h.prefix);
    const places: Place[] = [
      ...logs.map((text, i) => ({ where: `log line ${i + 1} (${logMessage(text)})`, text })),
      ...[...redis].map(([key, value]) => ({ where: `redis ${key}`, text: `${key}\n${value}` })),
      ...h.github.calls.map((c) => ({
        where: `GitHub ${c.method} ${c.path}`,
        text: JSON.stringify(c.body ?? null),
      })),
      ...kube.requests.map((r) => ({
        where: `Kubernetes ${r.method} ${r.path}`,
        text: JSON.stringify(r.body ?? null),
      })),
      ...kube.objects().map((o) => ({
        where: `Kubernetes object ${JSON.stringify(o["metadata"])}`,
        text: JSON.stringify(o),
      })),
      // setSecret is how a secret reaches the engine: the only query allowed to carry one.
      ...engine.requests
        .filter((r) => !r.query.includes("setSecret"))
        .map((r) => ({
          where: `engine query ${r.query.slice(0, 60)}`,
          text: `${r.query}\n${JSON.stringify(r.variables ?? {})}`,
        })),
    ];
    const hits: string[] = [];
    for (const [name, secret] of secrets) {
      for (const place of places) {
        // The session token authenticates every engine request (a header, not in the queries).
        if (place.text.includes(secret)) hits.push(`${name} in ${place.where}`);
      }
    }
    console.log(
      `[secrets] ${secrets.length} secrets searched in ${logs.length} log lines, ${redis.size} Redis keys, ` +
        `${h.github.calls.length} GitHub requests, ${kube.requests.length} Kubernetes requests, ` +
        `${engine.requests.length} engine requests: ${hits.length} hits`,
    );
    expect(engine.secrets.get("slipway-registry-password")).toBe(REGISTRY.password); // it was used
    expect(hits).toEqual([]);
  });
});
