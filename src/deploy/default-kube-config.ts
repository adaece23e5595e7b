import { KubeConfig } from "@kubernetes/client-node";

/** KUBECONFIG, ~/.kube/config, or the in-cluster service account: the client's own discovery. */
export function defaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
