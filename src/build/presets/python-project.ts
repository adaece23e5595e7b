/** A dependency name as pip compares them: lower case, runs of `-`, `_`, `.` as one `-`. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * Names of the dependencies listed in requirements.txt and pyproject.toml. A rough reading (no
 * TOML parser): enough to tell Flask from FastAPI and whether gunicorn or uvicorn is there, and
 * harmless when it also picks up a project's own name.
 */
export function pythonDependencies(
  requirements: string | undefined,
  pyproject: string | undefined,
): Set<string> {
  const names = new Set<string>();
  for (const line of (requirements ?? "").split("\n")) {
    const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line.replace(/#.*/, ""))?.[1];
    if (name !== undefined) names.add(normalize(name));
  }
  // PEP 621 lists requirement strings ("fastapi[standard]>=0.110"); Poetry uses keys (fastapi = "^0.110").
  const text = pyproject ?? "";
  for (const match of text.matchAll(/["']([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?=[[<>=!~;@ "'])/g)) {
    if (match[1] !== undefined) names.add(normalize(match[1]));
  }
  for (const match of text.matchAll(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*=/gm)) {
    if (match[1] !== undefined) names.add(normalize(match[1]));
  }
  return names;
}

/** Whether requirements.txt pulls in local files (`-r other.txt`, `-e .`), so it needs the tree. */
export function requirementsNeedSource(requirements: string): boolean {
  return /^\s*(?:-[rce]|--requirement|--constraint|--editable|\.|file:)/m.test(requirements);
}
