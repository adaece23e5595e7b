import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";

const NAME = "fake-kubernetes";

/**
 * A KubeConfig for the fake. The client refuses a plain-HTTP server unless the cluster sets
 * `skipTLSVerify` (`insecure-skip-tls-verify: true` in a file), so both forms set it.
 */
export function kubeConfigFor(url: string, token: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: NAME, server: url, skipTLSVerify: true }],
    users: [{ name: NAME, token }],
    contexts: [{ name: NAME, cluster: NAME, user: NAME }],
    currentContext: NAME,
  });
  return config;
}

/** The same configuration as a kubeconfig file's text (for `KUBECONFIG` / `loadFromString`). */
export function kubeconfigYamlFor(url: string, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: NAME, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: NAME, user: { token } }],
    contexts: [{ name: NAME, context: { cluster: NAME, user: NAME } }],
    "current-context": NAME,
    preferences: {},
  });
}
