import {
  getOperationAST,
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type SelectionSetNode,
} from "graphql";
import { EngineError } from "./engine-error.ts";
import { evalGit } from "./evaluate.ts";
import { decodeId, publicChain } from "./ids.ts";
import { resolveLeaf } from "./resolve-leaf.ts";
import { fieldSpec, OBJECT_TYPES } from "./schema.ts";
import type { Link, ObjRef } from "./types.ts";
import type { World } from "./world.ts";

export interface GraphQLResponse {
  data?: unknown;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: unknown }>;
}

type Variables = Record<string, unknown> | undefined;

class PathedError extends Error {
  readonly engineError: EngineError;
  readonly path: string[];

  constructor(engineError: EngineError, path: string[]) {
    super(engineError.message);
    this.engineError = engineError;
    this.path = path;
  }
}

/**
 * Answers one GraphQL document the way dagql does for the SDK's queries: each field of the
 * chain is a call on the object before it; leaves are evaluated. The first error fails the
 * whole answer (`data: null`), which is what the SDK sees from the engine for its one-path queries.
 */
export function executeQuery(world: World, query: string, variables: Variables): GraphQLResponse {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [{ message: error.message }] };
    throw error;
  }
  const operation = getOperationAST(document);
  if (operation?.operation !== OperationTypeNode.QUERY) {
    return { errors: [{ message: "the fake engine answers one query operation per request" }] };
  }
  try {
    return {
      data: walk(world, { type: "Query", chain: [] }, operation.selectionSet, [], variables),
    };
  } catch (error) {
    if (!(error instanceof PathedError)) throw error;
    const { message, extensions } = error.engineError;
    return {
      data: null,
      errors: [{ message, path: error.path, ...(extensions !== undefined && { extensions }) }],
    };
  }
}

function walk(
  world: World,
  obj: ObjRef,
  selectionSet: SelectionSetNode,
  path: string[],
  variables: Variables,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition?.name.value;
      if (on === undefined || on === obj.type) {
        Object.assign(out, walk(world, obj, selection.selectionSet, path, variables));
      }
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      throw new PathedError(
        new EngineError("fragment spreads are not supported by the fake engine"),
        path,
      );
    }
    const key = selection.alias?.value ?? selection.name.value;
    const at = [...path, key];
    try {
      out[key] = field(world, obj, selection, at, variables);
    } catch (error) {
      if (error instanceof EngineError) throw new PathedError(error, at);
      throw error;
    }
  }
  return out;
}

function field(
  world: World,
  obj: ObjRef,
  node: FieldNode,
  path: string[],
  variables: Variables,
): unknown {
  const name = node.name.value;
  if (name === "__typename") return obj.type;
  const args = Object.fromEntries(
    (node.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]),
  );
  const loaded = obj.type === "Query" ? loadById(name, args) : undefined;
  if (loaded !== undefined) return child(world, loaded, node, path, variables);

  const spec = fieldSpec(obj.type, name);
  if (spec === undefined)
    throw new EngineError(`Cannot query field "${name}" on type "${obj.type}".`);
  const linkArgs: Record<string, unknown> = { ...args };
  for (const [arg, type] of Object.entries(spec.ids ?? {})) {
    const value = linkArgs[arg];
    if (value === undefined || value === null) continue;
    linkArgs[arg] = Array.isArray(value)
      ? value.map((v) => ({ $id: decodeId(v, type) }))
      : { $id: decodeId(value, type) };
  }
  if (obj.type === "Query" && name === "setSecret") {
    if (typeof args.name !== "string" || typeof args.plaintext !== "string") {
      throw new EngineError("setSecret: name and plaintext must be strings");
    }
    // The plaintext goes to `secrets` only; IDs and recorded chains carry the name.
    world.secrets.set(args.name, args.plaintext);
    delete linkArgs.plaintext;
  }
  if (obj.type === "Query" && name === "cacheVolume") {
    if (typeof args.key !== "string") throw new EngineError("cacheVolume: key must be a string");
    world.cacheVolumes.push(args.key);
  }

  const link: Link = { field: name, args: linkArgs, type: spec.returns ?? "" };
  if (spec.returns === undefined) {
    if (node.selectionSet !== undefined) {
      throw new EngineError(`Field "${name}" must not have a selection since it is a scalar.`);
    }
    world.chains.push(publicChain([...obj.chain, link]));
    // Like the engine's git resolvers, refs are looked up (and access checked) as soon as they
    // are selected, even for an `id`; the rest of the chain stays lazy until a leaf needs it.
    obj.chain.forEach((l, i) => {
      if (l.type === "GitRef") evalGit(world, obj.chain.slice(0, i + 1));
    });
    return resolveLeaf(world, obj, link);
  }
  return child(world, { type: spec.returns, chain: [...obj.chain, link] }, node, path, variables);
}

/** `node(id:)` and `loadXFromID(id:)`: the object the ID stands for, spliced in place. */
function loadById(name: string, args: Record<string, unknown>): ObjRef | undefined {
  if (name === "node") return decodeId(args.id);
  const match = /^load(\w+)FromID$/.exec(name);
  if (match?.[1] === undefined || !OBJECT_TYPES.includes(match[1])) return undefined;
  return decodeId(args.id, match[1]);
}

function child(
  world: World,
  obj: ObjRef,
  node: FieldNode,
  path: string[],
  variables: Variables,
): unknown {
  if (node.selectionSet === undefined) {
    throw new EngineError(
      `Field "${node.name.value}" of type "${obj.type}!" must have a selection of subfields.`,
    );
  }
  return walk(world, obj, node.selectionSet, path, variables);
}
