import type { Store } from "./store.ts";

export type KubeletMode =
  "ready" | "crashloop" | "image-pull-error" | "never-ready" | "unschedulable";

export interface KubeletRule {
  match: (image: string) => boolean;
  mode: KubeletMode;
  logs: string;
}

export interface AccessReview {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
}

/** Everything the HTTP handlers and the simulated controllers share. */
export interface Cluster {
  store: Store;
  runtimeClasses: Set<string>;
  /** Later rules win. */
  kubeletRules: KubeletRule[];
  access: (review: AccessReview) => boolean;
  delayMs: number;
  /** Namespaces being deleted → `Date.now()` when the deletion began. */
  terminating: Map<string, number>;
  /** Deployment uid → the generation being rolled out and when it was first seen. */
  rollouts: Map<string, { generation: number; startedAt: number }>;
}

/** The real progress deadline is in seconds; here each second is 10 ms so tests stay fast. */
export const PROGRESS_DEADLINE_MS_PER_SECOND = 10;

/** The user the fake's token authenticates as (named in Forbidden messages). */
export const FAKE_USER = "system:serviceaccount:slipway:slipway";

export const POD_TEMPLATE_HASH = "pod-template-hash";
export const REVISION = "deployment.kubernetes.io/revision";

/** The alphabet Kubernetes uses for generated name suffixes and template hashes. */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(length = 5): string {
  let suffix = "";
  for (let i = 0; i < length; i += 1)
    suffix += SAFE.charAt(Math.floor(Math.random() * SAFE.length));
  return suffix;
}

/** FNV-1a of the text, spelled like `pod-template-hash` values (e.g. `7d9f8b6c5`). */
export function safeHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const digits = String(hash);
  let encoded = "";
  for (let i = 0; i < digits.length; i += 1)
    encoded += SAFE.charAt(digits.charCodeAt(i) % SAFE.length);
  return encoded;
}
