import { describe, expect, it } from "vitest";
import { pythonStart } from "./python-start.ts";

describe("pythonStart", () => {
  it.each<[string, string[], string[], string, string | undefined, number]>([
    [
      "FastAPI in main.py",
      ["main.py"],
      ["fastapi", "uvicorn"],
      "",
      "uvicorn main:app --host 0.0.0.0 --port $PORT",
      0,
    ],
    [
      "FastAPI prefers main.py",
      ["app.py", "main.py"],
      ["fastapi", "uvicorn"],
      "",
      "uvicorn main:app --host 0.0.0.0 --port $PORT",
      0,
    ],
    [
      "FastAPI with the standard extra",
      ["main.py"],
      ["fastapi"],
      "fastapi[standard]",
      "uvicorn main:app --host 0.0.0.0 --port $PORT",
      0,
    ],
    [
      "FastAPI without uvicorn",
      ["main.py"],
      ["fastapi"],
      "fastapi",
      "uvicorn main:app --host 0.0.0.0 --port $PORT",
      1,
    ],
    [
      "Flask prefers app.py",
      ["app.py", "main.py"],
      ["flask", "gunicorn"],
      "",
      "gunicorn --bind 0.0.0.0:$PORT app:app",
      0,
    ],
    [
      "Flask without gunicorn",
      ["app.py"],
      ["flask"],
      "",
      "flask --app app run --host 0.0.0.0 --port $PORT",
      1,
    ],
    ["a plain app.py", ["app.py"], [], "", "python app.py", 1],
    ["no entry point", ["server.py"], ["flask"], "", undefined, 0],
    ["FastAPI elsewhere", ["api/main.py"], ["fastapi"], "", undefined, 0],
  ])("%s", (_, files, dependencies, text, command, notes) => {
    const start = pythonStart(new Set(files), new Set(dependencies), text);
    expect(start?.command).toBe(command);
    expect(start?.notes.length ?? 0).toBe(notes);
  });
});
