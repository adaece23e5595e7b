import { z } from "zod";

/** A deployment as the fake GitHub keeps it, with every status posted to it. */
export interface FakeDeployment {
  id: number;
  owner: string;
  repo: string;
  ref: string;
  environment: string;
  transient_environment: boolean;
  production_environment: boolean;
  auto_merge: boolean;
  required_contexts: string[];
  payload: unknown;
  statuses: Array<{
    state: string;
    environment_url?: string;
    log_url?: string;
    description?: string;
  }>;
}

const DOCS = "https://docs.github.com/rest/deployments";

const CreateDeployment = z.object({
  ref: z.string().min(1),
  environment: z.string().min(1).max(255).default("production"),
  auto_merge: z.boolean().default(true),
  required_contexts: z.array(z.string()).optional(),
  payload: z.unknown().optional(),
  description: z.string().max(140).nullable().optional(),
  transient_environment: z.boolean().default(false),
  production_environment: z.boolean().optional(),
});

const CreateStatus = z.object({
  state: z.enum(["error", "failure", "inactive", "in_progress", "queued", "pending", "success"]),
  environment_url: z.url().optional(),
  log_url: z.url().optional(),
  description: z.string().max(140).optional(),
  environment: z.string().optional(),
  auto_inactive: z.boolean().optional(),
});

const DEPLOYMENTS_PATH = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/;
const STATUSES_PATH = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/;

export interface Reply {
  status: number;
  body: unknown;
}

/**
 * GitHub's Deployments API, as far as Slipway uses it: create a deployment, post statuses, list
 * by environment. Bodies are validated like GitHub's (422 with its error shape).
 */
export function fakeDeployments() {
  const deployments: FakeDeployment[] = [];
  const same = (d: FakeDeployment, owner: string, repo: string) =>
    d.owner.toLowerCase() === owner.toLowerCase() && d.repo.toLowerCase() === repo.toLowerCase();
  const render = (d: FakeDeployment) => ({
    id: d.id,
    ref: d.ref,
    sha: d.ref,
    environment: d.environment,
    transient_environment: d.transient_environment,
    production_environment: d.production_environment,
    payload: d.payload,
  });
  const invalid = (error: z.ZodError): Reply => ({
    status: 422,
    body: {
      message: `Invalid request.\n\n${error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")}`,
      documentation_url: DOCS,
    },
  });

  return {
    deployments,
    matches: (path: string) => DEPLOYMENTS_PATH.test(path) || STATUSES_PATH.test(path),
    /** Answers a deployments route, or undefined for any other path. */
    handle(
      method: string,
      path: string,
      query: Record<string, string>,
      body: unknown,
    ): Reply | undefined {
      const list = DEPLOYMENTS_PATH.exec(path);
      if (list !== null) {
        const [, owner = "", repo = ""] = list;
        if (method === "GET") {
          const found = deployments
            .filter((d) => same(d, owner, repo))
            .filter(
              (d) => query["environment"] === undefined || d.environment === query["environment"],
            )
            .filter((d) => query["ref"] === undefined || d.ref === query["ref"])
            .reverse();
          return { status: 200, body: found.map(render) };
        }
        if (method !== "POST") return undefined;
        const parsed = CreateDeployment.safeParse(body);
        if (!parsed.success) return invalid(parsed.error);
        const data = parsed.data;
        const deployment: FakeDeployment = {
          id: deployments.length + 1,
          owner,
          repo,
          ref: data.ref,
          environment: data.environment,
          transient_environment: data.transient_environment,
          production_environment: data.production_environment ?? data.environment === "production",
          auto_merge: data.auto_merge,
          required_contexts: data.required_contexts ?? [],
          payload: data.payload,
          statuses: [],
        };
        deployments.push(deployment);
        return { status: 201, body: render(deployment) };
      }
      const statuses = STATUSES_PATH.exec(path);
      if (statuses !== null && method === "POST") {
        const [, owner = "", repo = "", id = ""] = statuses;
        const deployment = deployments.find((d) => String(d.id) === id && same(d, owner, repo));
        if (deployment === undefined)
          return { status: 404, body: { message: "Not Found", documentation_url: DOCS } };
        const parsed = CreateStatus.safeParse(body);
        if (!parsed.success) return invalid(parsed.error);
        const { state, environment_url, log_url, description } = parsed.data;
        deployment.statuses.push({
          state,
          ...(environment_url === undefined ? {} : { environment_url }),
          ...(log_url === undefined ? {} : { log_url }),
          ...(description === undefined ? {} : { description }),
        });
        return { status: 201, body: { id: deployment.statuses.length, state } };
      }
      return undefined;
    },
  };
}
