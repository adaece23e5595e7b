import type { Client, Container, Directory } from "@dagger.io/dagger";
import {
  branchSelected,
  formatProblems,
  parseRepoConfig,
  problemAnnotations,
  type RepoConfig,
} from "../config/repo-config.ts";
import { applyRecipe } from "./apply-recipe.ts";
import type { StageContext } from "../queue/stage-context.ts";
import type { AppSettings, BuildInput, BuildResult, BuildStage } from "./build-stage.ts";
import type { BuildPlan } from "./build-plan.ts";
import { classifyDaggerError } from "./classify-dagger-error.ts";
import type { DaggerSession } from "./dagger-client.ts";
import { detectBuild } from "./detect.ts";
import type { EngineConnector, EngineLease } from "./engine/engine-connector.ts";
import { imageAddress, registryHost } from "./image-address.ts";
import { MANIFESTS, SOURCE_LIMITS, listFiles, readFiles, readSmallFile } from "./read-source.ts";
import { cacheName } from "./cache-name.ts";

export interface Registry {
  address: string;
  credentials: { username: string; password: string } | undefined;
}

export interface DaggerBuildDeps {
  /** Where builds run: the one session engine, or each installation's own engine. */
  engine: EngineConnector;
  registry: Registry | undefined;
  /** A client for one build; requests stop when the signal fires. */
  client: (session: DaggerSession, signal: AbortSignal) => Client;
  /** The installation's token, fetched at run time (never stored). */
  tokenFor: (installationId: number) => Promise<string>;
  /** The HTTPS clone URL of a repository (github.com or GitHub Enterprise). */
  cloneUrl: (owner: string, repo: string) => string;
  /** The repository's web URL, for the image's source label. */
  webUrl: (owner: string, repo: string) => string;
}

const CONFIG_FILE = ".slipway.yml";

const LIMITS_HELP = `Slipway reads .slipway.yml (up to ${SOURCE_LIMITS.configBytes / 1024} KiB) and manifests such as package.json (up to ${SOURCE_LIMITS.manifestBytes / 1024 / 1024} MiB each) of repositories with at most ${SOURCE_LIMITS.files} files.`;

function join(context: string, path: string): string {
  return context === "." ? path : `${context}/${path}`;
}

function appSettings(config: RepoConfig, plan: BuildPlan): AppSettings {
  return {
    port: plan.port,
    healthcheckPath: config.healthcheck,
    env: config.env ?? {},
    resources: {
      ...(config.resources?.cpu === undefined ? {} : { cpu: config.resources.cpu }),
      ...(config.resources?.memory === undefined ? {} : { memory: config.resources.memory }),
    },
    egress: config.egress,
    comments: config.comments,
  };
}

/**
 * The build stage on a Dagger engine: clone exactly the pushed commit (the installation token
 * goes to the engine only as a secret), read `.slipway.yml` at that commit, detect what to build,
 * build it, and publish `<registry>/<owner>/<repo>:<sha>`, returning the reference pinned by
 * digest. Each failure says which step failed and what to do.
 */
export function daggerBuildStage(deps: DaggerBuildDeps): BuildStage {
  return {
    async build(input, context): Promise<BuildResult> {
      const { registry } = deps;
      if (registry === undefined) {
        return {
          ok: false,
          reason: "No registry is configured",
          log: "Set SLIPWAY_REGISTRY (e.g. ghcr.io/acme or localhost:5000), and SLIPWAY_REGISTRY_USERNAME and SLIPWAY_REGISTRY_PASSWORD if it needs a login.",
        };
      }
      // The token first: for an installation that was removed it fails (404), and the build
      // stops here, before opening the engine would recreate the build namespace that
      // `installation.deleted` just deleted.
      const token = await deps.tokenFor(input.target.installationId);
      // The engine of this build's installation (started if need be), for this build only.
      const opened = await deps.engine.open(input.target.installationId, context);
      if (opened.ok === "cancelled") {
        // The pipeline reports the run as cancelled or timed out; this only ends the stage.
        return { ok: false, reason: "The build was stopped while its engine was starting" };
      }
      if (!opened.ok) return { ok: false, reason: opened.reason, log: opened.log };
      try {
        return await buildOn(deps, registry, opened.lease, token, input, context);
      } finally {
        await opened.lease.close();
      }
    },
  };
}

