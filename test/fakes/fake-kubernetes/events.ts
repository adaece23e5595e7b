import { numAt, strAt, timestamp, type Obj } from "./json.ts";
import { requireResource } from "./resources.ts";
import type { Store } from "./store.ts";

export const EVENTS = requireResource("v1", "events");
export const NODE_NAME = "fake-node-1";

export interface EventSpec {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** `kubelet`, `default-scheduler`, `replicaset-controller`, `deployment-controller`. */
  component: string;
  fieldPath?: string;
}

let sequence = 0;

/**
 * Records a core/v1 Event about `involved`. A repeat (same object, reason and message) bumps
 * `count` and `lastTimestamp` of the existing Event, as the real event recorder aggregates them.
 */
export function recordEvent(store: Store, involved: Obj, spec: EventSpec): void {
  const namespace = strAt(involved, "metadata", "namespace") ?? "default";
  const name = strAt(involved, "metadata", "name") ?? "";
  const uid = strAt(involved, "metadata", "uid") ?? "";
  const now = timestamp();
  const existing = store
    .list(EVENTS, namespace)
    .find(
      (event) =>
        strAt(event, "involvedObject", "uid") === uid &&
        strAt(event, "reason") === spec.reason &&
        strAt(event, "message") === spec.message,
    );
  if (existing !== undefined) {
    store.update(EVENTS, {
      ...existing,
      count: (numAt(existing, "count") ?? 1) + 1,
      lastTimestamp: now,
    });
    return;
  }
  sequence += 1;
  const onNode = spec.component === "kubelet";
  store.create(EVENTS, {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(sequence)).toString(16)}`,
      namespace,
    },
    involvedObject: {
      apiVersion: strAt(involved, "apiVersion") ?? "v1",
      kind: strAt(involved, "kind") ?? "",
      namespace,
      name,
      uid,
      resourceVersion: strAt(involved, "metadata", "resourceVersion") ?? "",
      ...(spec.fieldPath === undefined ? {} : { fieldPath: spec.fieldPath }),
    },
    reason: spec.reason,
    message: spec.message,
    source: onNode ? { component: spec.component, host: NODE_NAME } : { component: spec.component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type: spec.type,
    eventTime: null,
    reportingComponent: spec.component,
    reportingInstance: onNode ? NODE_NAME : "",
  });
}
