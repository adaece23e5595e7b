import type { Client, Container, Directory } from "@dagger.io/dagger";
import type { PresetPlan, RecipeStep } from "./build-plan.ts";

function owned(owner: string | undefined): { owner?: string } {
  return owner === undefined ? {} : { owner };
}

/**
 * Turns a preset plan (data) into a Dagger container, stage by stage. `source` is the build
 * context; cache volumes are named by `cacheKey` so each repository keeps its own caches.
 */
export function applyRecipe(options: {
  client: Client;
  source: Directory;
  plan: PresetPlan;
  cacheKey: (key: string) => string;
}): Container {
  const { client, source, plan, cacheKey } = options;
  const stages = new Map<string, Container>();
  let last: Container | undefined;
  for (const stage of plan.stages) {
    let container = client.container().from(stage.from);
    for (const step of stage.steps) container = applyStep(container, step);
    stages.set(stage.name, container);
    last = container;
  }
  if (last === undefined) throw new Error("a preset plan needs at least one stage");
  return last;

  function applyStep(c: Container, step: RecipeStep): Container {
    switch (step.op) {
      case "workdir":
        return c.withWorkdir(step.path);
      case "env":
        return c.withEnvVariable(step.name, step.value);
      case "copy":
        return step.source === "."
          ? c.withDirectory(step.dest, source, owned(step.owner))
          : c.withFile(step.dest, source.file(step.source), owned(step.owner));
      case "copyFrom": {
        const from = stages.get(step.stage);
        if (from === undefined) throw new Error(`stage ${step.stage} is not defined before use`);
        return c.withDirectory(step.dest, from.directory(step.source), owned(step.owner));
      }
      case "cache":
        return c.withMountedCache(
          step.path,
          client.cacheVolume(cacheKey(step.key)),
          owned(step.owner),
        );
      case "exec":
        return c.withExec(step.args);
      case "user":
        return c.withUser(step.name);
      case "expose":
        return c.withExposedPort(step.port);
      case "entrypoint":
        return c.withEntrypoint(step.args);
    }
  }
}
