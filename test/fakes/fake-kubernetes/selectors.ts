import { labelsOf, valueAt, type Obj } from "./json.ts";
import { badRequest } from "./status.ts";

export type Selector = (object: Obj) => boolean;

const ALL: Selector = () => true;

/** Splits on commas that are not inside `in (…)` / `notin (…)` parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === "," && depth === 0) {
      terms.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  terms.push(current.trim());
  return terms.filter((term) => term !== "");
}

function labelTerm(term: string): (labels: Record<string, string>) => boolean {
  const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set !== null) {
    const [, key = "", operator, list = ""] = set;
    const values = list.split(",").map((value) => value.trim());
    return operator === "in"
      ? (labels) => labels[key] !== undefined && values.includes(labels[key])
      : (labels) => labels[key] === undefined || !values.includes(labels[key]);
  }
  const comparison = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s!=,]*)$/.exec(term);
  if (comparison !== null) {
    const [, key = "", operator, value = ""] = comparison;
    return operator === "!="
      ? (labels) => labels[key] !== value
      : (labels) => labels[key] === value;
  }
  const exists = /^(!?)([^\s!=()]+)$/.exec(term);
  if (exists !== null) {
    const [, not, key = ""] = exists;
    return not === "!"
      ? (labels) => labels[key] === undefined
      : (labels) => labels[key] !== undefined;
  }
  throw badRequest(`unable to parse requirement: found '${term}', expected: valid selector`);
}

/** `app=web,tier!=db,env in (a,b),!legacy` — the label selector grammar of the API server. */
export function parseLabelSelector(text: string | undefined): Selector {
  if (text === undefined || text.trim() === "") return ALL;
  const terms = splitTerms(text).map(labelTerm);
  return (object) => {
    const labels = labelsOf(object, "metadata");
    return terms.every((term) => term(labels));
  };
}

/** The field selectors the real server accepts per resource, beyond metadata.name/namespace. */
const FIELDS: Record<string, readonly string[]> = {
  events: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  pods: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  namespaces: ["status.phase"],
  replicasets: ["status.replicas"],
};

function fieldValue(object: Obj, field: string): string {
  const path = field === "source" ? ["source", "component"] : field.split(".");
  const value = valueAt(object, path);
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** `involvedObject.name=web-1,type!=Normal`; unsupported fields are a 400, as on a real server. */
export function parseFieldSelector(plural: string, text: string | undefined): Selector {
  if (text === undefined || text.trim() === "") return ALL;
  const supported = ["metadata.name", "metadata.namespace", ...(FIELDS[plural] ?? [])];
  const terms = text.split(",").map((term) => {
    const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (match === null) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const [, field = "", operator, value = ""] = match;
    if (!supported.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return operator === "!="
      ? (object: Obj) => fieldValue(object, field) !== value
      : (object: Obj) => fieldValue(object, field) === value;
  });
  return (object) => terms.every((term) => term(object));
}

/** Whether a `LabelSelector` (matchLabels + matchExpressions) selects these labels. */
export function labelSelectorMatches(selector: Obj | undefined, labels: Record<string, string>) {
  if (selector === undefined) return false;
  const matchLabels = labelsOf({ labels: selector.matchLabels });
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  const labelsMatch = Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
  return (
    labelsMatch &&
    expressions.every((expression: unknown) => {
      const key = String(valueAt(expression, ["key"]));
      const operator = valueAt(expression, ["operator"]);
      const values = valueAt(expression, ["values"]);
      const list = Array.isArray(values) ? values.map(String) : [];
      const value = labels[key];
      if (operator === "In") return value !== undefined && list.includes(value);
      if (operator === "NotIn") return value === undefined || !list.includes(value);
      if (operator === "Exists") return value !== undefined;
      return value === undefined;
    })
  );
}
