import { ACTIONS } from "../github/route-conversation.ts";
import type { RunTarget } from "../queue/intent.ts";
import type { Conclusion } from "./outcome.ts";

/** A button on a check run (GitHub: at most 3; label ≤ 20, description ≤ 40 characters). */
export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

/**
 * The buttons of a concluded check run. A cancelled run has none (a newer run or a teardown
 * replaced it), nor has a skipped one (nothing ran); a build-only Slipway offers only a rebuild. "Tear down" is never offered on the
 * default branch (its preview is production), and a fork's run gets no buttons: only a writer's
 * `/slipway deploy` may run a fork's code.
 */
export function checkRunActions(
  target: RunTarget,
  conclusion: Conclusion,
  deploys: boolean,
): CheckRunAction[] {
  if (conclusion === "cancelled" || conclusion === "skipped" || target.fork !== undefined)
    return [];
  const redeploy = {
    label: deploys ? "Redeploy" : "Rebuild",
    description: "Build and deploy this commit again",
    identifier: ACTIONS.redeploy,
  };
  if (!deploys) return [{ ...redeploy, description: "Build this commit again" }];
  const actions: CheckRunAction[] = [
    redeploy,
    {
      label: "Roll back",
      description: "Run the previous ready image again",
      identifier: ACTIONS.rollback,
    },
  ];
  if (target.branch !== target.defaultBranch) {
    actions.push({
      label: "Tear down",
      description: "Remove this branch's preview",
      identifier: ACTIONS.teardown,
    });
  }
  return actions;
}
