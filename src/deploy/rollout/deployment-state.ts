/*
 * The parts of a Deployment, Pod and Event the rollout logic reads. Structural subsets of the
 * client's `V1Deployment`, `V1Pod` and `CoreV1Event`, so the pure functions take what the API
 * returned as is, and tests can write plain JSON.
 */

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface DeploymentState {
  metadata?: {
    name?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: {
    replicas?: number;
    template?: { spec?: { containers?: Array<{ name: string; image?: string }> } };
  };
  /** Zero counts are omitted by the API server: read them with `?? 0`. */
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: object;
  terminated?: { reason?: string; exitCode?: number; message?: string };
}

export interface ContainerStatusState {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface PodState {
  metadata?: { name?: string };
  spec?: { containers?: Array<{ name: string; image?: string }> };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatusState[];
  };
}

export interface EventState {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject: { kind?: string; name?: string };
}
