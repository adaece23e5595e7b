import { describe, expect, it } from "vitest";
import { perKey } from "./per-key.ts";

describe("perKey", () => {
  it("creates once per key, shared by concurrent callers", async () => {
    const created: number[] = [];
    const get = perKey(async (key: number) => {
      created.push(key);
      await Promise.resolve();
      return { key };
    });
    const [a, b, c] = await Promise.all([get(1), get(1), get(2)]);
    expect(a).toBe(b);
    expect(c).toEqual({ key: 2 });
    expect(created).toEqual([1, 2]);
  });

  it("forgets a failed creation, so the next call tries again", async () => {
    let attempts = 0;
    const get = perKey((key: string) => {
      attempts++;
      return attempts === 1 ? Promise.reject(new Error("transient")) : Promise.resolve(key);
    });
    await expect(get("x")).rejects.toThrow("transient");
    expect(await get("x")).toBe("x");
    expect(attempts).toBe(2);
  });

  it("keeps at most `max` keys, dropping the least recently used", async () => {
    const created: string[] = [];
    const get = perKey((key: string) => {
      created.push(key);
      return Promise.resolve(key);
    }, 2);
    await get("a");
    await get("b");
    await get("a"); // a is now the most recent
    await get("c"); // drops b
    await get("a");
    await get("b");
    expect(created).toEqual(["a", "b", "c", "b"]);
  });
});
