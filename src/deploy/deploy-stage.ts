import type { AppSettings } from "../build/build-stage.ts";
import type { BranchTarget, RunTarget, TenantRepository } from "../queue/intent.ts";
import type { StageContext } from "../queue/stage-context.ts";

export interface DeployInput {
  runKey: string;
  target: RunTarget;
  image: string;
  app: AppSettings;
}

export type DeployResult =
  { ok: true; previewUrl?: string; log?: string } | { ok: false; reason: string; log?: string };

/** Rolls images out and manages tenants. The Kubernetes deployer implements it (issue 4). */
export interface DeployStage {
  deploy(input: DeployInput, context: StageContext): Promise<DeployResult>;
  teardownBranch(target: BranchTarget, context: StageContext): Promise<void>;
  provisionTenant(installationId: number, context: StageContext): Promise<void>;
  suspendTenant(installationId: number, context: StageContext): Promise<void>;
  removeTenant(
    installationId: number,
    repositories: TenantRepository[] | undefined,
    context: StageContext,
  ): Promise<void>;
}
