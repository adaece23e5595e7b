import fc from "fast-check";
import type { IPodSpec } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_APP } from "../../src/build/build-stage.ts";
import { DEFAULT_TENANT_LIMITS } from "../../src/deploy/kubernetes/settings.ts";
import { planBranch, tenantObjects } from "../../src/deploy/kubernetes/push-plan.ts";
import { checkRestricted } from "../../src/deploy/pod-security.ts";
import { startFakeDagger, type FakeDagger } from "../fakes/fake-dagger.ts";
import {
  startFakeKubernetes,
  type FakeKubernetes,
  type RecordedRequest,
} from "../fakes/fake-kubernetes.ts";
import { examplePayload, pushPayload } from "../support/examples.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { until } from "./support/pool.ts";
import { fcSeed } from "./support/seed.ts";

const TOKEN = "dagger-session-token-isolation";
const RUNTIME_CLASS = "kata-fc";
const INSTALLATION_LABEL = "slipway.dev/installation";
const APP = {
  Dockerfile: 'FROM node:24-slim\nCOPY . .\nCMD ["node", "server.js"]\n',
  "server.js": "require('http').createServer((q, s) => s.end('ok')).listen(8080)\n",
};
const A = {
  id: 7101,
  owner: "alpha",
  repos: [
    { name: "shop", id: 71011 },
    { name: "blog", id: 71012 },
  ],
};
// Installation B has a repository of the same name as A's, and pushes the same branch names.
const B = { id: 7202, owner: "beta", repos: [{ name: "shop", id: 72021 }] };
const sha = (n: number) => `${n.toString(16).padStart(4, "0")}${"b".repeat(36)}`;

/** The namespace a request is about: `/namespaces/<ns>` in its path (a Namespace's own name too). */
function namespaceOf(request: RecordedRequest): string | undefined {
  return /\/namespaces\/([^/]+)/.exec(request.path)?.[1];
}

/**
 * Requests about no namespace that touch no tenant: API discovery and other reads, and the
 * SelfSubjectAccessReviews of the deployer's readiness check (which only ask what it may do).
 */
function clusterWideAndHarmless(request: RecordedRequest): boolean {
  return (
    request.method === "GET" ||
    (request.method === "POST" && request.path.endsWith("/selfsubjectaccessreviews"))
  );
}

function labelsOf(value: unknown): Record<string, string> {
  const metadata = (value as { metadata?: { labels?: Record<string, string> } } | undefined)
    ?.metadata;
  return metadata?.labels ?? {};
}

/** Pod Security `restricted`, the sandbox runtime class and no API credentials. */
function podProblems(spec: IPodSpec, annotations: Record<string, string> = {}): string[] {
  const problems = checkRestricted(spec, annotations);
  if (spec.runtimeClassName !== RUNTIME_CLASS)
    problems.push(`runtimeClassName is ${String(spec.runtimeClassName)}`);
  if (spec.automountServiceAccountToken !== false)
    problems.push("the service-account token is mounted");
  return problems;
}

