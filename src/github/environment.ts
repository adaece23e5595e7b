/**
 * The GitHub environment of a branch's deployments: `production` for the default branch, and
 * `preview/<branch>` for every other (so pull requests show "View deployment").
 */
export function environmentFor(
  branch: string,
  defaultBranch: string | undefined,
): {
  name: string;
  production: boolean;
} {
  return branch === defaultBranch
    ? { name: "production", production: true }
    : { name: `preview/${branch}`, production: false };
}
