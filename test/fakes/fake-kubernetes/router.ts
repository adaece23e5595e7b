import type { ServerResponse } from "node:http";
import { FAKE_USER, type Cluster } from "./cluster.ts";
import type { Kubelet } from "./kubelet.ts";
import {
  accessReview,
  deleteCollection,
  deleteObject,
  getObject,
  listObjects,
  scale,
} from "./reads.ts";
import {
  apiGroupFor,
  apiGroupList,
  apiResourceList,
  findResource,
  type ResourceType,
} from "./resources.ts";
import { StatusError } from "./status.ts";
import { serveWatch } from "./watch.ts";
import {
  applyObject,
  createObject,
  patchObject,
  replaceObject,
  type Target,
  type Written,
} from "./writes.ts";

export interface ParsedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  userAgent: string | undefined;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` as text/plain (pod logs). */
  text?: boolean;
}

const NOT_FOUND = new StatusError(
  404,
  "NotFound",
  "the server could not find the requested resource",
  {},
);
const APPLY = "application/apply-patch+yaml";
const PATCH_TYPES = [
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/json-patch+json",
];

interface Route extends Target {
  subresource: string | undefined;
}

function parseRoute(path: string, query: Record<string, string>): Route | undefined {
  const segments = path
    .split("/")
    .filter((segment) => segment !== "")
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments[1] === "v1") {
    [group, version, rest] = ["", "v1", segments.slice(2)];
  } else if (segments[0] === "apis" && segments[1] !== undefined && segments[2] !== undefined) {
    [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (
    rest[0] === "namespaces" &&
    rest[1] !== undefined &&
    rest[2] !== undefined &&
    findResource(group, version, rest[2])?.namespaced === true
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = "", name, subresource, extra] = rest;
  const resource = findResource(group, version, plural);
  if (resource === undefined || extra !== undefined) return undefined;
  if (!resource.namespaced && namespace !== undefined) return undefined;
  if (resource.namespaced && namespace === undefined && name !== undefined) return undefined;
  if (subresource !== undefined && !resource.subresources.includes(subresource)) return undefined;
  return { resource, namespace, name, subresource, query };
}

function verbOf(method: string, route: Route): string {
  const watching = route.query.watch === "true" || route.query.watch === "1";
  if (method === "GET") return route.name !== undefined ? "get" : watching ? "watch" : "list";
  if (method === "POST") return "create";
  if (method === "PUT") return "update";
  if (method === "PATCH") return "patch";
  if (method === "DELETE") return route.name === undefined ? "deletecollection" : "delete";
  return method.toLowerCase();
}

function forbidden(resource: ResourceType, verb: string, route: Route): StatusError {
  const subject = resource.group === "" ? resource.plural : `${resource.plural}.${resource.group}`;
  const named = route.name === undefined ? subject : `${subject} "${route.name}"`;
  const scope =
    route.namespace === undefined
      ? "at the cluster scope"
      : `in the namespace "${route.namespace}"`;
  const what =
    route.subresource === undefined ? resource.plural : `${resource.plural}/${route.subresource}`;
  return new StatusError(
    403,
    "Forbidden",
    `${named} is forbidden: User "${FAKE_USER}" cannot ${verb} resource "${what}" in API group "${resource.group}" ${scope}`,
    {
      ...(route.name === undefined ? {} : { name: route.name }),
      ...(resource.group === "" ? {} : { group: resource.group }),
      kind: resource.plural,
    },
  );
}

function discovery(path: string, host: string): Reply | undefined {
  if (path === "/api") {
    return {
      status: 200,
      body: {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }],
      },
    };
  }
  if (path === "/apis") return { status: 200, body: apiGroupList() };
  const version = /^\/api\/(v1)$/.exec(path)?.[1] ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
  if (version !== undefined) {
    const list = apiResourceList(version);
    return list === undefined ? undefined : { status: 200, body: list };
  }
  const group = /^\/apis\/([^/]+)$/.exec(path)?.[1];
  if (group === undefined) return undefined;
  const found = apiGroupFor(group);
  return found === undefined ? undefined : { status: 200, body: found };
}

function written(result: Written, createdStatus = 201): Reply {
  return {
    status: result.created ? createdStatus : 200,
    body: result.object,
    ...(result.warnings.length === 0 ? {} : { headers: { warning: result.warnings.join(", ") } }),
  };
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Answers one authenticated API request. Returns `undefined` when it streamed the answer itself
 * (watch). Throws `StatusError` for API errors.
 */
export function route(
  cluster: Cluster,
  kubelet: Kubelet,
  request: ParsedRequest,
  res: ServerResponse,
  host: string,
): Reply | undefined {
  const { method, body } = request;
  if (method === "GET") {
    const found = discovery(request.path, host);
    if (found !== undefined) return found;
  }
  const target = parseRoute(request.path, request.query);
  if (target === undefined) throw NOT_FOUND;
  const { resource, subresource } = target;
  const verb = verbOf(method, target);
  if (!resource.verbs.includes(verb) && subresource === undefined) {
    throw new StatusError(
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
      {},
    );
  }
  const namespace = target.namespace;
  if (
    resource.plural !== "selfsubjectaccessreviews" &&
    !cluster.access({
      verb,
      resource: resource.plural,
      ...(resource.group === "" ? {} : { group: resource.group }),
      ...(namespace === undefined ? {} : { namespace }),
    })
  ) {
    throw forbidden(resource, verb, target);
  }
  const contentType = mediaType(request.contentType);

  if (subresource === "log" && method === "GET") {
    return {
      status: 200,
      body: kubelet.logs(namespace ?? "", target.name ?? "", request.query),
      text: true,
    };
  }
  if (subresource === "scale" && ["GET", "PATCH", "PUT"].includes(method)) {
    return { status: 200, body: scale(cluster, target, method, body) };
  }
  if (subresource === "status" && method === "GET")
    return { status: 200, body: getObject(cluster, target) };
  if (subresource !== undefined) {
    throw new StatusError(
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
      {},
    );
  }

  switch (verb) {
    case "get":
      return { status: 200, body: getObject(cluster, target) };
    case "list":
      return { status: 200, body: listObjects(cluster, target) };
    case "watch":
      serveWatch(cluster, target, res);
      return undefined;
    case "create":
      if (resource.plural === "selfsubjectaccessreviews")
        return { status: 201, body: accessReview(cluster, target, body) };
      return written(createObject(cluster, target, body, request.userAgent));
    case "update":
      return written(replaceObject(cluster, target, body, request.userAgent));
    case "patch":
      if (contentType === APPLY) return written(applyObject(cluster, target, body));
      if (PATCH_TYPES.includes(contentType))
        return written(patchObject(cluster, target, body, contentType, request.userAgent));
      throw new StatusError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: ${[...PATCH_TYPES, APPLY].join(", ")}`,
      );
    case "delete":
      return { status: 200, body: deleteObject(cluster, target, body) };
    case "deletecollection":
      return { status: 200, body: deleteCollection(cluster, target) };
    default:
      throw new StatusError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        {},
      );
  }
}
