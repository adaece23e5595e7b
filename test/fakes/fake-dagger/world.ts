import type { Chain, FakeDaggerOptions, PublishedImage } from "./types.ts";

/** Everything the fake engine knows and records, shared by all requests of one fake. */
export interface World {
  options: FakeDaggerOptions;
  chains: Chain[];
  secrets: Map<string, string>;
  published: PublishedImage[];
  cacheVolumes: string[];
}

export function createWorld(options: FakeDaggerOptions): World {
  return { options, chains: [], secrets: new Map(), published: [], cacheVolumes: [] };
}
