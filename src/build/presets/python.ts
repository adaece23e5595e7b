import type { RecipeStep } from "../build-plan.ts";
import { BASE_IMAGES, IMAGE_USERS } from "./base-images.ts";
import { describeContext, type PresetInput, type PresetResult } from "./preset-result.ts";
import { pythonDependencies, requirementsNeedSource } from "./python-project.ts";
import { pythonStart } from "./python-start.ts";

export const PYTHON_DEFAULT_PORT = 8000;
const APP_DIR = "/app";
const OWNER = `${IMAGE_USERS.app}:${IMAGE_USERS.app}`;

const START_HELP = `Slipway looks for app.py or main.py (Flask, FastAPI or a plain script). Set the command that starts your app in .slipway.yml, binding 0.0.0.0 and $PORT, for example:

    start: gunicorn --bind 0.0.0.0:$PORT myproject.wsgi`;

const PYTHON_ENV: RecipeStep[] = [
  { op: "env", name: "PYTHONDONTWRITEBYTECODE", value: "1" },
  { op: "env", name: "PYTHONUNBUFFERED", value: "1" },
  { op: "env", name: "PIP_DISABLE_PIP_VERSION_CHECK", value: "1" },
  // pip installs into the image's site-packages as root, then the app runs as uid 1000.
  { op: "env", name: "PIP_ROOT_USER_ACTION", value: "ignore" },
];

function installSteps(input: PresetInput, requirements: string | undefined): RecipeStep[] {
  const copyAll: RecipeStep = { op: "copy", source: ".", dest: APP_DIR, owner: OWNER };
  if (requirements === undefined) {
    // pyproject.toml: pip needs the package's source to build it.
    return [copyAll, { op: "exec", args: ["pip", "install", "."] }];
  }
  const install: RecipeStep = { op: "exec", args: ["pip", "install", "-r", "requirements.txt"] };
  if (requirementsNeedSource(requirements)) return [copyAll, install];
  const dest = `${APP_DIR}/requirements.txt`;
  return [{ op: "copy", source: "requirements.txt", dest, owner: OWNER }, install, copyAll];
}

function installNotes(files: ReadonlySet<string>, requirements: boolean, pyproject: boolean) {
  const source = requirements ? "requirements.txt" : "pyproject.toml";
  const locks = ["poetry.lock", "uv.lock", "Pipfile.lock"].filter((file) => files.has(file));
  return [
    ...(requirements && pyproject
      ? [`Both requirements.txt and pyproject.toml: installing ${source} only.`]
      : []),
    ...(locks.length > 0 ? [`${locks.join(", ")} not used: pip installs from ${source}.`] : []),
  ];
}

/**
 * A Python app: `pip install -r requirements.txt` (before copying the rest of the source) or
 * `pip install .` for a pyproject.toml project, started with `start` or a conventional entry point.
 */
export function pythonPreset(input: PresetInput): PresetResult {
  const { files, config } = input;
  const requirements = files.has("requirements.txt")
    ? (input.read("requirements.txt") ?? "")
    : undefined;
  const pyproject = files.has("pyproject.toml") ? (input.read("pyproject.toml") ?? "") : undefined;
  if (requirements === undefined && pyproject === undefined) {
    const where = describeContext(input.context);
    const help =
      "The python preset installs requirements.txt or a pyproject.toml project; add one, or set `build.context` to the directory that has it.";
    return { ok: false, reason: `No requirements.txt or pyproject.toml in ${where}`, help };
  }
  const dependencies = pythonDependencies(requirements, pyproject);
  const found = pythonStart(files, dependencies, `${requirements ?? ""}\n${pyproject ?? ""}`);
  const start = config.start ?? found?.command;
  if (start === undefined) {
    return { ok: false, reason: "No start command for the Python app", help: START_HELP };
  }
  const notes = [
    ...(config.start === undefined ? (found?.notes ?? []) : []),
    ...installNotes(files, requirements !== undefined, pyproject !== undefined),
  ];
  const port = config.port ?? PYTHON_DEFAULT_PORT;
  const steps: RecipeStep[] = [
    ...PYTHON_ENV,
    {
      op: "exec",
      args: [
        "useradd",
        "--uid",
        IMAGE_USERS.app,
        "--create-home",
        "--shell",
        "/usr/sbin/nologin",
        "app",
      ],
    },
    { op: "exec", args: ["install", "-d", "-o", IMAGE_USERS.app, "-g", IMAGE_USERS.app, APP_DIR] },
    { op: "workdir", path: APP_DIR },
    { op: "cache", key: "pip", path: "/root/.cache/pip" },
    ...installSteps(input, requirements),
    { op: "user", name: IMAGE_USERS.app },
    { op: "env", name: "PORT", value: String(port) },
    { op: "expose", port },
    { op: "entrypoint", args: ["sh", "-c", start] },
  ];
  return {
    ok: true,
    plan: {
      kind: "preset",
      preset: "python",
      context: input.context,
      port,
      stages: [{ name: "app", from: BASE_IMAGES.python, steps }],
    },
    notes: [`Python app, started with \`${start}\`.`, ...notes],
  };
}
