import { randomBytes } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { pollUntil } from "./poll-until.ts";
import { z } from "zod";
import { fakeDeployments, type FakeDeployment } from "./fake-github-deployments.ts";
import { fakeHookDeliveries } from "./fake-github-hook-deliveries.ts";
import { fakeConversation } from "./fake-github-conversation.ts";

/** One request the fake received, as it arrived, with the status it was answered. */
export interface RecordedCall {
  method: string;
  /** Without the `/api/v3` prefix and without the query string. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON; the raw text when it was not JSON; `undefined` when empty. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The HTTP status answered; 0 when a `reset` fault destroyed the socket. */
  status: number;
  /** `Date.now()` when the request was received. */
  at: number;
}

export interface FakeCheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: string | null;
  external_id?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
  details_url?: string;
  /** The buttons the run shows (`actions`), as last set. */
  actions?: Array<{ label: string; description: string; identifier: string }>;
  started_at?: string;
  completed_at?: string;
  /** The state after the create and after every accepted update, oldest first. */
  history: Array<{ status: string; conclusion: string | null; title?: string; at: number }>;
}

export interface FaultMatch {
  method: string;
  /** Tested against the path without `/api/v3` and without the query. */
  path: RegExp;
}

export interface Fault {
  /** Answer this status instead of handling the request. */
  status?: number;
  /** How many matching requests the fault applies to (default 1). */
  times?: number;
  /** Body of the faulty answer (default `{ message: <reason phrase> }`). */
  body?: unknown;
  /** Headers of the faulty answer, over the usual ones (e.g. `retry-after`). */
  headers?: Record<string, string>;
  /** Wait this long first; without `status` or `reset` the request is then handled normally. */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:<port>/api/v3` */
  baseUrl: string;
  /** `127.0.0.1:<port>`, for `GHE_HOST` (with `GHE_PROTOCOL=http`). */
  host: string;
  calls: RecordedCall[];
  checkRuns: FakeCheckRun[];
  /** Deployments created through the Deployments API, with their statuses. */
  deployments: FakeDeployment[];
  /** The app's webhook deliveries log (`/app/hook/deliveries`) and redelivery requests. */
  hookDeliveries: ReturnType<typeof fakeHookDeliveries>;
  /** Pull requests, permissions, comments and reactions (set `pulls`/`permissions` up). */
  conversation: ReturnType<typeof fakeConversation>;
  /** Every installation token handed out, in order. */
  tokensIssued: string[];
  /** Make the next `times` requests matching method+path-pattern answer `status` (optional body/headers, optional delayMs, or `reset: true` to destroy the socket) instead of being handled. */
  failNext(match: FaultMatch, fault: Fault): void;
  /** Calls excluding installation-token creation, i.e. what a job costs in API calls. */
  apiCalls(): RecordedCall[];
  /** Polls `predicate` every 20 ms until it returns something other than `undefined`/`false`; rejects after `timeoutMs` (default 10 s). */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const API_PREFIX = "/api/v3";
const TOKEN_PATH = /^\/app\/installations\/([^/]+)\/access_tokens$/;
const CHECK_RUNS_PATH = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/;
const CHECK_RUN_PATH = /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/([^/]+)$/;
const CHECK_RUNS_FOR_REF_PATH = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/check-runs$/;
const DOCS = "https://docs.github.com/rest";
const DOCS_CREATE = `${DOCS}/checks/runs#create-a-check-run`;
const DOCS_UPDATE = `${DOCS}/checks/runs#update-a-check-run`;
// GitHub's documented limits for check-run output and actions.
const MAX_OUTPUT_CHARS = 65_535;
const MAX_ANNOTATIONS = 50;
const MAX_ANNOTATION_CHARS = 64 * 1024;

const Timestamp = z.iso.datetime({ offset: true });
const HttpUrl = z.url({ protocol: /^https?$/ });

const Annotation = z
  .object({
    path: z.string().min(1),
    start_line: z.int().min(1),
    end_line: z.int().min(1),
    start_column: z.int().min(1).optional(),
    end_column: z.int().min(1).optional(),
    annotation_level: z.enum(["notice", "warning", "failure"]),
    message: z.string().max(MAX_ANNOTATION_CHARS),
    title: z.string().max(255).optional(),
    raw_details: z.string().max(MAX_ANNOTATION_CHARS).optional(),
  })
  .refine(
    (a) =>
      a.start_line === a.end_line || (a.start_column === undefined && a.end_column === undefined),
    { error: "start_column and end_column are only allowed when start_line equals end_line" },
  );

const CheckRunOutput = z.object({
  // Create's docs mark title required; update's say "**Required**" in prose, so both require it.
  title: z.string(),
  summary: z.string().max(MAX_OUTPUT_CHARS),
  text: z.string().max(MAX_OUTPUT_CHARS).optional(),
  annotations: z.array(Annotation).max(MAX_ANNOTATIONS).optional(),
  images: z
    .array(z.object({ alt: z.string(), image_url: HttpUrl, caption: z.string().optional() }))
    .optional(),
});

const CheckRunAction = z.object({
  label: z.string().min(1).max(20),
  description: z.string().min(1).max(40),
  identifier: z.string().min(1).max(20),
});

const CreateCheckRunBody = z.object({
  name: z.string().min(1),
  head_sha: z.string().regex(/^[0-9a-f]{40}$/i, "must be a 40-character hex commit SHA"),
  details_url: HttpUrl.optional(),
  external_id: z.string().optional(),
  status: z
    .enum(["queued", "in_progress", "completed", "waiting", "requested", "pending"])
    .optional(),
  started_at: Timestamp.optional(),
  conclusion: z
    .enum([
      "action_required",
      "cancelled",
      "failure",
      "neutral",
      "success",
      "skipped",
      "stale",
      "timed_out",
    ])
    .optional(),
  completed_at: Timestamp.optional(),
  output: CheckRunOutput.optional(),
  actions: z.array(CheckRunAction).max(3).optional(),
});

const UpdateCheckRunBody = CreateCheckRunBody.omit({ head_sha: true }).partial({ name: true });
type UpdateCheckRunBody = z.infer<typeof UpdateCheckRunBody>;

const CreateTokenBody = z
  .object({
    repositories: z.array(z.string()).optional(),
    repository_ids: z.array(z.int()).optional(),
    permissions: z.record(z.string(), z.enum(["read", "write"])).optional(),
  })
  .optional();

const JwtPayload = z.object({ iss: z.union([z.string().min(1), z.int()]) });

const ListCheckRunsQuery = z.object({
  check_name: z.string().optional(),
  status: z.enum(["queued", "in_progress", "completed"]).optional(),
  filter: z.enum(["latest", "all"]).default("latest"),
  per_page: z.coerce.number().int().min(1).max(100).default(30),
  page: z.coerce.number().int().min(1).default(1),
});

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Route =
  | { kind: "token"; installationId: string }
  | { kind: "create"; owner: string; repo: string }
  | { kind: "get" | "update"; owner: string; repo: string; id: string }
  | { kind: "list"; owner: string; repo: string; ref: string };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchRoute(method: string, path: string): Route | undefined {
  const segments = (re: RegExp) => re.exec(path)?.slice(1).map(decodeSegment);
  const token = segments(TOKEN_PATH);
  if (method === "POST" && token?.[0] !== undefined) {
    return { kind: "token", installationId: token[0] };
  }
  const [owner, repo, third] = segments(CHECK_RUNS_PATH) ?? segments(CHECK_RUN_PATH) ?? [];
  if (owner !== undefined && repo !== undefined) {
    if (third === undefined) return method === "POST" ? { kind: "create", owner, repo } : undefined;
    if (method === "GET") return { kind: "get", owner, repo, id: third };
    if (method === "PATCH") return { kind: "update", owner, repo, id: third };
    return undefined;
  }
  const [listOwner, listRepo, ref] = segments(CHECK_RUNS_FOR_REF_PATH) ?? [];
  if (method === "GET" && listOwner !== undefined && listRepo !== undefined && ref !== undefined) {
    return { kind: "list", owner: listOwner, repo: listRepo, ref };
  }
  return undefined;
}

function error(status: number, message: string, documentationUrl = DOCS): Reply {
  return {
    status,
    body: { message, documentation_url: documentationUrl, status: String(status) },
  };
}

/** GitHub's 422 shape: "Invalid request.\n\n" followed by one line per problem. */
function invalid(problems: string[], documentationUrl: string): Reply {
  return error(422, `Invalid request.\n\n${problems.join("\n")}`, documentationUrl);
}

function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return `"${field}" wasn't supplied.`;
    }
    return `For '${field || "body"}', ${issue.message}.`;
  });
}

