/**
 * The variables a worker hands on to the Dagger CLI it starts for a build, and no others: the
 * CLI (and the `kubectl exec` it runs to reach the engine) needs to find programs, the cluster
 * (its API address, or `KUBECONFIG`, or `~/.kube/config` under HOME) and proxies. HOME, TMPDIR
 * and the XDG directories are replaced by a private temporary home per session
 * (`startCliSession`). The worker's own secrets (the GitHub App key, the webhook secret,
 * registry and Redis passwords) never reach it.
 */
const PASSED_ON = [
  "PATH",
  "HOME",
  "TMPDIR",
  "XDG_CACHE_HOME",
  "XDG_CONFIG_HOME",
  "KUBECONFIG",
  "KUBERNETES_SERVICE_HOST",
  "KUBERNETES_SERVICE_PORT",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
] as const;

/** The Dagger CLI's environment, picked from the worker's by {@link PASSED_ON}. */
export function daggerCliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of PASSED_ON) {
    const value = env[name];
    if (value !== undefined && value !== "") picked[name] = value;
  }
  return picked;
}
