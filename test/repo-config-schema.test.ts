import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { renderSchemaFile, SCHEMA_FILE } from "../scripts/write-schema.ts";
import { parseRepoConfig } from "../src/config/repo-config.ts";

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "default"]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeOf(value) === "object";
}

/**
 * The errors of `value` against `schema`, for the keywords the generated schema uses. An unknown
 * keyword throws, so a schema change cannot pass by being ignored here. (No validator dependency:
 * this is the subset of JSON Schema 2020-12 that zod emits for this file.)
 */
function validate(schema: Schema, value: unknown, at = "$"): string[] {
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${at}: ${message}`);
  const type = typeOf(value);
  for (const [keyword, rule] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case "type": {
        const types = Array.isArray(rule) ? (rule as string[]) : [rule as string];
        const ok = types.some((t) => t === type || (t === "number" && type === "integer"));
        if (!ok) fail(`expected ${types.join("|")}, got ${type}`);
        break;
      }
      case "enum":
        if (!(rule as unknown[]).includes(value)) fail(`not one of ${JSON.stringify(rule)}`);
        break;
      case "const":
        if (value !== rule) fail(`not ${JSON.stringify(rule)}`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(rule as string, "u").test(value)) {
          fail(`does not match ${String(rule)}`);
        }
        break;
      case "minLength":
      case "maxLength": {
        if (typeof value !== "string") break;
        const length = Array.from(value).length;
        if (keyword === "minLength" ? length < (rule as number) : length > (rule as number)) {
          fail(`${keyword} ${String(rule)}`);
        }
        break;
      }
      case "minimum":
        if (typeof value === "number" && value < (rule as number)) fail(`below ${String(rule)}`);
        break;
      case "maximum":
        if (typeof value === "number" && value > (rule as number)) fail(`above ${String(rule)}`);
        break;
      case "minItems":
        if (Array.isArray(value) && value.length < (rule as number)) fail("too few items");
        break;
      case "maxItems":
        if (Array.isArray(value) && value.length > (rule as number)) fail("too many items");
        break;
      case "items":
        if (Array.isArray(value)) {
          value.forEach((item, i) => errors.push(...validate(rule as Schema, item, `${at}[${i}]`)));
        }
        break;
      case "maxProperties":
        if (isRecord(value) && Object.keys(value).length > (rule as number)) fail("too many keys");
        break;
      case "required":
        if (isRecord(value)) {
          for (const key of rule as string[]) if (!(key in value)) fail(`missing ${key}`);
        }
        break;
      case "properties":
        if (isRecord(value)) {
          for (const [key, sub] of Object.entries(rule as Record<string, Schema>)) {
            if (key in value) errors.push(...validate(sub, value[key], `${at}.${key}`));
          }
        }
        break;
      case "additionalProperties":
        if (isRecord(value)) {
          const known = Object.keys(schema.properties ?? {});
          for (const key of Object.keys(value).filter((k) => !known.includes(k))) {
            if (rule === false) fail(`unknown key ${key}`);
            else errors.push(...validate(rule as Schema, value[key], `${at}.${key}`));
          }
        }
        break;
      case "propertyNames":
        if (isRecord(value)) {
          for (const key of Object.keys(value)) {
            errors.push(...validate(rule as Schema, key, `${at}[${JSON.stringify(key)}]`));
          }
        }
        break;
      case "allOf":
        for (const sub of rule as Schema[]) errors.push(...validate(sub, value, at));
        break;
      case "anyOf":
        if (!(rule as Schema[]).some((sub) => validate(sub, value, at).length === 0)) {
          fail("matches none of anyOf");
        }
        break;
      case "not":
        if (validate(rule as Schema, value, at).length === 0)
          fail(`matches not ${JSON.stringify(rule)}`);
        break;
      default:
        throw new Error(`validate() does not know the keyword ${keyword} (at ${at})`);
    }
  }
  return errors;
}

const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Schema;

describe("schema/slipway.schema.json", () => {
  it("is what scripts/write-schema.ts writes now (run it after changing the zod schema)", async () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await renderSchemaFile());
  });

  it("identifies itself for editors", () => {
    expect(schema).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "https://slipway.dev/schema/slipway.schema.json",
      title: "Slipway repository configuration",
      type: "object",
      additionalProperties: false,
    });
  });

  it("describes every field", () => {
    const properties = schema.properties as Record<string, Schema>;
    expect(Object.keys(properties)).toEqual([
      "build",
      "port",
      "healthcheck",
      "start",
      "env",
      "resources",
      "branches",
      "egress",
      "comments",
    ]);
    for (const [name, field] of Object.entries(properties)) {
      expect(field.description, name).toEqual(expect.any(String));
    }
    expect((properties.env?.description as string).toLowerCase()).toContain("not for secrets");
  });

  const valid: [string, unknown][] = [
    ["an empty file", {}],
    [
      "a full configuration",
      {
        build: { preset: "node", context: "apps/web" },
        port: 3000,
        healthcheck: "/healthz",
        start: "npm start",
        env: { NODE_ENV: "production", _PRIVATE: "x" },
        resources: { cpu: "500m", memory: "512Mi" },
        branches: ["main", "release/**"],
        egress: "internet",
        comments: false,
      },
    ],
    ["a Dockerfile", { build: { dockerfile: "deploy/Dockerfile.prod" } }],
    ["numeric quantities", { resources: { cpu: 1, memory: "1.5Gi" } }],
  ];

  const invalid: [string, unknown][] = [
    ["an unknown key", { bulid: {} }],
    ["an unknown build key", { build: { target: "prod" } }],
    ["dockerfile and preset together", { build: { dockerfile: "Dockerfile", preset: "node" } }],
    ["an unknown preset", { build: { preset: "ruby" } }],
    ["a context climbing out", { build: { context: "../x" } }],
    ["an absolute dockerfile", { build: { dockerfile: "/Dockerfile" } }],
    ["port 0", { port: 0 }],
    ["a fractional port", { port: 80.5 }],
    ["a healthcheck without /", { healthcheck: "health" }],
    ["an env name with a dash", { env: { "MY-VAR": "x" } }],
    ["a reserved env name", { env: { SLIPWAY_TOKEN: "x" } }],
    ["PORT in env", { env: { PORT: "1" } }],
    ["a numeric env value", { env: { WORKERS: 4 } }],
    ["a CPU with a memory unit", { resources: { cpu: "1Gi" } }],
    ["memory in lowercase", { resources: { memory: "1gb" } }],
    ["no branches", { branches: [] }],
    ["an unknown egress", { egress: "all" }],
    ["comments as text", { comments: "yes" }],
  ];

  it.each(valid)("accepts %s, as Slipway does", (_, document) => {
    expect(validate(schema, document)).toEqual([]);
    expect(parseRepoConfig(stringify(document)).ok).toBe(true);
  });

  it.each(invalid)("rejects %s, as Slipway does", (_, document) => {
    expect(validate(schema, document)).not.toEqual([]);
    expect(parseRepoConfig(stringify(document)).ok).toBe(false);
  });

  it("leaves resource ranges to Slipway: the schema checks their format only", () => {
    const document = { resources: { cpu: "8" } };
    expect(validate(schema, document)).toEqual([]);
    expect(parseRepoConfig(stringify(document)).ok).toBe(false);
  });
});
