import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pollUntil } from "./poll-until.ts";
import type { KubeConfig } from "@kubernetes/client-node";
import type { AccessReview, Cluster, KubeletMode } from "./fake-kubernetes/cluster.ts";
import { createControlLoop } from "./fake-kubernetes/control-loop.ts";
import type { Obj } from "./fake-kubernetes/json.ts";
import { kubeConfigFor, kubeconfigYamlFor } from "./fake-kubernetes/kubeconfig.ts";
import { requireResource, resourceForKind } from "./fake-kubernetes/resources.ts";
import {
  createRequestHandler,
  type KubeFault,
  type KubeFaultMatch,
  type RecordedRequest,
} from "./fake-kubernetes/server.ts";
import { createStore } from "./fake-kubernetes/store.ts";

export type { AccessReview, KubeletMode } from "./fake-kubernetes/cluster.ts";
export type { KubeFault, KubeFaultMatch, RecordedRequest } from "./fake-kubernetes/server.ts";

export interface FakeKubernetes {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A client KubeConfig for the fake (skipTLSVerify, a bearer-token user). */
  kubeConfig(): KubeConfig;
  /** The same as a kubeconfig file's text, for `KUBECONFIG`-based loading. */
  kubeconfigYaml(): string;
  requests: RecordedRequest[];
  /** Everything stored (namespaces `default`, `kube-system`, `kube-public`, `kube-node-lease` exist from the start). */
  objects(): Array<Record<string, unknown>>;
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Record<string, unknown> | undefined;
  /** How the "kubelet" treats containers whose image matches (default "ready"; later calls win). */
  setKubelet(
    match: (image: string) => boolean,
    mode: KubeletMode,
    options?: { logs?: string },
  ): void;
  /** RuntimeClasses that exist (default: "kata-fc"); GET node.k8s.io/v1 runtimeclasses/<name>. */
  runtimeClasses: Set<string>;
  /** Decides SelfSubjectAccessReviews and also gates real requests (403 Forbidden); default allows all. */
  allowAccess(check: (review: AccessReview) => boolean): void;
  /** The next `times` requests matching method + path are answered with this Status. */
  failNext(match: KubeFaultMatch, fault: KubeFault): void;
  /** Polls every 10 ms until `predicate` returns something other than undefined/false (default 10 s). */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

const NAMESPACES = requireResource("v1", "namespaces");
const SEEDED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * Starts a fake Kubernetes API server on 127.0.0.1 (plain HTTP, random port) that the real
 * `@kubernetes/client-node` talks to through `kubeConfig()`. It serves discovery, CRUD, server-side
 * apply, list/watch and Status errors, validates bodies against the Kubernetes OpenAPI schemas
 * (kubernetes-models), and plays the controllers and kubelet: ReplicaSets, pods and statuses appear
 * `kubeletDelayMs` (default 50) after a Deployment changes; a StatefulSet gets pods `<name>-<i>`
 * and a claim per volume claim template (kept when scaled down, gone with the namespace). Progress deadlines are scaled: each
 * `progressDeadlineSeconds` second lasts 10 ms.
 *
 * Like the real server: list items carry no apiVersion/kind; zero status counts are omitted;
 * the Status of an error arrives as `ApiException.body`, a JSON string. Simplified: SSA treats
 * lists as atomic (real SSA merges keyed lists such as containers by name), a rolling update
 * surges all new pods and retires old ones once the new ReplicaSet is fully available, deletes
 * are immediate (no grace periods or foreground deletion). Not served: events.k8s.io, pods/exec,
 * attach, port-forward, status-subresource writes, quota enforcement, table/protobuf responses.
 */
export async function startFakeKubernetes(
  options: { kubeletDelayMs?: number } = {},
): Promise<FakeKubernetes> {
  const token = `fake-${randomBytes(12).toString("hex")}`;
  const requests: RecordedRequest[] = [];
  const faults: Array<{ match: KubeFaultMatch; fault: KubeFault; remaining: number }> = [];
  const internalErrors: unknown[] = [];
  const closing = new AbortController();
  const cluster: Cluster = {
    store: createStore(),
    runtimeClasses: new Set(["kata-fc"]),
    kubeletRules: [],
    access: () => true,
    delayMs: options.kubeletDelayMs ?? 50,
    terminating: new Map(),
    rollouts: new Map(),
  };
  for (const name of SEEDED_NAMESPACES) {
    cluster.store.create(NAMESPACES, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }
  const loop = createControlLoop(cluster);
  let host = "";

  const handle = createRequestHandler({
    cluster,
    kubelet: loop.kubelet,
    token,
    requests,
    faults,
    internalErrors,
    closing: closing.signal,
    host: () => host,
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      internalErrors.push(error);
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve();
    });
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === "string")
    throw new Error("fake Kubernetes: no TCP port");
  host = `127.0.0.1:${address.port}`;
  const url = `http://${host}`;

  const ticker = setInterval(
    () => {
      try {
        loop.tick(Date.now());
      } catch (error) {
        internalErrors.push(error);
      }
    },
    Math.max(5, Math.min(20, Math.floor(cluster.delayMs / 4))),
  );
  ticker.unref();

  return {
    url,
    kubeConfig: () => kubeConfigFor(url, token),
    kubeconfigYaml: () => kubeconfigYamlFor(url, token),
    requests,
    objects: () => cluster.store.entries().map(({ object }) => object),
    get(apiVersion, kind, namespace, name) {
      const resource = resourceForKind(apiVersion, kind);
      if (resource === undefined) return undefined;
      if (resource.plural === "runtimeclasses") {
        return cluster.runtimeClasses.has(name)
          ? ({ apiVersion, kind, metadata: { name } } satisfies Obj)
          : undefined;
      }
      return cluster.store.get(resource, resource.namespaced ? namespace : undefined, name);
    },
    setKubelet(match, mode, kubeletOptions = {}) {
      cluster.kubeletRules.push({ match, mode, logs: kubeletOptions.logs ?? "" });
    },
    runtimeClasses: cluster.runtimeClasses,
    allowAccess(check) {
      cluster.access = check;
    },
    failNext(match, fault) {
      faults.push({ match, fault, remaining: fault.times ?? 1 });
    },
    waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
      return pollUntil(predicate, {
        timeoutMs,
        intervalMs: 10,
        explain: () => {
          const recent = requests
            .slice(-10)
            .map((call) => `${call.method} ${call.path} → ${call.status}`)
            .join("; ");
          const errors = internalErrors.map(String).join("; ");
          return (
            `fake Kubernetes: waitFor timed out after ${timeoutMs} ms. Last requests (${requests.length} total): ${recent || "none"}.` +
            (errors === "" ? "" : ` Internal errors: ${errors}.`)
          );
        },
      });
    },
    async close() {
      closing.abort();
      clearInterval(ticker);
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
