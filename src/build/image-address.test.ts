import { describe, expect, it } from "vitest";
import { imageAddress, registryHost } from "./image-address.ts";

const SHA = "a".repeat(40);
const OCI_PATH = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;

describe("imageAddress", () => {
  it.each([
    ["Codertocat", "Hello-World", "localhost:5000/codertocat/hello-world"],
    ["acme", "web.app", "localhost:5000/acme/web.app"],
    ["acme", "my__repo", "localhost:5000/acme/my__repo"],
    ["acme", "a._-b", "localhost:5000/acme/a.b"],
    ["acme", "-.weird._name-", "localhost:5000/acme/weird.name"],
    ["acme", "...", "localhost:5000/acme/repo-7"],
    ["ACME-Corp", "API--Server", "localhost:5000/acme-corp/api--server"],
  ])("%s/%s → %s", (owner, repo, expected) => {
    const address = imageAddress("localhost:5000", owner, repo, 7, SHA);
    expect(address).toBe(`${expected}:${SHA}`);
    const path = address.slice("localhost:5000/".length, address.lastIndexOf(":"));
    expect(path).toMatch(OCI_PATH);
  });

  it("keeps the registry's own path", () => {
    expect(imageAddress("ghcr.io/acme/previews", "o", "r", 1, SHA)).toBe(
      `ghcr.io/acme/previews/o/r:${SHA}`,
    );
    expect(registryHost("ghcr.io/acme/previews")).toBe("ghcr.io");
    expect(registryHost("localhost:5000")).toBe("localhost:5000");
  });
});
