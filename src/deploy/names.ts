import { createHash } from "node:crypto";
import { RenderInputError } from "./manifests/render-input-error.ts";

/*
 * Kubernetes names are DNS-1123 labels (≤ 63 of `[a-z0-9-]`, alphanumeric at both ends); Service
 * names are DNS-1035 labels (the same, but starting with a letter). Branch names are arbitrary
 * text, and different branches can slug alike (`feature/x`, `feature-x`, `Feature/X`), so every
 * name here is a readable slug plus the first 16 hex digits of a SHA-256 of the full original text:
 * stable across runs, valid, and distinct. The slug is truncated, never the hash.
 */

const HASH_LENGTH = 16;
const LABEL_MAX = 63;
const HOST_MAX = 253;
/** `branchName` stays short enough to sit inside other names and label values. */
const BRANCH_NAME_MAX = 40;
/**
 * Leaves room for `-egress-internet` (16) so every object named after a branch, the branch's
 * NetworkPolicy included, is a DNS label too.
 */
const RESOURCE_NAME_MAX = LABEL_MAX - "-egress-internet".length;

/** First 16 hex digits (64 bits) of the SHA-256 of `text` (UTF-8): forcing a collision is out of reach. */
function shortHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, HASH_LENGTH);
}

function trimHyphens(text: string): string {
  return text.replace(/^-+|-+$/g, "");
}

/**
 * Lower-case `[a-z0-9-]` text of at most `max` characters, hyphen-free at both ends, possibly
 * empty. Accents and compatibility forms are transliterated by NFKD (`é` → `e`, `ﬁ` → `fi`,
 * `Ｘ` → `x`); letters and digits NFKD cannot map to ASCII (CJK, `ß`) are dropped; runs of
 * anything else (separators, punctuation, emoji) become one hyphen.
 */
export function slug(text: string, max: number): string {
  if (max <= 0) return "";
  const ascii = text
    .normalize("NFKD")
    .toLowerCase()
    .replace(/\p{M}+/gu, "")
    .replace(/(?![a-z0-9])[\p{L}\p{N}]/gu, "")
    .replace(/[^a-z0-9]+/g, "-");
  return trimHyphens(trimHyphens(ascii).slice(0, max));
}

/**
 * `<readable>-<hash>` within `max`, starting with a letter: a readable part that is empty or starts
 * with a digit gets `prefix` in front, so the result is also a DNS-1035 label.
 */
function withHash(readable: string, hash: string, max: number, prefix: string): string {
  const head = /^[a-z]/.test(readable) ? readable : trimHyphens(`${prefix}-${readable}`);
  return `${trimHyphens(head.slice(0, max - hash.length - 1))}-${hash}`;
}

/**
 * Fits `first-second` into `budget` characters, each part keeping at least about half when both
 * are long, and a short part lending its unused room to the other.
 */
function splitBudget(first: string, second: string, budget: number): [string, string] {
  const room = budget - 1;
  const half = Math.floor(room / 2);
  const firstMax = Math.max(half, room - second.length);
  const firstPart = trimHyphens(first.slice(0, firstMax));
  const secondMax = room - firstPart.length;
  return [firstPart, trimHyphens(second.slice(0, secondMax))];
}

function joinParts(...parts: string[]): string {
  return parts.filter((part) => part !== "").join("-");
}

function assertId(field: string, id: number): void {
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new RenderInputError(field, `must be a positive integer, got ${String(id)}`);
  }
}

/**
 * A branch's name for Kubernetes: `<slug>-<hash of the branch>`, ≤ 40 characters, a DNS-1035
 * label (so also a DNS-1123 label and a label value). Names that start with a digit or slug to
 * nothing get a `b-` prefix.
 */
export function branchName(branch: string): string {
  return withHash(slug(branch, BRANCH_NAME_MAX), shortHash(branch), BRANCH_NAME_MAX, "b");
}

