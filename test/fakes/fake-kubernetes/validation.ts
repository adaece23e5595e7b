import { arrAt, deepEqual, isObj, labelsOf, objAt, strAt, valueAt, type Obj } from "./json.ts";
import type { ResourceType } from "./resources.ts";
import { labelSelectorMatches } from "./selectors.ts";
import { invalid, type StatusCause } from "./status.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

// The API server's own wording, so tests and users see the messages they would in a cluster.
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function invalidValue(field: string, value: unknown, why: string): StatusCause {
  return {
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
    field,
  };
}

/** ajv errors from kubernetes-models, in the API server's `field: Reason` form. */
function schemaCauses(error: unknown): StatusCause[] {
  const errors = isObj(error) && Array.isArray(error.errors) ? error.errors : [];
  const causes = errors.map((entry: unknown): StatusCause => {
    const instancePath = valueAt(entry, ["instancePath"]);
    const path = (typeof instancePath === "string" ? instancePath : "")
      .split("/")
      .filter((part) => part !== "");
    const missing = valueAt(entry, ["params", "missingProperty"]);
    const message = strAt(entry, "message") ?? "is invalid";
    if (typeof missing === "string") {
      return {
        reason: "FieldValueRequired",
        message: "Required value",
        field: [...path, missing].join("."),
      };
    }
    return {
      reason: "FieldValueInvalid",
      message: `Invalid value: ${message}`,
      field: path.join("."),
    };
  });
  if (causes.length > 0) return causes;
  return [
    {
      reason: "FieldValueInvalid",
      message: error instanceof Error ? error.message : String(error),
    },
  ];
}

function nameCauses(resource: ResourceType, name: string | undefined): StatusCause[] {
  if (name === undefined || name === "") {
    return [
      {
        reason: "FieldValueRequired",
        message: "Required value: name or generateName is required",
        field: "metadata.name",
      },
    ];
  }
  if (resource.plural === "namespaces") {
    if (name.length > 63)
      return [invalidValue("metadata.name", name, "must be no more than 63 characters")];
    return DNS1123_LABEL.test(name) ? [] : [invalidValue("metadata.name", name, LABEL_MSG)];
  }
  if (resource.plural === "services") {
    if (name.length > 63)
      return [invalidValue("metadata.name", name, "must be no more than 63 characters")];
    return DNS1035_LABEL.test(name) ? [] : [invalidValue("metadata.name", name, DNS1035_MSG)];
  }
  if (name.length > 253)
    return [invalidValue("metadata.name", name, "must be no more than 253 characters")];
  return DNS1123_SUBDOMAIN.test(name) ? [] : [invalidValue("metadata.name", name, SUBDOMAIN_MSG)];
}

function labelCauses(labels: Record<string, string>, field: string): StatusCause[] {
  return Object.entries(labels).flatMap(([key, value]) => {
    const causes: StatusCause[] = [];
    const slash = key.indexOf("/");
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const local = key.slice(slash + 1);
    const keyOk =
      local.length <= 63 &&
      QUALIFIED_NAME.test(local) &&
      (prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix)));
    if (!keyOk)
      causes.push(
        invalidValue(
          field,
          key,
          "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        ),
      );
    if (value.length > 63)
      causes.push(invalidValue(field, value, "must be no more than 63 characters"));
    else if (!LABEL_VALUE.test(value)) causes.push(invalidValue(field, value, LABEL_VALUE_MSG));
    return causes;
  });
}

function workloadCauses(object: Obj): StatusCause[] {
  const selector = objAt(object, "spec", "selector");
  const templateLabels = labelsOf(object, "spec", "template", "metadata");
  const causes = labelCauses(templateLabels, "spec.template.metadata.labels");
  if (selector !== undefined && Object.keys(selector).length === 0) {
    causes.push({
      reason: "FieldValueInvalid",
      message: "Invalid value: empty selector is invalid for deployment",
      field: "spec.selector",
    });
  } else if (selector !== undefined && !labelSelectorMatches(selector, templateLabels)) {
    causes.push(
      invalidValue(
        "spec.template.metadata.labels",
        templateLabels,
        "`selector` does not match template `labels`",
      ),
    );
  }
  return causes;
}

function ingressCauses(object: Obj): StatusCause[] {
  return (arrAt(object, "spec", "rules") ?? []).flatMap((rule, index) => {
    const host = strAt(rule, "host");
    if (host === undefined) return [];
    const bare = host.startsWith("*.") ? host.slice(2) : host;
    return DNS1123_SUBDOMAIN.test(bare) && host.length <= 253
      ? []
      : [invalidValue(`spec.rules[${index}].host`, host, SUBDOMAIN_MSG)];
  });
}

/**
 * Validates a body the way the API server would before storing it: the Kubernetes OpenAPI schema
 * (kubernetes-models), then the rules the schema cannot express (names, labels, selectors,
 * immutable fields). Throws a 422 `Invalid` Status.
 */
export function validateObject(resource: ResourceType, object: Obj, previous?: Obj): void {
  const name = strAt(object, "metadata", "name");
  const model = new resource.model();
  Object.assign(model, object);
  let causes: StatusCause[] = [];
  try {
    model.validate();
  } catch (error) {
    causes = schemaCauses(error);
  }
  causes.push(...nameCauses(resource, name));
  causes.push(...labelCauses(labelsOf(object, "metadata"), "metadata.labels"));
  if (resource.kind === "Deployment" || resource.kind === "ReplicaSet") {
    causes.push(...workloadCauses(object));
    const before = objAt(previous, "spec", "selector");
    const after = objAt(object, "spec", "selector");
    if (before !== undefined && !deepEqual(before, after)) {
      causes.push(invalidValue("spec.selector", after, "field is immutable"));
    }
  }
  if (resource.kind === "Ingress") causes.push(...ingressCauses(object));
  if (causes.length > 0) throw invalid(resource.kind, resource.group, name ?? "", causes);
}
