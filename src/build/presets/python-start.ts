/** A start command found by convention, and what the developer should know about it. */
export interface PythonStart {
  command: string;
  notes: string[];
}

function entryModule(files: ReadonlySet<string>, preferred: "app" | "main"): string | undefined {
  const other = preferred === "app" ? "main" : "app";
  if (files.has(`${preferred}.py`)) return preferred;
  return files.has(`${other}.py`) ? other : undefined;
}

/**
 * The conventional start command of a Python web app: FastAPI under uvicorn, Flask under gunicorn
 * (or Flask's own server), else `python app.py` / `python main.py`. Each binds 0.0.0.0:$PORT, the
 * port Slipway routes to. The ASGI/WSGI object is assumed to be called `app`, as in both
 * frameworks' documentation. Undefined when there is no app.py or main.py.
 */
export function pythonStart(
  files: ReadonlySet<string>,
  dependencies: ReadonlySet<string>,
  manifestText: string,
): PythonStart | undefined {
  if (dependencies.has("fastapi")) {
    const module = entryModule(files, "main");
    if (module === undefined) return undefined;
    const hasServer = dependencies.has("uvicorn") || /fastapi\[[^\]]*standard/i.test(manifestText);
    const notes = hasServer
      ? []
      : ["uvicorn is not among the dependencies: add uvicorn (or fastapi[standard])."];
    return { command: `uvicorn ${module}:app --host 0.0.0.0 --port $PORT`, notes };
  }
  if (dependencies.has("flask")) {
    const module = entryModule(files, "app");
    if (module === undefined) return undefined;
    if (dependencies.has("gunicorn")) {
      return { command: `gunicorn --bind 0.0.0.0:$PORT ${module}:app`, notes: [] };
    }
    const note =
      "Flask's development server runs the app: add gunicorn to the dependencies for production.";
    return { command: `flask --app ${module} run --host 0.0.0.0 --port $PORT`, notes: [note] };
  }
  const module = entryModule(files, "app");
  if (module === undefined) return undefined;
  return {
    command: `python ${module}.py`,
    notes: [`\`python ${module}.py\` must listen on $PORT.`],
  };
}
