import { EngineError } from "./engine-error.ts";
import type { Chain, IdArg, Link, ObjRef } from "./types.ts";

/**
 * IDs are base64 of the object's JSON (type and chain), so an ID the SDK passes back as an
 * argument expands into the calls that made it. Secrets are never inside: a `setSecret` link
 * keeps only the name, like the real engine's IDs, which carry a digest and not the plaintext.
 */
export function encodeId(ref: ObjRef): string {
  return Buffer.from(JSON.stringify(ref)).toString("base64");
}

export function decodeId(id: unknown, expectedType?: string): ObjRef {
  if (typeof id !== "string") throw new EngineError(`invalid ID: expected a string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(id, "base64").toString("utf8"));
  } catch {
    throw new EngineError(`failed to decode ID ${JSON.stringify(id.slice(0, 40))}`);
  }
  if (!isObjRef(parsed))
    throw new EngineError(`failed to decode ID ${JSON.stringify(id.slice(0, 40))}`);
  if (expectedType !== undefined && parsed.type !== expectedType) {
    throw new EngineError(`expected ${expectedType} ID, got ${parsed.type} ID`);
  }
  return parsed;
}

export function isIdArg(value: unknown): value is IdArg {
  return typeof value === "object" && value !== null && "$id" in value && isObjRef(value.$id);
}

function isObjRef(value: unknown): value is ObjRef {
  return (
    typeof value === "object" &&
    value !== null &&
    "type" in value &&
    typeof value.type === "string" &&
    "chain" in value &&
    Array.isArray(value.chain)
  );
}

/** The chain as tests see it: no types, ID arguments replaced by their own chains. */
export function publicChain(links: Link[]): Chain {
  return links.map((link) => ({
    field: link.field,
    args: Object.fromEntries(Object.entries(link.args).map(([k, v]) => [k, publicValue(v)])),
  }));
}

function publicValue(value: unknown): unknown {
  if (isIdArg(value)) return publicChain(value.$id.chain);
  if (Array.isArray(value)) return value.map(publicValue);
  return value;
}