// Every system at once: two installations push through one Slipway into one cluster.
describe("two installations sharing one Slipway and one cluster", { timeout: 60_000 }, () => {
  let h: Harness;
  let engine: FakeDagger;
  let kube: FakeKubernetes;

  beforeAll(async () => {
    kube = await startFakeKubernetes({ kubeletDelayMs: 20 });
    h = await startHarness({
      name: "rel-isolation",
      overrides: { kubeConfig: kube.kubeConfig(), rolloutPollMs: 25 },
      env: {
        SLIPWAY_REGISTRY: "localhost:5000",
        SLIPWAY_BASE_DOMAIN: "preview.test",
        SLIPWAY_ROLLOUT_TIMEOUT: "30s",
      },
      deferStart: true,
    });
    const commits = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [sha(i + 1), APP]));
    engine = await startFakeDagger({
      token: TOKEN,
      repos: [
        ...A.repos.map((r) => ({ owner: A.owner, ...r })),
        ...B.repos.map((r) => ({ owner: B.owner, ...r })),
      ].map((r) => ({
        url: `http://${h.github.host}/${r.owner}/${r.name}.git`,
        commits,
      })),
    });
    await h.start(
      "all",
      {},
      { DAGGER_SESSION_PORT: String(engine.port), DAGGER_SESSION_TOKEN: TOKEN },
    );
  });
  afterAll(async () => {
    await h.close();
    await engine.close();
    await kube.close();
  });

  /** Runs `step` and returns the Kubernetes requests made meanwhile (nothing else runs then). */
  async function requestsDuring(step: () => Promise<void>): Promise<RecordedRequest[]> {
    const from = kube.requests.length;
    await step();
    await new Promise((resolve) => setTimeout(resolve, 200)); // late requests of the same job
    return kube.requests.slice(from);
  }
  const install = (tenant: typeof A, action: "created" | "deleted") => async () => {
    const payload = examplePayload("installation", (p) => p["action"] === action);
    (payload["installation"] as Record<string, unknown>)["id"] = tenant.id;
    expect((await h.deliver("installation", payload)).status).toBe(200);
    const ns = `slipway-${tenant.id}`;
    await until(
      `namespace ${ns} ${action}`,
      () => (kube.get("v1", "Namespace", undefined, ns) !== undefined) === (action === "created"),
      15_000,
    );
    if (action === "created") {
      await until(
        `tenant ${ns} provisioned`,
        () => kube.get("networking.k8s.io/v1", "NetworkPolicy", ns, "allow-dns") !== undefined,
        15_000,
      );
    }
  };
  const push =
    (
      tenant: typeof A,
      repo: number,
      branch: string,
      n: number,
      extra: { deleted?: boolean } = {},
    ) =>
    async () => {
      const r = tenant.repos[repo];
      if (r === undefined) throw new Error("no such repository");
      const payload = pushPayload({
        sha: sha(n),
        branch,
        repo: r.name,
        repoId: r.id,
        owner: tenant.owner,
        installationId: tenant.id,
        ...extra,
      });
      expect((await h.deliver("push", payload)).status).toBe(200);
      if (extra.deleted === true) return;
      const run = await h.github.waitFor(
        () => h.github.checkRuns.find((c) => c.head_sha === sha(n) && c.status === "completed"),
        20_000,
      );
      expect(run.conclusion).toBe("success");
    };
  const objectsIn = (ns: string, kind: string) =>
    kube
      .objects()
      .filter(
        (o) => o["kind"] === kind && (o["metadata"] as { namespace?: string }).namespace === ns,
      );

  it("acts only in the namespace of the installation whose signed webhook started the job", async () => {
    const steps: Array<[string, typeof A, () => Promise<void>]> = [
      ["A installed", A, install(A, "created")],
      ["B installed", B, install(B, "created")],
      ["A pushes shop/main", A, push(A, 0, "main", 1)],
      ["B pushes shop/main", B, push(B, 0, "main", 2)],
      ["A pushes blog/feature/x", A, push(A, 1, "feature/x", 3)],
      ["B pushes shop/feature/x", B, push(B, 0, "feature/x", 4)],
    ];
    const stray: string[] = [];
    for (const [what, tenant, step] of steps) {
      const own = `slipway-${tenant.id}`;
      for (const request of await requestsDuring(step)) {
        const ns = namespaceOf(request);
        if (ns === undefined && clusterWideAndHarmless(request)) continue;
        if (ns !== own) stray.push(`${what}: ${request.method} ${request.path}`);
      }
    }
    // B deletes its main branch, then uninstalls: none of A's objects may go.
    const beforeA = kube
      .objects()
      .filter((o) => labelsOf(o)[INSTALLATION_LABEL] === String(A.id)).length;
    for (const [what, step] of [
      [
        "B deletes shop/main",
        async () => {
          await push(B, 0, "main", 5, { deleted: true })();
          await until(
            "B's main branch to be torn down",
            () => objectsIn(`slipway-${B.id}`, "Deployment").length === 1,
            15_000,
          );
        },
      ],
      ["B uninstalls", install(B, "deleted")],
    ] as const) {
      for (const request of await requestsDuring(step)) {
        if (namespaceOf(request) === undefined && clusterWideAndHarmless(request)) continue;
        if (namespaceOf(request) !== `slipway-${B.id}`)
          stray.push(`${what}: ${request.method} ${request.path}`);
      }
    }
    expect(stray).toEqual([]);
    expect(
      kube.objects().filter((o) => labelsOf(o)[INSTALLATION_LABEL] === String(A.id)).length,
    ).toBe(beforeA);
    expect(objectsIn(`slipway-${A.id}`, "Deployment")).toHaveLength(2);
    expect(kube.get("v1", "Namespace", undefined, `slipway-${B.id}`)).toBeUndefined();
  });

  it("labels everything it applied with the tenant, in the tenant's namespace", () => {
    const writes = kube.requests.filter(
      (r) => r.method === "PATCH" || r.method === "POST" || r.method === "PUT",
    );
    expect(writes.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const write of writes) {
      const body = write.body as
        { kind?: string; metadata?: { namespace?: string; name?: string } } | undefined;
      if (body?.kind === "SelfSubjectAccessReview") continue;
      const ns = namespaceOf(write);
      const id = ns?.replace(/^slipway-/, "");
      const labels = labelsOf(body);
      if (
        labels["app.kubernetes.io/managed-by"] !== "slipway" ||
        labels[INSTALLATION_LABEL] !== id
      ) {
        problems.push(`${write.method} ${write.path}: labels ${JSON.stringify(labels)}`);
      }
      if (
        body?.kind !== "Namespace" &&
        body?.metadata?.namespace !== undefined &&
        body.metadata.namespace !== ns
      ) {
        problems.push(`${write.method} ${write.path}: body namespace ${body.metadata.namespace}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("runs every pod under Pod Security restricted, on the runtime class, without a service-account token", () => {
    const problems: string[] = [];
    const deployments = kube.requests.filter(
      (r) => r.method === "PATCH" && r.path.includes("/deployments/"),
    );
    expect(deployments.length).toBeGreaterThan(0);
    for (const request of deployments) {
      const template = (
        request.body as
          | {
              spec?: {
                template?: {
                  metadata?: {
                    labels?: Record<string, string>;
                    annotations?: Record<string, string>;
                  };
                  spec?: IPodSpec;
                };
              };
            }
          | undefined
      )?.spec?.template;
      if (template?.spec === undefined) {
        problems.push(`${request.path}: no pod template`);
        continue;
      }
      for (const problem of podProblems(template.spec, template.metadata?.annotations))
        problems.push(`${request.path}: ${problem}`);
      if (
        template.metadata?.labels?.[INSTALLATION_LABEL] !==
        namespaceOf(request)?.replace(/^slipway-/, "")
      ) {
        problems.push(`${request.path}: pod template not labelled with its tenant`);
      }
    }
    // And the pods the cluster made from them.
    const pods = kube.objects().filter((o) => o["kind"] === "Pod");
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      for (const problem of podProblems(pod["spec"] as IPodSpec))
        problems.push(`pod ${JSON.stringify(pod["metadata"])}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });
});

describe("rendered objects for any push", () => {
  it("stay in the tenant's namespace, carry its labels, and run restricted pods (1,000 pushes)", () => {
    const settings = {
      runtimeClass: RUNTIME_CLASS,
      baseDomain: "preview.example.com",
      ingressClass: "nginx",
      ingressNamespace: "ingress-nginx",
      rolloutTimeoutMs: 300_000,
      tenant: DEFAULT_TENANT_LIMITS,
    };
    const push = fc.record({
      installationId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      repoId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      repo: fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/),
      owner: fc.stringMatching(/^[A-Za-z0-9-]{1,39}$/),
      branch: fc.string({ unit: "binary", minLength: 1, maxLength: 255 }),
      sha: fc.stringMatching(/^[0-9a-f]{40}$/),
      port: fc.integer({ min: 1, max: 65_535 }),
      egress: fc.constantFrom("none" as const, "internet" as const),
      env: fc.dictionary(
        fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/).filter((k) => k !== "PORT"),
        fc.string({ unit: "binary", maxLength: 50 }),
        { maxKeys: 5 },
      ),
    });
    fc.assert(
      fc.property(push, ({ port, egress, env, ...target }) => {
        const image = `registry.example.com/x/y@sha256:${target.sha}${target.sha.slice(0, 24)}`;
        const plan = planBranch(settings, {
          target,
          image,
          app: { ...DEFAULT_APP, port, egress, env },
        });
        const ns = `slipway-${target.installationId}`;
        const objects = [...tenantObjects(settings, target.installationId), ...plan.objects];
        for (const object of objects) {
          const metadata = object.metadata ?? {};
          expect(object.kind === "Namespace" ? metadata.name : metadata.namespace).toBe(ns);
          expect(metadata.labels?.[INSTALLATION_LABEL]).toBe(String(target.installationId));
          expect(metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("slipway");
        }
        const template = plan.deployment.spec?.template;
        expect(
          podProblems(template?.spec ?? { containers: [] }, template?.metadata?.annotations ?? {}),
        ).toEqual([]);
        expect(template?.metadata?.labels?.[INSTALLATION_LABEL]).toBe(
          String(target.installationId),
        );
      }),
      { seed: fcSeed("rendered pushes"), numRuns: 1_000, verbose: true },
    );
  });
});