/** The rules GitHub documents in prose, beyond the shape of the body. */
function checkRunRules(body: UpdateCheckRunBody, existing: FakeCheckRun | undefined): string[] {
  const problems: string[] = [];
  if (body.status === "waiting" || body.status === "requested" || body.status === "pending") {
    problems.push(`Only GitHub Actions can set a status of waiting, pending, or requested.`);
  }
  if (body.conclusion === "stale") {
    problems.push(`You cannot change a check run conclusion to stale, only GitHub can set this.`);
  }
  const completing = body.status === "completed" || body.completed_at !== undefined;
  const alreadyConcluded = existing?.status === "completed" && existing.conclusion !== null;
  if (completing && body.conclusion === undefined && !alreadyConcluded) {
    problems.push(
      `"conclusion" wasn't supplied; it is required with status "completed" or completed_at.`,
    );
  }
  return problems;
}

function parseCheckRunBody<T extends UpdateCheckRunBody>(
  schema: z.ZodType<T>,
  body: unknown,
  existing: FakeCheckRun | undefined,
  documentationUrl: string,
): { ok: true; data: T } | { ok: false; reply: Reply } {
  const parsed = schema.safeParse(body ?? {}, { reportInput: true });
  if (!parsed.success) {
    return { ok: false, reply: invalid(describeIssues(parsed.error.issues), documentationUrl) };
  }
  const problems = checkRunRules(parsed.data, existing);
  if (problems.length > 0) return { ok: false, reply: invalid(problems, documentationUrl) };
  return { ok: true, data: parsed.data };
}

