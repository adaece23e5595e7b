import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const OTHER_SHA = "89abcdef0123456789abcdef0123456789abcdef";

/** A JWT-shaped string; the fake decodes the payload but never checks the signature. */
function fakeJwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(payload)}.c2lnbmF0dXJl`;
}

async function api(
  gh: FakeGitHub,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { accept: "application/vnd.github+json" };
  if (options.token !== undefined) headers.authorization = `token ${options.token}`;
  const body =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${gh.baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const json: unknown = await response.json();
  return {
    status: response.status,
    body: json as Record<string, unknown>,
    headers: response.headers,
  };
}

async function issueToken(gh: FakeGitHub, installationId = 42): Promise<string> {
  const response = await fetch(`${gh.baseUrl}/app/installations/${installationId}/access_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${fakeJwt({ iss: 1234, iat: 0, exp: 600 })}` },
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { token: string };
  return body.token;
}

function completedRunBody(summary: string) {
  return {
    name: "slipway",
    head_sha: SHA,
    status: "completed",
    conclusion: "success",
    output: { title: "Deployed", summary },
  };
}

describe("startFakeGitHub", () => {
  let gh: FakeGitHub;

  beforeEach(async () => {
    gh = await startFakeGitHub();
  });

  afterEach(async () => {
    await gh.close();
  });

  describe("installation tokens", () => {
    it("issues a token for a JWT carrying iss and records it", async () => {
      const before = Date.now();
      const response = await fetch(`${gh.baseUrl}/app/installations/42/access_tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${fakeJwt({ iss: "1234" })}` },
      });

      expect(response.status).toBe(201);
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(response.headers.get("x-ratelimit-remaining")).toBe("4999");
      expect(response.headers.get("x-ratelimit-limit")).toBe("5000");
      expect(response.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/);
      expect(response.headers.get("x-github-request-id")).toBeTruthy();
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        token: expect.stringMatching(/^ghs_fake_42_1_[0-9a-f]+$/) as unknown,
        permissions: { checks: "write", contents: "read" },
        repository_selection: "all",
      });
      const expiresIn = Date.parse(String(body.expires_at)) - before;
      expect(expiresIn).toBeGreaterThan(3_590_000);
      expect(expiresIn).toBeLessThanOrEqual(3_610_000);
      expect(gh.tokensIssued).toEqual([body.token]);
    });

    it("uses the token prefix it was started with and counts tokens", async () => {
      const custom = await startFakeGitHub({ tokenPrefix: "ghs_test" });
      try {
        await issueToken(custom, 7);
        await issueToken(custom, 8);
        expect(custom.tokensIssued).toEqual([
          expect.stringMatching(/^ghs_test_7_1_[0-9a-f]+$/),
          expect.stringMatching(/^ghs_test_8_2_[0-9a-f]+$/),
        ]);
      } finally {
        await custom.close();
      }
    });

    it.each([
      ["no authorization", undefined],
      ["an installation token", "token ghs_fake_1_1_abc"],
      ["a bearer value that is not a JWT", "Bearer not-a-jwt"],
      ["a JWT without iss", `Bearer ${fakeJwt({ iat: 0 })}`],
      ["a JWT whose payload is not JSON", "Bearer aGVhZA.bm90IGpzb24.c2ln"],
    ])("refuses token creation with %s", async (_label, authorization) => {
      const response = await fetch(`${gh.baseUrl}/app/installations/42/access_tokens`, {
        method: "POST",
        headers: authorization === undefined ? {} : { authorization },
      });

      expect(response.status).toBe(401);
      expect(gh.tokensIssued).toEqual([]);
      expect(gh.calls).toMatchObject([
        { path: "/app/installations/42/access_tokens", status: 401 },
      ]);
    });

    it("accepts a real app JWT from Probot and serves the installation client", async () => {
      const { privateKey } = generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      const probot = new Probot({
        appId: 1234,
        privateKey,
        baseUrl: gh.baseUrl,
        logLevel: "fatal",
      });

      const octokit = await probot.auth(42);
      const { data } = await octokit.rest.checks.create({
        owner: "acme",
        repo: "web",
        name: "slipway",
        head_sha: SHA,
      });

      expect(data.id).toBe(1);
      expect(gh.tokensIssued).toHaveLength(1);
      const [tokenCall, createCall] = gh.calls;
      expect(tokenCall?.headers.authorization).toMatch(/^bearer \S+\.\S+\.\S+$/i);
      expect(createCall?.headers.authorization).toBe(`token ${gh.tokensIssued[0] ?? ""}`);
    });
  });

  describe("authentication of API routes", () => {
    it.each([
      ["no authorization", undefined],
      ["an unknown token", "token ghs_unknown"],
      ["a JWT", `Bearer ${fakeJwt({ iss: 1 })}`],
    ])("answers 401 Bad credentials with %s", async (_label, authorization) => {
      const response = await fetch(`${gh.baseUrl}/repos/acme/web/check-runs`, {
        method: "POST",
        headers: authorization === undefined ? {} : { authorization },
        body: JSON.stringify({ name: "slipway", head_sha: SHA }),
      });

      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ message: "Bad credentials" });
      expect(gh.checkRuns).toEqual([]);
    });

    it.each(["token", "Bearer"])("accepts an issued token as `%s <t>`", async (scheme) => {
      const token = await issueToken(gh);

      const response = await fetch(`${gh.baseUrl}/repos/acme/web/check-runs`, {
        method: "POST",
        headers: { authorization: `${scheme} ${token}` },
        body: JSON.stringify({ name: "slipway", head_sha: SHA }),
      });

      expect(response.status).toBe(201);
    });
  });

  describe("check runs", () => {
    let token: string;

    beforeEach(async () => {
      token = await issueToken(gh);
    });

    it("creates, updates and reads a check run, keeping its history", async () => {
      const created = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA, status: "queued", external_id: "job-1" },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: 1,
        name: "slipway",
        head_sha: SHA,
        status: "queued",
        conclusion: null,
        external_id: "job-1",
        html_url: `http://${gh.host}/acme/web/runs/1`,
        url: `${gh.baseUrl}/repos/acme/web/check-runs/1`,
      });

      const running = await api(gh, "PATCH", "/repos/acme/web/check-runs/1", {
        token,
        body: { status: "in_progress", output: { title: "Building", summary: "clone ✓" } },
      });
      expect(running.status).toBe(200);
      expect(running.body).toMatchObject({ status: "in_progress", output: { title: "Building" } });

      const done = await api(gh, "PATCH", "/repos/acme/web/check-runs/1", {
        token,
        body: {
          conclusion: "failure",
          details_url: "https://slipway.example/jobs/1",
          output: {
            title: "Build failed",
            summary: "build ✗",
            text: "npm ERR! missing script: build",
            annotations: [
              {
                path: ".slipway.yml",
                start_line: 3,
                end_line: 3,
                annotation_level: "failure",
                message: "port must be a number",
              },
            ],
          },
        },
      });
      expect(done.status).toBe(200);
      // Providing a conclusion implies completed.
      expect(done.body).toMatchObject({
        status: "completed",
        conclusion: "failure",
        completed_at: expect.any(String) as unknown,
        output: { title: "Build failed", summary: "build ✗", annotations_count: 1 },
      });

      const fetched = await api(gh, "GET", "/repos/acme/web/check-runs/1", { token });
      expect(fetched.body).toEqual(done.body);
      expect(gh.checkRuns).toHaveLength(1);
      expect(gh.checkRuns[0]).toMatchObject({
        owner: "acme",
        repo: "web",
        status: "completed",
        conclusion: "failure",
        details_url: "https://slipway.example/jobs/1",
        output: { text: "npm ERR! missing script: build" },
      });
      expect(
        gh.checkRuns[0]?.history.map(({ status, conclusion, title }) => ({
          status,
          conclusion,
          title,
        })),
      ).toEqual([
        { status: "queued", conclusion: null, title: undefined },
        { status: "in_progress", conclusion: null, title: "Building" },
        { status: "completed", conclusion: "failure", title: "Build failed" },
      ]);
    });

    it("numbers check runs from 1 across repositories", async () => {
      const first = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });
      const second = await api(gh, "POST", "/repos/acme/api/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });

      expect([first.body.id, second.body.id]).toEqual([1, 2]);
    });

    it.each([
      ["an unknown id", "/repos/acme/web/check-runs/99"],
      ["another repository", "/repos/acme/other/check-runs/1"],
      ["another owner", "/repos/evil/web/check-runs/1"],
    ])("answers 404 for %s", async (_label, path) => {
      await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });

      const patched = await api(gh, "PATCH", path, { token, body: { status: "in_progress" } });
      const fetched = await api(gh, "GET", path, { token });

      expect(patched.status).toBe(404);
      expect(fetched.status).toBe(404);
      expect(patched.body).toMatchObject({ message: "Not Found" });
      expect(gh.checkRuns[0]?.status).toBe("queued");
    });

    it("lists check runs for a commit, latest per name unless filter=all", async () => {
      const create = (repo: string, name: string, headSha: string) =>
        api(gh, "POST", `/repos/acme/${repo}/check-runs`, {
          token,
          body: { name, head_sha: headSha },
        });
      await create("web", "slipway", SHA); // 1
      await create("web", "slipway", SHA); // 2, supersedes 1 under `latest`
      await create("web", "lint", SHA); // 3
      await create("web", "slipway", OTHER_SHA); // 4, other commit
      await create("api", "slipway", SHA); // 5, other repository

      const latest = await api(gh, "GET", `/repos/acme/web/commits/${SHA}/check-runs`, { token });
      const all = await api(gh, "GET", `/repos/acme/web/commits/${SHA}/check-runs?filter=all`, {
        token,
      });
      const named = await api(
        gh,
        "GET",
        `/repos/acme/web/commits/${SHA}/check-runs?check_name=slipway&filter=all`,
        { token },
      );

      const ids = (body: Record<string, unknown>) =>
        (body.check_runs as Array<{ id: number }>).map((run) => run.id).sort();
      expect(latest.body.total_count).toBe(2);
      expect(ids(latest.body)).toEqual([2, 3]);
      expect(all.body.total_count).toBe(3);
      expect(ids(all.body)).toEqual([1, 2, 3]);
      expect(ids(named.body)).toEqual([1, 2]);
      expect(gh.calls.at(-1)?.query).toEqual({ check_name: "slipway", filter: "all" });
    });

    it("answers 422 when status is completed without a conclusion, and records the call", async () => {
      const response = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA, status: "completed" },
      });

      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({
        message: expect.stringMatching(/^Invalid request\.\n\n.*conclusion/) as unknown,
        documentation_url: expect.stringContaining("docs.github.com") as unknown,
      });
      expect(gh.checkRuns).toEqual([]);
      expect(gh.calls.at(-1)).toMatchObject({
        method: "POST",
        path: "/repos/acme/web/check-runs",
        status: 422,
        body: { status: "completed" },
      });
    });

    it("answers 422 when an update completes a run without a conclusion", async () => {
      await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });

      const response = await api(gh, "PATCH", "/repos/acme/web/check-runs/1", {
        token,
        body: { status: "completed" },
      });

      expect(response.status).toBe(422);
      expect(gh.checkRuns[0]?.status).toBe("queued");
      expect(gh.checkRuns[0]?.history).toHaveLength(1);
    });

    it("accepts a summary of exactly 65,535 characters and refuses one more", async () => {
      const atLimit = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: completedRunBody("x".repeat(65_535)),
      });
      const overLimit = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: completedRunBody("x".repeat(65_536)),
      });

      expect(atLimit.status).toBe(201);
      expect(overLimit.status).toBe(422);
      expect(overLimit.body.message).toMatch(/^Invalid request\.\n\n.*output\.summary/);
      expect(gh.checkRuns).toHaveLength(1);
    });

    const annotation = {
      path: "a.ts",
      start_line: 1,
      end_line: 1,
      annotation_level: "warning",
      message: "m",
    };
    it.each<[string, Record<string, unknown>]>([
      ["a missing name", { head_sha: SHA }],
      ["a short head_sha", { name: "slipway", head_sha: "abc123" }],
      ["an unknown status", { name: "slipway", head_sha: SHA, status: "done" }],
      ["a status only Actions may set", { name: "slipway", head_sha: SHA, status: "waiting" }],
      ["the stale conclusion", { name: "slipway", head_sha: SHA, conclusion: "stale" }],
      [
        "completed_at without conclusion",
        { name: "n", head_sha: SHA, completed_at: "2024-01-01T00:00:00Z" },
      ],
      [
        "a started_at that is not a timestamp",
        { name: "n", head_sha: SHA, started_at: "yesterday" },
      ],
      ["output without a title", { name: "n", head_sha: SHA, output: { summary: "s" } }],
      ["output without a summary", { name: "n", head_sha: SHA, output: { title: "t" } }],
      [
        "text over 65,535",
        {
          name: "n",
          head_sha: SHA,
          output: { title: "t", summary: "s", text: "x".repeat(65_536) },
        },
      ],
      [
        "51 annotations",
        {
          name: "n",
          head_sha: SHA,
          output: {
            title: "t",
            summary: "s",
            annotations: Array.from({ length: 51 }, () => annotation),
          },
        },
      ],
      [
        "columns across lines",
        {
          name: "n",
          head_sha: SHA,
          output: {
            title: "t",
            summary: "s",
            annotations: [{ ...annotation, end_line: 2, start_column: 1 }],
          },
        },
      ],
      [
        "4 actions",
        {
          name: "n",
          head_sha: SHA,
          actions: Array.from({ length: 4 }, () => ({
            label: "l",
            description: "d",
            identifier: "i",
          })),
        },
      ],
      [
        "an action label over 20",
        {
          name: "n",
          head_sha: SHA,
          actions: [{ label: "x".repeat(21), description: "d", identifier: "i" }],
        },
      ],
      [
        "an action description over 40",
        {
          name: "n",
          head_sha: SHA,
          actions: [{ label: "l", description: "x".repeat(41), identifier: "i" }],
        },
      ],
      [
        "an action identifier over 20",
        {
          name: "n",
          head_sha: SHA,
          actions: [{ label: "l", description: "d", identifier: "x".repeat(21) }],
        },
      ],
    ])("answers 422 for %s", async (_label, body) => {
      const response = await api(gh, "POST", "/repos/acme/web/check-runs", { token, body });

      expect(response.status).toBe(422);
      expect(response.body.message).toMatch(/^Invalid request\.\n\n./);
      expect(gh.checkRuns).toEqual([]);
    });

    it("accepts the documented maxima: 50 annotations and 3 actions", async () => {
      const response = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: {
          name: "slipway",
          head_sha: SHA,
          started_at: "2024-01-01T00:00:00Z",
          output: {
            title: "t",
            summary: "s",
            annotations: Array.from({ length: 50 }, () => annotation),
          },
          actions: Array.from({ length: 3 }, () => ({
            label: "x".repeat(20),
            description: "x".repeat(40),
            identifier: "x".repeat(20),
          })),
        },
      });

      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ output: { annotations_count: 50 } });
    });

    it("answers 400 to a body that is not JSON and records the raw text", async () => {
      const response = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        rawBody: "{not json",
      });

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ message: "Problems parsing JSON" });
      expect(gh.calls.at(-1)).toMatchObject({ body: "{not json", status: 400 });
    });
  });

  it("answers 404 to any other route and records it", async () => {
    const token = await issueToken(gh);

    const response = await api(gh, "GET", "/repos/acme/web/releases?per_page=5", { token });

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ message: "Not Found" });
    expect(gh.calls.at(-1)).toMatchObject({
      method: "GET",
      path: "/repos/acme/web/releases",
      query: { per_page: "5" },
      status: 404,
    });
  });

  describe("faults", () => {
    let token: string;

    beforeEach(async () => {
      token = await issueToken(gh);
    });

    it("answers 502 once, then handles the request", async () => {
      gh.failNext({ method: "POST", path: /\/check-runs$/ }, { status: 502 });

      const failed = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });
      const retried = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });

      expect(failed.status).toBe(502);
      expect(retried.status).toBe(201);
      expect(gh.checkRuns).toHaveLength(1);
      expect(gh.apiCalls().map((call) => call.status)).toEqual([502, 201]);
    });

    it("applies a fault `times` times with its body and headers, only to matching requests", async () => {
      gh.failNext(
        { method: "PATCH", path: /^\/repos\/acme\/web\/check-runs\/\d+$/ },
        { status: 403, times: 2, body: { message: "slow down" }, headers: { "retry-after": "1" } },
      );

      const created = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });
      const patch = () =>
        api(gh, "PATCH", "/repos/acme/web/check-runs/1", {
          token,
          body: { status: "in_progress" },
        });
      const first = await patch();
      const second = await patch();
      const third = await patch();

      expect(created.status).toBe(201);
      expect([first.status, second.status, third.status]).toEqual([403, 403, 200]);
      expect(first.body).toEqual({ message: "slow down" });
      expect(first.headers.get("retry-after")).toBe("1");
    });

    it("destroys the socket on a reset fault, then serves the next request", async () => {
      gh.failNext({ method: "GET", path: /check-runs/ }, { reset: true });

      await expect(api(gh, "GET", "/repos/acme/web/check-runs/1", { token })).rejects.toThrow();
      const next = await api(gh, "GET", "/repos/acme/web/check-runs/1", { token });

      expect(next.status).toBe(404);
      expect(gh.apiCalls().map((call) => call.status)).toEqual([0, 404]);
    });

    it("delays a request and then handles it", async () => {
      gh.failNext({ method: "POST", path: /check-runs/ }, { delayMs: 150 });

      const started = Date.now();
      const response = await api(gh, "POST", "/repos/acme/web/check-runs", {
        token,
        body: { name: "slipway", head_sha: SHA },
      });

      expect(response.status).toBe(201);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it("lets the real client retry through a 502", async () => {
      gh.failNext({ method: "POST", path: /check-runs$/ }, { status: 502 });
      const octokit = new ProbotOctokit({
        auth: { token },
        baseUrl: gh.baseUrl,
        retry: { retryAfterBaseValue: 10 },
        // The throttling plugin spaces writes ≥ 1 s apart; that is the client's pacing, not the fake's.
        throttle: { enabled: false },
      });

      const { data } = await octokit.rest.checks.create({
        owner: "acme",
        repo: "web",
        name: "slipway",
        head_sha: SHA,
        status: "in_progress",
      });
      await octokit.rest.checks.update({
        owner: "acme",
        repo: "web",
        check_run_id: data.id,
        conclusion: "success",
        output: { title: "Deployed", summary: "https://main--web.preview.example" },
      });
      const { data: listed } = await octokit.rest.checks.listForRef({
        owner: "acme",
        repo: "web",
        ref: SHA,
        check_name: "slipway",
      });

      expect(listed.total_count).toBe(1);
      expect(listed.check_runs[0]).toMatchObject({ status: "completed", conclusion: "success" });
      expect(gh.apiCalls().map((call) => `${call.method} ${call.status}`)).toEqual([
        "POST 502",
        "POST 201",
        "PATCH 200",
        "GET 200",
      ]);
    });
  });

  it("records calls and excludes token creation from apiCalls()", async () => {
    const token = await issueToken(gh);
    await api(gh, "POST", "/repos/acme/web/check-runs", {
      token,
      body: { name: "slipway", head_sha: SHA },
    });

    expect(gh.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      "POST /app/installations/42/access_tokens",
      "POST /repos/acme/web/check-runs",
    ]);
    expect(gh.apiCalls()).toEqual([gh.calls[1]]);
    expect(gh.apiCalls()[0]).toMatchObject({
      body: { name: "slipway", head_sha: SHA },
      headers: { authorization: `token ${token}` },
      at: expect.any(Number) as unknown,
    });
  });

  describe("waitFor", () => {
    it("resolves with the first value the predicate returns", async () => {
      const token = await issueToken(gh);
      setTimeout(() => {
        void api(gh, "POST", "/repos/acme/web/check-runs", {
          token,
          body: completedRunBody("done"),
        });
      }, 50);

      const run = await gh.waitFor(() => gh.checkRuns.find((r) => r.status === "completed"));

      expect(run.conclusion).toBe("success");
    });

    it("rejects with what it saw when the timeout passes", async () => {
      await issueToken(gh);

      await expect(gh.waitFor(() => gh.checkRuns[0], 100)).rejects.toThrow(
        /timed out after 100 ms.*POST \/app\/installations\/42\/access_tokens → 201/,
      );
    });
  });
});
