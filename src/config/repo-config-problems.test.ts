import { describe, expect, it } from "vitest";
import {
  formatProblems,
  problemAnnotations,
  type RepoConfigProblem,
} from "./repo-config-problems.ts";

const problems: RepoConfigProblem[] = [
  { path: "resources.cpu", message: "must be at most 4 CPUs", value: '"8"', line: 7 },
  { path: "(file)", message: "is not valid YAML: unexpected end", line: 3 },
];

describe("formatProblems", () => {
  it("writes one line per problem with the file, line, field, rule and value", () => {
    expect(formatProblems(problems)).toBe(
      [
        '.slipway.yml:7: resources.cpu: must be at most 4 CPUs (got "8")',
        ".slipway.yml:3: (file): is not valid YAML: unexpected end",
      ].join("\n"),
    );
  });
});

describe("problemAnnotations", () => {
  it("annotates the line of each problem as a failure", () => {
    expect(problemAnnotations(problems)).toEqual([
      {
        path: ".slipway.yml",
        start_line: 7,
        end_line: 7,
        annotation_level: "failure",
        title: "Invalid resources.cpu",
        message: 'must be at most 4 CPUs (got "8")',
      },
      {
        path: ".slipway.yml",
        start_line: 3,
        end_line: 3,
        annotation_level: "failure",
        title: "Invalid (file)",
        message: "is not valid YAML: unexpected end",
      },
    ]);
  });

  it("keeps to the 50 annotations GitHub takes per request", () => {
    const many = Array.from({ length: 80 }, (_, i) => ({
      path: `p${i}`,
      message: "m",
      line: i + 1,
    }));
    const annotations = problemAnnotations(many);
    expect(annotations).toHaveLength(50);
    expect(annotations.at(-1)?.start_line).toBe(50);
  });

  it("keeps titles within GitHub's 255 characters", () => {
    const [annotation] = problemAnnotations([{ path: "x".repeat(400), message: "m", line: 1 }]);
    expect(annotation?.title).toHaveLength(255);
  });
});
