import { EngineError } from "./engine-error.ts";
import { isIdArg } from "./ids.ts";
import type { Link, ObjRef } from "./types.ts";

function missing(link: Link, name: string): EngineError {
  return new EngineError(`${link.field}: missing or invalid argument ${JSON.stringify(name)}`);
}

export function str(link: Link, name: string): string {
  const value = link.args[name];
  if (typeof value !== "string") throw missing(link, name);
  return value;
}

export function optStr(link: Link, name: string): string | undefined {
  const value = link.args[name];
  return typeof value === "string" ? value : undefined;
}

export function num(link: Link, name: string): number {
  const value = link.args[name];
  if (typeof value !== "number") throw missing(link, name);
  return value;
}

export function optNum(link: Link, name: string): number | undefined {
  const value = link.args[name];
  return typeof value === "number" ? value : undefined;
}

export function bool(link: Link, name: string): boolean {
  return link.args[name] === true;
}

export function strs(link: Link, name: string): string[] {
  const value = link.args[name];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw missing(link, name);
  }
  return value;
}

export function optStrs(link: Link, name: string): string[] | undefined {
  return link.args[name] === undefined ? undefined : strs(link, name);
}

export function ref(link: Link, name: string): ObjRef {
  const value = link.args[name];
  if (!isIdArg(value)) throw missing(link, name);
  return value.$id;
}

export function optRef(link: Link, name: string): ObjRef | undefined {
  const value = link.args[name];
  return isIdArg(value) ? value.$id : undefined;
}

export function refs(link: Link, name: string): ObjRef[] {
  const value = link.args[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw missing(link, name);
  return value.map((v) => {
    if (!isIdArg(v)) throw missing(link, name);
    return v.$id;
  });
}

/** The last link and the chain before it. */
export function split(chain: Link[]): { link: Link; parent: Link[]; parentType: string } {
  const link = chain.at(-1);
  if (link === undefined) throw new EngineError("empty call chain");
  const parent = chain.slice(0, -1);
  return { link, parent, parentType: parent.at(-1)?.type ?? "Query" };
}
