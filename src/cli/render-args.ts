import { parseArgs } from "node:util";

/** The arguments of `slipway render`, validated. */
export interface RenderArgs {
  installationId: number;
  owner: string;
  repo: string;
  /** Defaults to 1 when `--repo-id` is not given (names then differ from the cluster's). */
  repoId: number | undefined;
  branch: string;
  sha: string;
  image: string;
  configPath: string | undefined;
}

export type ParsedArgs = { ok: true; args: RenderArgs } | { ok: false; problems: string[] };

export const RENDER_USAGE = `Usage: slipway render --installation <id> --repo <owner/name> --branch <name> --sha <40 hex> --image <ref@sha256:…> [--config <.slipway.yml>] [--repo-id <n>]

Prints, as a multi-document YAML stream, every object Slipway would apply for that push: the
installation's tenant (namespace, quota, limits, network policies), with
SLIPWAY_BUILD_ENGINE=kubernetes its build engine (build namespace, network policy, StatefulSet),
and the branch's objects. Settings come from SLIPWAY_RUNTIME_CLASS, SLIPWAY_BASE_DOMAIN,
SLIPWAY_INGRESS_CLASS, SLIPWAY_INGRESS_NAMESPACE, SLIPWAY_ROLLOUT_TIMEOUT, SLIPWAY_CLUSTER_CIDRS,
SLIPWAY_BUILD_ENGINE, SLIPWAY_BUILD_RUNTIME_CLASS, SLIPWAY_ENGINE_IMAGE and
SLIPWAY_ENGINE_CACHE_SIZE.`;

const OPTIONS = {
  installation: { type: "string" },
  repo: { type: "string" },
  "repo-id": { type: "string" },
  branch: { type: "string" },
  sha: { type: "string" },
  image: { type: "string" },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const POSITIVE_INT = /^[1-9]\d{0,15}$/;
const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
const SHA = /^[0-9a-fA-F]{40}$/;

function positiveInt(text: string): number | undefined {
  const value = Number(text);
  return POSITIVE_INT.test(text) && Number.isSafeInteger(value) ? value : undefined;
}

/** `help` when asked for usage; otherwise the validated arguments or every problem found. */
export function parseRenderArgs(argv: string[]): ParsedArgs | "help" {
  // Not strict: unknown options and missing values become problems listed with all the others.
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
  });
  if (values.help === true) return "help";
  const problems: string[] = [];
  for (const key of Object.keys(values)) {
    if (!(key in OPTIONS)) problems.push(`unknown option --${key}`);
  }
  for (const positional of positionals) {
    problems.push(`unexpected argument ${JSON.stringify(positional)}`);
  }
  const text = (name: Exclude<keyof typeof OPTIONS, "help">): string | undefined => {
    const value = values[name];
    if (value === undefined || typeof value === "string") return value;
    problems.push(`--${name} needs a value`);
    return "";
  };
  const required = (name: "installation" | "repo" | "branch" | "sha" | "image"): string => {
    const value = text(name);
    if (value === undefined) problems.push(`--${name} is required`);
    else if (value.trim() === "" && typeof values[name] === "string") {
      problems.push(`--${name} must not be empty`);
    }
    return value ?? "";
  };
  const installation = required("installation");
  const repo = required("repo");
  const branch = required("branch");
  const sha = required("sha");
  const image = required("image");
  const configPath = text("config");
  const installationId = positiveInt(installation);
  if (installation !== "" && installationId === undefined) {
    problems.push("--installation must be a positive integer (the GitHub App installation id)");
  }
  const repoMatch = REPO.exec(repo);
  if (repo !== "" && repoMatch === null)
    problems.push("--repo must be <owner>/<name>, e.g. acme/web");
  if (sha !== "" && !SHA.test(sha)) problems.push("--sha must be 40 hex characters");
  const repoIdText = text("repo-id");
  const repoId = repoIdText === undefined ? undefined : positiveInt(repoIdText);
  if (repoIdText !== undefined && repoId === undefined) {
    problems.push("--repo-id must be a positive integer (GitHub's repository id)");
  }
  if (problems.length > 0 || installationId === undefined || repoMatch === null) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    args: {
      installationId,
      owner: repoMatch[1] ?? "",
      repo: repoMatch[2] ?? "",
      repoId,
      branch,
      sha: sha.toLowerCase(),
      image,
      configPath,
    },
  };
}
