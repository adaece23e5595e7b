#!/usr/bin/env node
/*
 * A stand-in for the Dagger CLI's hidden `dagger listen --disable-host-read-write --listen
 * 127.0.0.1:<port>`, run as a real child process by the worker. Its configuration sits next to
 * the kubeconfig it is given (`$KUBECONFIG`'s directory holds `fake-dagger-cli.json`, written by
 * the test), as the real CLI finds the cluster through kubectl. It:
 *
 * - refuses to start without `--disable-host-read-write` (the engine could otherwise read and
 *   write the worker's files through the session), without `_EXPERIMENTAL_DAGGER_RUNNER_HOST`
 *   (which the worker must set on this process alone), without `DAGGER_SESSION_TOKEN`, or on
 *   anything but a loopback address;
 * - like `kubectl exec` into a `kube-pod://` runner, fails unless that pod exists and is Ready
 *   on the (fake) Kubernetes API, and keeps a child process running for the session (the real
 *   CLI's `kubectl exec … buildctl dial-stdio`), which it does not stop when it exits;
 * - serves POST /query on the given port to callers with the session token, forwarding to the
 *   fake engine that stands for that runner host, so a build sent to the wrong tenant's engine
 *   lands in the wrong fake engine;
 * - logs each session (runner host, its HOME, the names of its environment variables, its
 *   child's pid, start and end) to `fake-dagger-cli.log` next to the configuration.
 *
 * Node runs it from source (type stripping), so it is plain TypeScript without imports of ours.
 */
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { dirname, join } from "node:path";
import process from "node:process";

interface CliConfig {
  engines: Record<string, { port: number; token: string }>;
}
interface KubeconfigFile {
  clusters: Array<{ name: string; cluster: { server: string } }>;
  users: Array<{ name: string; user: { token?: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  "current-context": string;
}

const kubeconfigPath = process.env["KUBECONFIG"] ?? "";
const dir = dirname(kubeconfigPath);
const logFile = join(dir, "fake-dagger-cli.log");
function log(event: Record<string, unknown>): void {
  appendFileSync(logFile, `${JSON.stringify({ ...event, pid: process.pid, at: Date.now() })}\n`);
}
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  if (kubeconfigPath !== "") log({ event: "failed", message });
  process.exit(1);
}

if (kubeconfigPath === "") fail("no KUBECONFIG: the fake CLI finds its configuration next to it");
const args = process.argv.slice(2);
if (args[0] !== "listen") fail(`unknown command ${args.join(" ")}`);
if (!args.includes("--disable-host-read-write")) {
  fail("refusing `dagger listen` without --disable-host-read-write: the engine could use the host");
}
const address = args[args.indexOf("--listen") + 1] ?? "";
const listen = /^127\.0\.0\.1:(\d+)$/.exec(address);
if (!args.includes("--listen") || listen === null) fail(`not a loopback address: ${address}`);
const sessionToken = process.env["DAGGER_SESSION_TOKEN"];
if (sessionToken === undefined || sessionToken === "") fail("no DAGGER_SESSION_TOKEN");
const runnerHost = process.env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"];
if (runnerHost === undefined)
  fail("no _EXPERIMENTAL_DAGGER_RUNNER_HOST: would start a local engine");

const config = JSON.parse(readFileSync(join(dir, "fake-dagger-cli.json"), "utf8")) as CliConfig;
const kubeconfig = JSON.parse(readFileSync(kubeconfigPath, "utf8")) as KubeconfigFile;
const context = kubeconfig.contexts.find((c) => c.name === kubeconfig["current-context"]);
const server = kubeconfig.clusters.find((c) => c.name === context?.context.cluster)?.cluster.server;
const bearer = kubeconfig.users.find((u) => u.name === context?.context.user)?.user.token;

const url = new URL(runnerHost);
if (url.protocol !== "kube-pod:") fail(`unsupported runner host ${runnerHost}`);
const namespace = url.searchParams.get("namespace") ?? "default";
const response = await fetch(
  `${server ?? ""}/api/v1/namespaces/${namespace}/pods/${url.hostname}`,
  { headers: { authorization: `Bearer ${bearer ?? ""}` } },
);
const pod = (await response.json()) as {
  status?: { conditions?: Array<{ type: string; status: string }> };
};
const ready = (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
if (!response.ok || !ready) {
  fail(`error: unable to upgrade connection: pod ${namespace}/${url.hostname} is not running`);
}
const engine = config.engines[runnerHost];
if (engine === undefined) fail(`no fake engine for ${runnerHost}`);

// The `kubectl exec` of a real session: a child in this process group that outlives this
// process unless the worker kills the group.
const kubectl = spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)"], {
  stdio: "ignore",
});

const expected = `Basic ${Buffer.from(`${sessionToken}:`).toString("base64")}`;
const engineAuth = `Basic ${Buffer.from(`${engine.token}:`).toString("base64")}`;
async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += (chunk as Buffer).toString("utf8");
  return text;
}
const listener = createServer((req, res) => {
  if (req.headers.authorization !== expected) {
    res.writeHead(401).end("unauthorized");
    return;
  }
  body(req)
    .then((text) =>
      fetch(`http://127.0.0.1:${engine.port}${req.url ?? "/"}`, {
        method: req.method ?? "POST",
        headers: { authorization: engineAuth, "content-type": "application/json" },
        ...(req.method === "POST" ? { body: text } : {}),
      }),
    )
    .then(async (answer) => {
      const text = await answer.text();
      res
        .writeHead(answer.status, {
          "content-type": answer.headers.get("content-type") ?? "text/plain",
        })
        .end(text);
    })
    .catch((error: unknown) => {
      res.writeHead(502).end(String(error));
    });
});
listener.listen(Number(listen[1]), "127.0.0.1", () => {
  log({
    event: "session",
    runnerHost,
    home: process.env["HOME"],
    tmpdir: process.env["TMPDIR"],
    env: Object.keys(process.env).sort(),
    child: kubectl.pid,
  });
});
process.once("SIGTERM", () => {
  log({ event: "closed", runnerHost });
  // Exits without stopping its child, as a CLI killed mid-session may.
  process.exit(0);
});
