import { Deployment } from "kubernetes-models/apps/v1";
import { Ingress, type NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Service } from "kubernetes-models/v1";
import type { IContainer, IEnvVar, IPodSpec, IProbe } from "kubernetes-models/v1";
import type { RunTarget } from "../../queue/intent.ts";
import { ANNOTATION, branchAnnotations, branchLabels, selectorLabels } from "../labels.ts";
import { namespaceFor, previewHost, resourceName } from "../names.ts";
import { blockedRanges, renderEgressPolicy } from "./egress-policy.ts";
import { RenderInputError } from "./render-input-error.ts";

/** Everything that decides a branch's objects for one commit. */
export interface BranchInput {
  target: RunTarget;
  /** The published image, pinned by digest (`…@sha256:<64 hex>`): a tag could move under us. */
  image: string;
  /** The port the app listens on; also given to it as `PORT`. */
  port: number;
  /** Path of the readiness, liveness and startup probes, starting with `/`. */
  healthcheckPath: string;
  /** Non-secret environment from `.slipway.yml`. */
  env: Record<string, string>;
  resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
  /** A start command, run as `sh -c <start>`; the image's entrypoint when absent. */
  start?: string;
  egress: "none" | "internet";
  runtimeClassName: string;
  baseDomain: string;
  /** Omitted from the Ingress when undefined: the cluster's default IngressClass applies. */
  ingressClassName: string | undefined;
  progressDeadlineSeconds: number;
  /** The last image of this branch that became ready, recorded so a failed rollout can revert. */
  previousImage?: string;
  /** Cluster ranges (pod, service, node CIDRs) that internet egress must not reach. */
  blockedCidrs?: string[];
}

export interface BranchObjects {
  /** The name of the Deployment, Service and Ingress. */
  name: string;
  namespace: string;
  /** The preview host the Ingress routes. */
  host: string;
  deployment: Deployment;
  service: Service;
  ingress: Ingress;
  /** Present only when the branch asked for `egress: internet`. */
  egressPolicy: NetworkPolicy | undefined;
}

const PORT_NAME = "http";
const SERVICE_PORT = 80;
const TMP_VOLUME = "tmp";
const PINNED_IMAGE = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

function checkImage(field: string, image: string): void {
  if (!PINNED_IMAGE.test(image)) {
    throw new RenderInputError(
      field,
      `${JSON.stringify(image)} is not pinned by digest (expected <repository>@sha256:<64 hex>)`,
    );
  }
}

function checkInput(input: BranchInput): void {
  checkImage("image", input.image);
  if (input.previousImage !== undefined) checkImage("previousImage", input.previousImage);
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
    throw new RenderInputError("port", `must be an integer from 1 to 65535, got ${input.port}`);
  }
  if (!input.healthcheckPath.startsWith("/")) {
    throw new RenderInputError(
      "healthcheckPath",
      `must start with "/", got ${JSON.stringify(input.healthcheckPath)}`,
    );
  }
  const userPort = input.env.PORT;
  if (userPort !== undefined && userPort !== String(input.port)) {
    throw new RenderInputError(
      "env.PORT",
      `${JSON.stringify(userPort)} contradicts port ${input.port}; set port instead`,
    );
  }
  if (!Number.isInteger(input.progressDeadlineSeconds) || input.progressDeadlineSeconds < 1) {
    throw new RenderInputError(
      "progressDeadlineSeconds",
      `must be a positive integer, got ${input.progressDeadlineSeconds}`,
    );
  }
}

/** `PORT` first, then the user's variables sorted by name, so the output is stable. */
function environment(port: number, env: Record<string, string>): IEnvVar[] {
  const user = Object.entries(env)
    .filter(([name]) => name !== "PORT")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
  return [{ name: "PORT", value: String(port) }, ...user];
}

function httpProbe(path: string, timing: Omit<IProbe, "httpGet">): IProbe {
  return { httpGet: { path, port: PORT_NAME, scheme: "HTTP" }, ...timing };
}