/** The tenant namespace of a GitHub App installation: `slipway-<installation id>`. */
export function namespaceFor(installationId: number): string {
  assertId("installationId", installationId);
  return `slipway-${installationId}`;
}

/** What identifies a branch of a repository across renames. */
export interface RepositoryBranch {
  /** GitHub's repository id: stable across renames and transfers, never reused. */
  repoId: number;
  /** The repository's name (without the owner), for readability only. */
  repo: string;
  branch: string;
}

/** Hash of the repository id and the full branch name, unique per (repository, branch). */
function branchKey({ repoId, branch }: RepositoryBranch): string {
  assertId("repoId", repoId);
  // The id is digits only, so the separator cannot be forged by a branch name.
  return shortHash(`${repoId}:${branch}`);
}

/**
 * The name of a branch's Deployment, Service and Ingress: `<repo-slug>-<branch-slug>-<hash>`, a
 * DNS-1035 label of at most 47 characters (so `<name>-egress-internet` is a label too). The hash
 * covers the repository *id* and the full branch, so two repositories that share a name over time
 * never share objects. A renamed repository gets new names: find a branch's objects by its labels,
 * not by name.
 */
export function resourceName(target: RepositoryBranch): string {
  const budget = RESOURCE_NAME_MAX - HASH_LENGTH - 1;
  const [repoPart, branchPart] = splitBudget(
    slug(target.repo, budget),
    slug(target.branch, budget),
    budget,
  );
  return withHash(joinParts(repoPart, branchPart), branchKey(target), RESOURCE_NAME_MAX, "r");
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The operator's base domain, lower-cased; throws a {@link RenderInputError} unless it is a DNS
 * name that leaves room for one more label.
 */
function checkBaseDomain(baseDomain: string): string {
  const domain = baseDomain.toLowerCase();
  const labels = domain.split(".");
  if (!labels.every((label) => DNS_LABEL.test(label))) {
    throw new RenderInputError(
      "baseDomain",
      `${JSON.stringify(baseDomain)} is not a DNS name: dot-separated labels of 1–63 letters, ` +
        "digits and inner hyphens, without a trailing dot",
    );
  }
  if (LABEL_MAX + 1 + domain.length > HOST_MAX) {
    throw new RenderInputError(
      "baseDomain",
      `${JSON.stringify(baseDomain)} is too long: preview hosts add a label of up to 63 ` +
        `characters and must stay within ${HOST_MAX}`,
    );
  }
  return domain;
}

/**
 * The preview host of a branch: `<branch-slug>-<hash>--<repo-slug>.<base-domain>`, whose first
 * label is ≤ 63 characters and whole ≤ 253. The hash is the one {@link resourceName} uses
 * (repository id and branch), so hosts are unique across installations sharing a base domain.
 * Slugs never hold `--`, so the separator is unambiguous; and since the branch part is at least 17
 * characters, the `--` never lands at positions 3–4, which are reserved for IDNA (`xn--`).
 */
export function previewHost(target: RepositoryBranch & { baseDomain: string }): string {
  const domain = checkBaseDomain(target.baseDomain);
  const hash = branchKey(target);
  // `<branch>-<hash>--<repo>`: the two slugs share what the hash and separators leave.
  const budget = LABEL_MAX - HASH_LENGTH - 1 - 2 + 1;
  const repoSlug = slug(target.repo, budget);
  const [branchPart, repoPart] = splitBudget(
    slug(target.branch, budget),
    repoSlug === "" ? "repo" : repoSlug,
    budget,
  );
  const first = `${joinParts(branchPart, hash)}--${repoPart}`;
  return `${first}.${domain}`;
}

/**
 * A valid label value for any text: ≤ 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends, or
 * empty. Lossy (no hash): for values that are already names, or for display.
 */
export function labelValue(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/(?![A-Za-z0-9])[\p{L}\p{N}]/gu, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, LABEL_MAX)
    .replace(/[^A-Za-z0-9]+$/, "");
}
