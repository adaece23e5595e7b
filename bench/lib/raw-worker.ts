/**
 * The floor for orchestration: a raw BullMQ worker in its own process, on the same Redis with the
 * same concurrency as Slipway's workers. Per job it does nothing, or — with `BENCH_GITHUB_URL` —
 * the same GitHub calls Slipway makes with plain `fetch`: three check-run calls (create queued,
 * in progress, completed), and with `BENCH_DEPLOYMENTS=on` the three Deployments API calls
 * (create, in progress, success), so the gap to Slipway can be split into necessary IO and
 * Slipway's own work. Says `done` over IPC once `BENCH_JOBS` jobs have completed.
 */
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { z } from "zod";
import { onStopRequest, tell } from "./ipc.ts";
import { countRedisCommands } from "./redis-counter.ts";

countRedisCommands();

const env = process.env;
const expected = Number(env["BENCH_JOBS"]);
const github = env["BENCH_GITHUB_URL"];
const deployments = env["BENCH_DEPLOYMENTS"] === "on";

const Target = z.object({
  target: z.object({
    installationId: z.number(),
    owner: z.string(),
    repo: z.string(),
    sha: z.string(),
  }),
});
const Created = z.object({ id: z.number() });
const Token = z.object({ token: z.string() });

/** A JWT-shaped bearer: the fake GitHub reads the issuer and does not check the signature. */
const APP_JWT = `Bearer e30.${Buffer.from(JSON.stringify({ iss: 12345 })).toString("base64url")}.x`;
const tokens = new Map<number, Promise<string>>();

async function call(url: string, method: string, authorization: string, body: unknown) {
  const response = await fetch(url, {
    method,
    headers: {
      authorization,
      accept: "application/vnd.github+json",
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  const json: unknown = await response.json();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status}`);
  return json;
}

function tokenFor(base: string, installationId: number): Promise<string> {
  let token = tokens.get(installationId);
  if (token === undefined) {
    token = call(
      `${base}/app/installations/${installationId}/access_tokens`,
      "POST",
      APP_JWT,
      {},
    ).then((json) => Token.parse(json).token);
    tokens.set(installationId, token);
  }
  return token;
}

async function checkRunCalls(base: string, job: Job): Promise<void> {
  const { target } = Target.parse(job.data);
  const auth = `token ${await tokenFor(base, target.installationId)}`;
  const runs = `${base}/repos/${target.owner}/${target.repo}/check-runs`;
  const output = (title: string) => ({ title, summary: `${target.sha} ${title}` });
  const { id } = Created.parse(
    await call(runs, "POST", auth, {
      name: "Slipway",
      head_sha: target.sha,
      status: "queued",
      output: output("Queued"),
    }),
  );
  await call(`${runs}/${id}`, "PATCH", auth, { status: "in_progress", output: output("Building") });
  if (deployments) {
    const base_ = `${base}/repos/${target.owner}/${target.repo}/deployments`;
    const deployment = Created.parse(
      await call(base_, "POST", auth, {
        ref: target.sha,
        environment: "preview",
        auto_merge: false,
        required_contexts: [],
      }),
    );
    await call(`${base_}/${deployment.id}/statuses`, "POST", auth, { state: "in_progress" });
    await call(`${base_}/${deployment.id}/statuses`, "POST", auth, { state: "success" });
  }
  await call(`${runs}/${id}`, "PATCH", auth, { conclusion: "success", output: output("Done") });
}

const worker = new Worker(
  env["BENCH_QUEUE"] ?? "raw",
  (job) => (github === undefined ? Promise.resolve() : checkRunCalls(github, job)),
  {
    connection: new Redis(env["REDIS_URL"] ?? "redis://127.0.0.1:6379", {
      maxRetriesPerRequest: null,
    }),
    prefix: env["BENCH_PREFIX"] ?? "slipway-bench:raw",
    concurrency: Number(env["BENCH_CONCURRENCY"] ?? "10"),
  },
);
let completed = 0;
worker.on("completed", () => {
  completed++;
  if (completed === expected) tell({ type: "done", completed });
});
worker.on("failed", (_job, error) => {
  tell({ type: "failed", error: error.message });
});
worker.on("error", (error) => {
  tell({ type: "failed", error: error.message });
});
await worker.waitUntilReady();
onStopRequest(() => worker.close(true));
tell({ type: "ready" });