/** Steps 1–5 of a build, on an engine this build holds. */
async function buildOn(
  deps: DaggerBuildDeps,
  registry: Registry,
  lease: EngineLease,
  token: string,
  { runKey, target }: BuildInput,
  { signal, log }: StageContext,
): Promise<BuildResult> {
  const classify = (error: unknown, step: { failed: string; help: string }) =>
    classifyDaggerError(error, { ...step, engine: lease.engine, engineHelp: lease.help });
  const { owner, repo, sha } = target;
  const client = deps.client(lease.session, signal);

  // 1. Source at the exact commit: never a branch, which may have moved since the push.
  const tree: Directory = client
    .git(deps.cloneUrl(owner, repo), {
      httpAuthUsername: "x-access-token",
      httpAuthToken: client.setSecret(`github-token-${runKey}`, token),
    })
    .commit(sha)
    .tree({ discardGitDir: true });
  let files: string[];
  let configText: string | undefined;
  try {
    const listed = await listFiles(tree);
    if (!listed.ok) return { ok: false, reason: listed.reason, log: LIMITS_HELP };
    files = listed.value;
    // Asked for by name: whether a glob matches dotfiles differs between engines.
    if (await tree.exists(CONFIG_FILE)) {
      const read = await readSmallFile(tree, CONFIG_FILE, SOURCE_LIMITS.configBytes);
      if (!read.ok)
        return {
          ok: false,
          reason: `Invalid ${CONFIG_FILE}: ${read.reason}`,
          log: LIMITS_HELP,
        };
      configText = read.value;
    }
  } catch (error) {
    return classify(error, {
      failed: `Could not clone ${owner}/${repo} at ${sha.slice(0, 7)}`,
      help: "Check that the GitHub App is installed on this repository with Contents: read, and that the commit still exists.",
    });
  }

  // 2. Repository configuration: an invalid file stops here, before anything is built.
  const parsed = parseRepoConfig(configText);
  if (!parsed.ok) {
    return {
      ok: false,
      reason: `Invalid ${CONFIG_FILE}: ${parsed.problems.map((p) => p.path).join(", ")}`,
      log: formatProblems(parsed.problems),
      annotations: problemAnnotations(parsed.problems),
    };
  }
  const config = parsed.config;
  if (!branchSelected(config, target.branch)) {
    return { ok: "skip", reason: `${CONFIG_FILE} \`branches\` does not include this branch` };
  }

  // 3. What to build (pure), from the file list and a few manifests.
  const context = config.build.context;
  const fileSet = new Set(files);
  let manifests: Map<string, string>;
  try {
    const read = await readFiles(
      tree,
      fileSet,
      MANIFESTS.map((name) => join(context, name)),
    );
    if (!read.ok) return { ok: false, reason: read.reason, log: LIMITS_HELP };
    manifests = read.value;
  } catch (error) {
    return classify(error, {
      failed: "Could not read the repository's manifests",
      help: "",
    });
  }
  const detection = detectBuild({ files, read: (path) => manifests.get(path), config });
  if (!detection.ok) return { ok: false, reason: detection.reason, log: detection.help };
  const { plan } = detection;
  log.info({ plan: plan.kind, context: plan.context }, "build plan");

  // 4. Build. Caches are per repository (by id: a rename keeps them, two repos never share).
  const source = plan.context === "." ? tree : tree.directory(plan.context);
  const built: Container =
    plan.kind === "dockerfile"
      ? source.dockerBuild({ dockerfile: plan.dockerfile })
      : applyRecipe({
          client,
          source,
          plan,
          cacheKey: (key) => cacheName(target, key),
        });
  const labelled = [
    ["org.opencontainers.image.source", deps.webUrl(owner, repo)],
    ["org.opencontainers.image.revision", sha],
  ].reduce(
    (c, [name = "", value = ""]) => c.withLabel(name, value).withAnnotation(name, value),
    built,
  );
  try {
    await labelled.sync();
  } catch (error) {
    return classify(error, {
      failed:
        plan.kind === "dockerfile"
          ? `Docker build of ${join(plan.context, plan.dockerfile)} failed`
          : `The ${plan.preset} build failed`,
      help: "The engine refused to build the image; the message above says why.",
    });
  }

  // 5. Publish, with registry credentials passed as a secret.
  const address = imageAddress(registry.address, owner, repo, target.repoId, sha);
  const credentials = registry.credentials;
  const publishable = credentials
    ? labelled.withRegistryAuth(
        registryHost(registry.address),
        credentials.username,
        client.setSecret("slipway-registry-password", credentials.password),
      )
    : labelled;
  let image: string;
  try {
    image = await publishable.publish(address);
  } catch (error) {
    return classify(error, {
      failed: `The registry refused the image ${address}`,
      help: "Check SLIPWAY_REGISTRY_USERNAME and SLIPWAY_REGISTRY_PASSWORD, and that the account may push there.",
    });
  }
  return { ok: true, image, app: appSettings(config, plan), log: detection.notes.join("\n") };
}
