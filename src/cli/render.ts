import { readFile } from "node:fs/promises";
import type { Writable } from "node:stream";
import { stringify } from "yaml";
import { DEFAULT_APP, type AppSettings } from "../build/build-stage.ts";
import { EnvSchema } from "../config/env.ts";
import { formatProblems, parseRepoConfig, type RepoConfig } from "../config/repo-config.ts";
import { RenderInputError } from "../deploy/manifests/index.ts";
import { planBranch, tenantObjects } from "../deploy/kubernetes/push-plan.ts";
import { DEFAULT_TENANT_LIMITS, type KubernetesSettings } from "../deploy/kubernetes/settings.ts";
import { engineObjectList, engineObjects } from "../build/engine/engine-objects.ts";
import type { EngineSettings } from "../build/engine/engine-settings.ts";
import { parseRenderArgs, RENDER_USAGE, type RenderArgs } from "./render-args.ts";

/** The variables `slipway render` reads: the deployer's own, parsed by the same schema. */
const RenderEnv = EnvSchema.pick({
  SLIPWAY_RUNTIME_CLASS: true,
  SLIPWAY_BASE_DOMAIN: true,
  SLIPWAY_INGRESS_CLASS: true,
  SLIPWAY_INGRESS_NAMESPACE: true,
  SLIPWAY_ROLLOUT_TIMEOUT: true,
  SLIPWAY_CLUSTER_CIDRS: true,
  SLIPWAY_BUILD_ENGINE: true,
  SLIPWAY_BUILD_RUNTIME_CLASS: true,
  SLIPWAY_ENGINE_IMAGE: true,
  SLIPWAY_ENGINE_CACHE_SIZE: true,
  SLIPWAY_ENGINE_IDLE: true,
});

interface RenderSettings {
  kubernetes: KubernetesSettings;
  /** Each installation's build engine, with `SLIPWAY_BUILD_ENGINE=kubernetes`. */
  engine: EngineSettings | undefined;
}

/** Inputs of the objects, named by the argument that set them. */
const FLAG_OF_FIELD: Record<string, string> = {
  image: "--image",
  installationId: "--installation",
  repoId: "--repo-id",
};

function settingsFrom(env: Record<string, string | undefined>): RenderSettings | string[] {
  const parsed = RenderEnv.safeParse(env);
  if (!parsed.success) {
    return parsed.error.issues.map(
      (issue) => `${String(issue.path[0] ?? "environment")}: ${issue.message}`,
    );
  }
  const e = parsed.data;
  const kubernetes = {
    runtimeClass: e.SLIPWAY_RUNTIME_CLASS,
    baseDomain: e.SLIPWAY_BASE_DOMAIN,
    ingressClass: e.SLIPWAY_INGRESS_CLASS,
    ingressNamespace: e.SLIPWAY_INGRESS_NAMESPACE,
    rolloutTimeoutMs: e.SLIPWAY_ROLLOUT_TIMEOUT,
    tenant: DEFAULT_TENANT_LIMITS,
    clusterCidrs: e.SLIPWAY_CLUSTER_CIDRS,
  };
  if (e.SLIPWAY_BUILD_ENGINE === "session") return { kubernetes, engine: undefined };
  if (e.SLIPWAY_ENGINE_IMAGE === undefined) {
    return ["SLIPWAY_ENGINE_IMAGE: required when SLIPWAY_BUILD_ENGINE=kubernetes"];
  }
  return {
    kubernetes,
    engine: {
      runtimeClass: e.SLIPWAY_BUILD_RUNTIME_CLASS,
      image: e.SLIPWAY_ENGINE_IMAGE,
      cacheSize: e.SLIPWAY_ENGINE_CACHE_SIZE,
      idleMs: e.SLIPWAY_ENGINE_IDLE,
      clusterCidrs: e.SLIPWAY_CLUSTER_CIDRS,
    },
  };
}

/** How the app runs, from `.slipway.yml` as the build stage reads it (port: 8080 unless set). */
function appFrom(config: RepoConfig): AppSettings {
  const { cpu, memory } = config.resources ?? {};
  return {
    port: config.port ?? DEFAULT_APP.port,
    healthcheckPath: config.healthcheck,
    env: config.env ?? {},
    resources: {
      ...(cpu === undefined ? {} : { cpu: cpu }),
      ...(memory === undefined ? {} : { memory: memory }),
    },
    egress: config.egress,
  };
}

async function readConfig(
  path: string | undefined,
): Promise<{ text: string | undefined } | string> {
  if (path === undefined) return { text: undefined };
  try {
    return { text: await readFile(path, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    return `--config: cannot read ${path} (${code})`;
  }
}

function render(settings: RenderSettings, args: RenderArgs, app: AppSettings): string {
  const { installationId, owner, repo, repoId = 1, branch, sha, image } = args;
  const target = { installationId, owner, repo, repoId, branch, sha };
  const objects = [
    ...tenantObjects(settings.kubernetes, installationId),
    ...(settings.engine === undefined
      ? []
      : engineObjectList(engineObjects(installationId, settings.engine))),
    ...planBranch(settings.kubernetes, { target, image, app }).objects,
  ];
  return objects.map((object) => stringify(object.toJSON())).join("---\n");
}

/**
 * `slipway render …`: prints every object Slipway would apply for one push, built by the
 * deployer's own functions. Exit codes: 0 printed, 1 an invalid `.slipway.yml` or objects that
 * cannot be built from it, 2 invalid arguments or environment.
 */
export async function renderCommand(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Writable,
  err: Writable,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "render") {
    err.write(
      `${command === undefined ? "" : `Unknown command ${JSON.stringify(command)}. `}${RENDER_USAGE}\n`,
    );
    return command === "--help" || command === "-h" ? 0 : 2;
  }
  const parsed = parseRenderArgs(rest);
  if (parsed === "help") {
    out.write(`${RENDER_USAGE}\n`);
    return 0;
  }
  if (!parsed.ok) {
    err.write(`slipway render: ${parsed.problems.join("\nslipway render: ")}\n\n${RENDER_USAGE}\n`);
    return 2;
  }
  const settings = settingsFrom(env);
  if (Array.isArray(settings)) {
    err.write(`slipway render: invalid environment:\n  ${settings.join("\n  ")}\n`);
    return 2;
  }
  const file = await readConfig(parsed.args.configPath);
  if (typeof file === "string") {
    err.write(`slipway render: ${file}\n`);
    return 2;
  }
  const config = parseRepoConfig(file.text);
  if (!config.ok) {
    err.write(
      `slipway render: ${parsed.args.configPath ?? ""} is invalid:\n${formatProblems(config.problems)}\n`,
    );
    return 1;
  }
  if (parsed.args.repoId === undefined) {
    err.write("slipway render: note: --repo-id not given; names and labels use repository id 1\n");
  }
  try {
    out.write(render(settings, parsed.args, appFrom(config.config)));
    return 0;
  } catch (error) {
    if (!(error instanceof RenderInputError)) throw error;
    const flag = FLAG_OF_FIELD[error.field];
    if (flag === undefined) {
      err.write(`slipway render: ${error.message}\n`);
      return 1;
    }
    err.write(`slipway render: ${flag} ${error.message.slice(error.field.length + 2)}\n`);
    return 2;
  }
}