function container(input: BranchInput): IContainer {
  const period = 5;
  return {
    name: "app",
    image: input.image,
    // The image is pinned by digest: what is on the node is exactly what we asked for.
    imagePullPolicy: "IfNotPresent",
    ...(input.start === undefined ? {} : { command: ["sh", "-c", input.start] }),
    env: environment(input.port, input.env),
    ports: [{ name: PORT_NAME, containerPort: input.port, protocol: "TCP" }],
    resources: {
      requests: { cpu: input.resources.cpuRequest, memory: input.resources.memoryRequest },
      limits: { cpu: input.resources.cpuLimit, memory: input.resources.memoryLimit },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    },
    // Liveness and readiness wait for the startup probe, which allows the app the whole progress
    // deadline to come up, so a slow first start is not killed by liveness.
    startupProbe: httpProbe(input.healthcheckPath, {
      periodSeconds: period,
      timeoutSeconds: 2,
      failureThreshold: Math.max(1, Math.ceil(input.progressDeadlineSeconds / period)),
    }),
    readinessProbe: httpProbe(input.healthcheckPath, {
      periodSeconds: period,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 3,
    }),
    livenessProbe: httpProbe(input.healthcheckPath, {
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    }),
    // A read-only root filesystem still needs somewhere to write temporary files.
    volumeMounts: [{ name: TMP_VOLUME, mountPath: "/tmp" }],
  };
}

function podSpec(input: BranchInput): IPodSpec {
  return {
    runtimeClassName: input.runtimeClassName,
    // Untrusted code gets no Kubernetes API credentials and no service discovery variables.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [container(input)],
    volumes: [{ name: TMP_VOLUME, emptyDir: { sizeLimit: "256Mi" } }],
  };
}

/**
 * The objects of one branch at one commit, in the installation's tenant namespace: a Deployment
 * of the image on the sandbox runtime class with a restricted security context, a ClusterIP
 * Service, an Ingress for the preview host, and — only for `egress: internet` — a NetworkPolicy
 * opening egress to public addresses. TLS is not configured here: the operator's ingress
 * controller or cert-manager default applies to the host. Throws a {@link RenderInputError} for
 * inputs that cannot make valid objects.
 */
export function renderBranch(input: BranchInput): BranchObjects {
  checkInput(input);
  const blocked = blockedRanges(input.blockedCidrs ?? []);
  const { target } = input;
  const name = resourceName(target);
  const namespace = namespaceFor(target.installationId);
  const host = previewHost({ ...target, baseDomain: input.baseDomain });
  const labels = branchLabels(target);
  const selector = selectorLabels(target);
  const annotations = branchAnnotations(target);
  const metadata = (objectName: string) => ({
    name: objectName,
    namespace,
    labels: { ...labels },
    annotations: { ...annotations },
  });

  const deployment = new Deployment({
    metadata: {
      ...metadata(name),
      annotations: {
        ...annotations,
        [ANNOTATION.image]: input.image,
        ...(input.previousImage === undefined
          ? {}
          : { [ANNOTATION.previousImage]: input.previousImage }),
      },
    },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: input.progressDeadlineSeconds,
      // Surge first: the running preview keeps serving until the new pod is ready.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: {
          labels: { ...labels },
          annotations: { ...annotations, [ANNOTATION.image]: input.image },
        },
        spec: podSpec(input),
      },
    },
  });

  const service = new Service({
    metadata: metadata(name),
    spec: {
      type: "ClusterIP",
      selector: { ...selector },
      ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP" }],
    },
  });

  const ingress = new Ingress({
    metadata: metadata(name),
    spec: {
      ...(input.ingressClassName === undefined ? {} : { ingressClassName: input.ingressClassName }),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name, port: { number: SERVICE_PORT } } },
              },
            ],
          },
        },
      ],
    },
  });

  return {
    name,
    namespace,
    host,
    deployment,
    service,
    ingress,
    egressPolicy:
      input.egress === "internet"
        ? renderEgressPolicy(metadata(`${name}-egress-internet`), selector, blocked)
        : undefined,
  };
}