/** The `iss` claim of a `Bearer <jwt>` header; the signature is deliberately not verified. */
function jwtIssuer(authorization: string | undefined): string | number | undefined {
  const jwt = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  const parts = jwt?.split(".");
  if (parts?.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    const parsed = JwtPayload.safeParse(payload);
    return parsed.success ? parsed.data.iss : undefined;
  } catch {
    return undefined;
  }
}

function bearerOrToken(authorization: string | undefined): string | undefined {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "")?.[1];
}

function sameRepo(run: FakeCheckRun, owner: string, repo: string): boolean {
  // GitHub resolves owner and repository names case-insensitively.
  return (
    run.owner.toLowerCase() === owner.toLowerCase() && run.repo.toLowerCase() === repo.toLowerCase()
  );
}

function recordHistory(run: FakeCheckRun): void {
  const title = run.output?.title;
  run.history.push({
    status: run.status,
    conclusion: run.conclusion,
    ...(title === undefined ? {} : { title }),
    at: Date.now(),
  });
}

/** Applies a validated create or update body to a run, the way GitHub documents it. */
function applyCheckRunBody(run: FakeCheckRun, body: UpdateCheckRunBody): void {
  const now = new Date().toISOString();
  if (body.name !== undefined) run.name = body.name;
  if (body.external_id !== undefined) run.external_id = body.external_id;
  if (body.details_url !== undefined) run.details_url = body.details_url;
  if (body.actions !== undefined) run.actions = body.actions;
  if (body.started_at !== undefined) run.started_at = body.started_at;
  // Providing a conclusion sets the status to completed.
  if (body.conclusion !== undefined) {
    run.status = "completed";
    run.conclusion = body.conclusion;
  } else if (body.status === "queued" || body.status === "in_progress") {
    run.status = body.status;
    run.conclusion = null;
    delete run.completed_at;
  }
  if (body.completed_at !== undefined) run.completed_at = body.completed_at;
  if (run.status === "completed") run.completed_at ??= now;
  run.started_at ??= now;
  if (body.output !== undefined) {
    const previous = run.output?.annotations ?? [];
    const text = body.output.text ?? run.output?.text;
    run.output = {
      title: body.output.title,
      summary: body.output.summary,
      ...(text === undefined ? {} : { text }),
      // Annotations are appended across updates, as on GitHub.
      annotations: [...previous, ...(body.output.annotations ?? [])],
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Starts a fake of the GitHub REST API (installation tokens and check runs) on 127.0.0.1 with a
 * random port. Point Probot at it with `GHE_HOST=<host>` and `GHE_PROTOCOL=http`. It records every
 * request, validates bodies against GitHub's documented rules, and can inject faults.
 */
export async function startFakeGitHub(options: { tokenPrefix?: string } = {}): Promise<FakeGitHub> {
  const tokenPrefix = options.tokenPrefix ?? "ghs_fake";
  const calls: RecordedCall[] = [];
  const checkRuns: FakeCheckRun[] = [];
  const deploymentsApi = fakeDeployments();
  const hookDeliveries = fakeHookDeliveries();
  const conversation = fakeConversation(() => webUrl);
  const tokensIssued: string[] = [];
  /** Which app (the JWT's issuer) each installation token was minted for. */
  const tokenApps = new Map<string, string>();
  const faults: Array<{ match: FaultMatch; fault: Fault; remaining: number }> = [];
  const suites = new Map<string, number>();
  const closing = new AbortController();
  let tokenCounter = 0;
  let baseUrl = "";
  let webUrl = "";

  function renderCheckRun(run: FakeCheckRun) {
    const url = `${baseUrl}/repos/${encodeURIComponent(run.owner)}/${encodeURIComponent(run.repo)}/check-runs/${run.id}`;
    const suiteKey = `${run.owner.toLowerCase()}/${run.repo.toLowerCase()}@${run.head_sha}`;
    const suiteId = suites.get(suiteKey) ?? suites.size + 1;
    suites.set(suiteKey, suiteId);
    return {
      id: run.id,
      node_id: Buffer.from(`CheckRun${run.id}`).toString("base64"),
      head_sha: run.head_sha,
      external_id: run.external_id ?? "",
      url,
      html_url: `${webUrl}/${encodeURIComponent(run.owner)}/${encodeURIComponent(run.repo)}/runs/${run.id}`,
      details_url: run.details_url ?? null,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at ?? null,
      completed_at: run.completed_at ?? null,
      output: {
        title: run.output?.title ?? null,
        summary: run.output?.summary ?? null,
        text: run.output?.text ?? null,
        annotations_count: run.output?.annotations?.length ?? 0,
        annotations_url: `${url}/annotations`,
      },
      name: run.name,
      check_suite: { id: suiteId },
      app: null,
      pull_requests: [],
    };
  }

  function createToken(installationId: string, call: RecordedCall): Reply {
    const authorization = firstHeader(call.headers.authorization);
    if (!/^Bearer\s+\S+\.\S+\.\S+$/i.test(authorization ?? "")) {
      return error(401, "A JSON web token could not be decoded");
    }
    if (jwtIssuer(authorization) === undefined) {
      return error(401, "'Issuer' claim ('iss') must be an Integer");
    }
    if (!/^\d+$/.test(installationId)) return error(404, "Not Found");
    const parsed = CreateTokenBody.safeParse(call.body, { reportInput: true });
    if (!parsed.success) {
      return invalid(
        describeIssues(parsed.error.issues),
        `${DOCS}/apps/apps#create-an-installation-access-token-for-an-app`,
      );
    }
    tokenCounter += 1;
    const token = `${tokenPrefix}_${installationId}_${tokenCounter}_${randomBytes(8).toString("hex")}`;
    tokensIssued.push(token);
    tokenApps.set(token, String(jwtIssuer(authorization)));
    return {
      status: 201,
      body: {
        token,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: parsed.data?.permissions ?? { checks: "write", contents: "read" },
        repository_selection: "all",
      },
    };
  }

  function findRun(owner: string, repo: string, id: string): FakeCheckRun | undefined {
    const run = checkRuns.find((candidate) => String(candidate.id) === id);
    return run !== undefined && sameRepo(run, owner, repo) ? run : undefined;
  }

  function handleRoute(route: Route, call: RecordedCall): Reply {
    if (route.kind === "token") return createToken(route.installationId, call);
    const token = bearerOrToken(firstHeader(call.headers.authorization));
    if (token === undefined || !tokensIssued.includes(token)) return error(401, "Bad credentials");

    switch (route.kind) {
      case "create": {
        const parsed = parseCheckRunBody(CreateCheckRunBody, call.body, undefined, DOCS_CREATE);
        if (!parsed.ok) return parsed.reply;
        const run: FakeCheckRun = {
          id: checkRuns.length + 1,
          owner: route.owner,
          repo: route.repo,
          name: parsed.data.name,
          head_sha: parsed.data.head_sha,
          status: "queued",
          conclusion: null,
          history: [],
        };
        applyCheckRunBody(run, parsed.data);
        recordHistory(run);
        checkRuns.push(run);
        return { status: 201, body: renderCheckRun(run) };
      }
      case "update": {
        const run = findRun(route.owner, route.repo, route.id);
        if (run === undefined) return error(404, "Not Found", DOCS_UPDATE);
        const parsed = parseCheckRunBody(UpdateCheckRunBody, call.body, run, DOCS_UPDATE);
        if (!parsed.ok) return parsed.reply;
        applyCheckRunBody(run, parsed.data);
        recordHistory(run);
        return { status: 200, body: renderCheckRun(run) };
      }
      case "get": {
        const run = findRun(route.owner, route.repo, route.id);
        if (run === undefined)
          return error(404, "Not Found", `${DOCS}/checks/runs#get-a-check-run`);
        return { status: 200, body: renderCheckRun(run) };
      }
      case "list":
        return listForRef(route, call);
    }
  }

  function listForRef(route: Extract<Route, { kind: "list" }>, call: RecordedCall): Reply {
    const docs = `${DOCS}/checks/runs#list-check-runs-for-a-git-reference`;
    const parsed = ListCheckRunsQuery.safeParse(call.query, { reportInput: true });
    if (!parsed.success) return invalid(describeIssues(parsed.error.issues), docs);
    const query = parsed.data;
    const matching = checkRuns
      .filter(
        (run) =>
          sameRepo(run, route.owner, route.repo) &&
          run.head_sha.toLowerCase() === route.ref.toLowerCase() &&
          (query.check_name === undefined || run.name === query.check_name) &&
          (query.status === undefined || run.status === query.status),
      )
      .sort((a, b) => b.id - a.id);
    // `latest` (the default) keeps only the most recent run of each name.
    const runs =
      query.filter === "all"
        ? matching
        : matching.filter((run, index) => matching.findIndex((r) => r.name === run.name) === index);
    const start = (query.page - 1) * query.per_page;
    const page = runs.slice(start, start + query.per_page);
    const headers: Record<string, string> = {};
    if (start + query.per_page < runs.length) {
      const next = new URLSearchParams({ ...call.query, page: String(query.page + 1) });
      headers.link = `<${baseUrl}${call.path}?${next.toString()}>; rel="next"`;
    }
    return {
      status: 200,
      body: { total_count: runs.length, check_runs: page.map(renderCheckRun) },
      headers,
    };
  }

  function takeFault(method: string, path: string): Fault | undefined {
    const entry = faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.match.method.toUpperCase() === method &&
        // search() ignores a global regex's lastIndex, so a /g pattern still matches every time.
        path.search(candidate.match.path) !== -1,
    );
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) faults.splice(faults.indexOf(entry), 1);
    return entry.fault;
  }

  function send(res: ServerResponse, call: RecordedCall, reply: Reply): void {
    call.status = reply.status;
    calls.push(call);
    if (res.destroyed) return;
    res.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-used": "1",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
      ...reply.headers,
    });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.startsWith(`${API_PREFIX}/`)
      ? url.pathname.slice(API_PREFIX.length)
      : url.pathname;
    const text = await readBody(req);
    const json = parseJson(text);
    const call: RecordedCall = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body: json.ok ? json.value : text,
      headers: { ...req.headers },
      status: 0,
      at,
    };

    const fault = takeFault(method, path);
    if (fault?.delayMs !== undefined) {
      await sleep(fault.delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
      if (closing.signal.aborted) return;
    }
    if (fault?.reset === true) {
      calls.push(call);
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      send(res, call, {
        status: fault.status,
        body: fault.body ?? { message: STATUS_CODES[fault.status] ?? "Error" },
        ...(fault.headers === undefined ? {} : { headers: fault.headers }),
      });
      return;
    }
    if (!json.ok) {
      send(res, call, error(400, "Problems parsing JSON"));
      return;
    }
    const route = matchRoute(method, path);
    if (route === undefined) {
      if (hookDeliveries.matches(path)) {
        if (jwtIssuer(firstHeader(call.headers.authorization)) === undefined) {
          send(res, call, error(401, "A JSON web token could not be decoded"));
          return;
        }
        const reply = hookDeliveries.handle(method, path, call.query, baseUrl);
        send(res, call, reply ?? error(404, "Not Found"));
        return;
      }
      const token = bearerOrToken(firstHeader(call.headers.authorization));
      const installationApi = deploymentsApi.matches(path) || conversation.matches(path);
      if (installationApi && (token === undefined || !tokensIssued.includes(token))) {
        send(res, call, error(401, "Bad credentials"));
        return;
      }
      send(
        res,
        call,
        deploymentsApi.handle(method, path, call.query, call.body) ??
          conversation.handle(
            method,
            path,
            call.query,
            call.body,
            token === undefined ? undefined : tokenApps.get(token),
          ) ??
          error(404, "Not Found"),
      );
      return;
    }
    send(res, call, handleRoute(route, call));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ message: `fake GitHub failed: ${String(cause)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve();
    });
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === "string") throw new Error("fake GitHub: no TCP port");
  const host = `127.0.0.1:${address.port}`;
  webUrl = `http://${host}`;
  baseUrl = `${webUrl}${API_PREFIX}`;

  return {
    baseUrl,
    host,
    calls,
    checkRuns,
    deployments: deploymentsApi.deployments,
    hookDeliveries,
    conversation,
    tokensIssued,
    failNext(match, fault) {
      faults.push({ match, fault, remaining: fault.times ?? 1 });
    },
    apiCalls() {
      return calls.filter((call) => !TOKEN_PATH.test(call.path));
    },
    waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
      return pollUntil(predicate, {
        timeoutMs,
        intervalMs: 20,
        explain: () => {
          const recent = calls
            .slice(-10)
            .map((call) => `${call.method} ${call.path} → ${call.status}`)
            .join("; ");
          const runs = checkRuns
            .map(
              (run) =>
                `#${run.id} ${run.name}@${run.head_sha.slice(0, 7)} ${run.status}/${String(run.conclusion)}`,
            )
            .join("; ");
          return (
            `fake GitHub: waitFor timed out after ${timeoutMs} ms. ` +
            `Last calls (${calls.length} total): ${recent || "none"}. Check runs: ${runs || "none"}.`
          );
        },
      });
    },
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
