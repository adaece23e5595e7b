import { describe, expect, it } from "vitest";
import { pythonDependencies, requirementsNeedSource } from "./python-project.ts";

describe("pythonDependencies", () => {
  it.each<[string, string | undefined, string | undefined, string[]]>([
    [
      "pinned requirements",
      "Flask==3.1.0\ngunicorn>=23 ; python_version > '3.8'\n",
      undefined,
      ["flask", "gunicorn"],
    ],
    [
      "comments, options and extras",
      "# web\n-r base.txt\n--index-url https://x\nuvicorn[standard]~=0.32\n",
      undefined,
      ["uvicorn"],
    ],
    ["normalised names", "Django_Rest.Framework\n", undefined, ["django-rest-framework"]],
    [
      "PEP 621",
      undefined,
      '[project]\ndependencies = ["fastapi[standard]>=0.115", "SQLAlchemy"]\n',
      ["fastapi", "sqlalchemy"],
    ],
    [
      "Poetry",
      undefined,
      '[tool.poetry.dependencies]\npython = "^3.12"\nFlask = "^3.1"\n',
      ["python", "flask"],
    ],
  ])("%s", (_, requirements, pyproject, expected) => {
    const names = pythonDependencies(requirements, pyproject);
    for (const name of expected) expect(names).toContain(name);
  });

  it("does not take a version constraint for a name", () => {
    expect(pythonDependencies(undefined, 'requires-python = ">=3.12"\n')).not.toContain("3-12");
  });
});

describe("requirementsNeedSource", () => {
  it.each([
    ["flask\ngunicorn\n", false],
    ["-r base.txt\n", true],
    ["-e .\n", true],
    ["./libs/shared\n", true],
    ["--constraint constraints.txt\n", true],
    ["requests # -r in a comment is not an option\n", false],
  ])("%j → %s", (text, expected) => {
    expect(requirementsNeedSource(text)).toBe(expected);
  });
});
