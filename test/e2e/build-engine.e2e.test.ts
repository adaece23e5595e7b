/**
 * Real-cluster build engine suite (`npm run test:e2e`): starts an installation's Dagger engine on
 * a real cluster with Kata, builds a real repository on it through the worker's own build stage
 * and connector (the Dagger CLI with a per-build `kube-pod://` runner host), scales it to zero and
 * deletes it. It needs what CI machines lack:
 *   - KUBECONFIG for a cluster with the `kata-qemu` RuntimeClass (or SLIPWAY_E2E_BUILD_RUNTIME_CLASS)
 *     and a default StorageClass, and rights to create namespaces and exec into pods;
 *   - the `dagger` CLI (v0.21.9) and `kubectl` on PATH;
 *   - SLIPWAY_E2E_ENGINE_IMAGE=registry.dagger.io/engine:v0.21.9@sha256:<digest>;
 *   - SLIPWAY_E2E_REPO=owner/name@<40-hex sha> and SLIPWAY_E2E_REGISTRY (reachable from the
 *     cluster's public egress), as for the real-engine suite.
 * Without them each test says why it did not run. It uses installation id 999999001.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daggerBuildStage } from "../../src/build/dagger-build-stage.ts";
import { daggerClient } from "../../src/build/dagger-client.ts";
import { createBuildEngine, type BuildEngine } from "../../src/build/engine/build-engine.ts";
import { daggerCliEnv } from "../../src/config/dagger-cli-env.ts";
import { captureLogger } from "../support/logs.ts";

const env = process.env;
const INSTALLATION = 999_999_001;
const repoSpec = /^([^/\s]+)\/([^@\s]+)@([0-9a-f]{40})$/.exec(env["SLIPWAY_E2E_REPO"] ?? "");
const image = env["SLIPWAY_E2E_ENGINE_IMAGE"];
const runs = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: "ignore" }).status === 0;
const missing = [
  runs("dagger", ["version"]) ? undefined : "the dagger CLI is not on PATH",
  runs("kubectl", ["version", "--client"]) ? undefined : "kubectl is not on PATH",
  runs("kubectl", ["get", "--raw", "/readyz"]) ? undefined : "no cluster answers KUBECONFIG",
  image === undefined ? "SLIPWAY_E2E_ENGINE_IMAGE is not set" : undefined,
  repoSpec ? undefined : "SLIPWAY_E2E_REPO=owner/name@sha is not set",
  env["SLIPWAY_E2E_REGISTRY"] ? undefined : "SLIPWAY_E2E_REGISTRY is not set",
].filter((m): m is string => m !== undefined);

if (missing.length > 0) {
  console.log(`real build-engine suite skipped: ${missing.join("; ")}`);
}

describe.skipIf(missing.length > 0)("an installation's engine on a real cluster", () => {
  const { log } = captureLogger("info");
  let engines: BuildEngine;
  beforeAll(async () => {
    engines = await createBuildEngine({
      engine: {
        kind: "kubernetes",
        runtimeClass: env["SLIPWAY_E2E_BUILD_RUNTIME_CLASS"] ?? "kata-qemu",
        image: image ?? "",
        cacheSize: "10Gi",
        idleMs: 0,
        cli: { bin: "dagger", env: daggerCliEnv(env) },
      },
      dagger: undefined,
      clusterCidrs: (env["SLIPWAY_E2E_CLUSTER_CIDRS"] ?? "").split(",").filter((c) => c !== ""),
      log,
      now: Date.now,
    });
  });
  afterAll(async () => {
    await engines.manager?.remove(INSTALLATION, AbortSignal.timeout(60_000));
  });

  it("starts the engine in a Kata VM, builds there, and scales it to zero", async () => {
    const [, owner = "", repo = "", sha = ""] = repoSpec ?? [];
    const connector = engines.connector;
    if (connector === undefined) throw new Error("no engine connector");
    const stage = daggerBuildStage({
      engine: connector,
      registry: { address: env["SLIPWAY_E2E_REGISTRY"] ?? "", credentials: undefined },
      client: daggerClient,
      tokenFor: () => Promise.resolve(env["SLIPWAY_E2E_GITHUB_TOKEN"] ?? ""),
      cloneUrl: (o, r) => `https://github.com/${o}/${r}.git`,
      webUrl: (o, r) => `https://github.com/${o}/${r}`,
    });
    const result = await stage.build(
      {
        runKey: "e2e",
        target: { installationId: INSTALLATION, owner, repo, repoId: 1, branch: "e2e", sha },
      },
      { signal: AbortSignal.timeout(850_000), log },
    );
    expect(result).toMatchObject({ ok: true });
    // The engine's kernel is the VM's, not the node's.
    const uname = spawnSync(
      "kubectl",
      [
        "-n",
        `slipway-${INSTALLATION}-build`,
        "exec",
        "dagger-engine-0",
        "-c",
        "engine",
        "--",
        "uname",
        "-r",
      ],
      { encoding: "utf8" },
    );
    expect(uname.status).toBe(0);
    console.log(`engine kernel: ${uname.stdout.trim()}`);
    expect(await engines.manager?.sweepIdle(AbortSignal.timeout(60_000))).toBeGreaterThanOrEqual(1);
  });
});
