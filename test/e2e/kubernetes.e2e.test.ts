/**
 * Real-cluster suite (`npm run test:e2e`): deploys a public image to the cluster KUBECONFIG points
 * at, through the same deploy stage the worker uses, then tears it down. It needs:
 *   - SLIPWAY_E2E_KUBERNETES=1 (an explicit yes: it creates and deletes a namespace
 *     slipway-<SLIPWAY_E2E_INSTALLATION, default 999999>);
 *   - a cluster reachable through KUBECONFIG (k3s or kind; with Kata where available, else set
 *     SLIPWAY_RUNTIME_CLASS to a RuntimeClass the cluster has);
 *   - SLIPWAY_E2E_IMAGE: an image pinned by digest that serves HTTP on SLIPWAY_E2E_PORT (default
 *     8080) as a non-root user, e.g. an nginx-unprivileged digest.
 * Without them each test says why it did not run.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_APP } from "../../src/build/build-stage.ts";
import {
  createKubernetesDeployStage,
  DEFAULT_TENANT_LIMITS,
} from "../../src/deploy/kubernetes-deploy-stage.ts";
import { captureLogger } from "../support/logs.ts";

const env = process.env;
const image = env["SLIPWAY_E2E_IMAGE"] ?? "";
const installationId = Number(env["SLIPWAY_E2E_INSTALLATION"] ?? "999999");
const missing = [
  env["SLIPWAY_E2E_KUBERNETES"] === "1" ? undefined : "SLIPWAY_E2E_KUBERNETES=1 is not set",
  /@sha256:[0-9a-f]{64}$/.test(image)
    ? undefined
    : "SLIPWAY_E2E_IMAGE (an image pinned by digest) is not set",
].filter((m): m is string => m !== undefined);
if (missing.length > 0) console.log(`real-cluster suite skipped: ${missing.join("; ")}`);

describe.skipIf(missing.length > 0)("a real cluster", { timeout: 600_000 }, () => {
  const kubeConfig = new KubeConfig();
  if (missing.length === 0) kubeConfig.loadFromDefault();
  const stage = createKubernetesDeployStage({
    kubeConfig,
    settings: {
      runtimeClass: env["SLIPWAY_RUNTIME_CLASS"] ?? "kata-fc",
      baseDomain: env["SLIPWAY_BASE_DOMAIN"],
      ingressClass: env["SLIPWAY_INGRESS_CLASS"],
      ingressNamespace: env["SLIPWAY_INGRESS_NAMESPACE"] ?? "ingress-nginx",
      rolloutTimeoutMs: 300_000,
      tenant: DEFAULT_TENANT_LIMITS,
    },
  });
  const { log } = captureLogger("info");
  const context = () => ({ signal: AbortSignal.timeout(400_000), log });
  const target = {
    installationId,
    owner: "slipway-e2e",
    repo: "preview",
    repoId: 1,
    branch: "e2e/check",
    sha: "e".repeat(40),
  };

  afterAll(async () => {
    await stage.removeTenant(installationId, undefined, context());
  });

  it("is ready: the RuntimeClass exists and RBAC allows the deployer", async () => {
    expect(await stage.checkReadiness()).toEqual({ ok: true });
  });

  it("rolls a pinned image out as a sandboxed preview and tears it down", async () => {
    const port = Number(env["SLIPWAY_E2E_PORT"] ?? "8080");
    const result = await stage.deploy(
      { runKey: "e2e", target, image, app: { ...DEFAULT_APP, port } },
      context(),
    );
    expect(result).toMatchObject({ ok: true });
    await stage.teardownBranch(target, context());
  });
});
