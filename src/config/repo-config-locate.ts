import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/**
 * The 1-based line of the node at `path` in a parsed YAML document: the key of a mapping entry
 * (so `resources:\n  cpu: 99` points at `cpu:`), the item of a sequence, or — where the path runs
 * past what the document holds, as for a missing field — the deepest node that exists. 1 when
 * nothing along the path exists.
 */
export function locateLine(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
): number {
  let node: unknown = doc.contents;
  let found: Node | undefined = isNode(node) ? node : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (pair === undefined) break;
      if (isNode(pair.key)) found = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      if (!isNode(item)) break;
      found = item;
      node = item;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0];
  return offset === undefined ? 1 : lineCounter.linePos(offset).line;
}
