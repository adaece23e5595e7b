import { describe, expect, it } from "vitest";
import { redact } from "./redact.ts";

const GHS = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0";

describe("redact", () => {
  it.each([
    ["a token inside a log", `fetching with ${GHS}\ndone`, [], "fetching with ***\ndone"],
    ["a personal access token", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", [], "***"],
    ["an OAuth token", "token=gho_aBcDeFgHiJkLmNoPqRsTu", [], "token=***"],
    ["a user-to-server token", "(ghu_aBcDeFgHiJkLmNoPqRsTu)", [], "(***)"],
    ["a refresh token", "ghr_aBcDeFgHiJkLmNoPqRsTu.", [], "***."],
    [
      "a fine-grained token",
      "GH_TOKEN=github_pat_11ABCDEFG0aBcDeFgHiJk_LmNoPqRsTuVwXyZ0123456789",
      [],
      "GH_TOKEN=***",
    ],
    ["a prefix that is too short to be a token", "see ghp_example", [], "see ghp_example"],
    [
      "a token prefix inside a word",
      "xghs_16C7e42F292c6912E7710c838",
      [],
      "xghs_16C7e42F292c6912E7710c838",
    ],
    [
      "a secret several times",
      "pw=hunter22; retry pw=hunter22",
      ["hunter22"],
      "pw=***; retry pw=***",
    ],
    ["a secret that contains a shorter one", "key: abcdefgh.", ["abcd", "abcdefgh"], "key: ***."],
    ["the same, listed longest first", "key: abcdefgh.", ["abcdefgh", "abcd"], "key: ***."],
    ["secrets that partly overlap", "[abcdefghi]", ["abcdef", "defghi"], "[***]"],
    ["a secret that repeats inside itself", "xaaaaaay", ["aaaa"], "x***y"],
    [
      "regex special characters",
      "p.a$s(w)o[r]d*+? and pXa$s(w)o[r]d",
      ["p.a$s(w)o[r]d*+?"],
      "*** and pXa$s(w)o[r]d",
    ],
    ["a replacement pattern in a secret", "token $& $1 end", ["$& $1"], "token *** end"],
    ["short and empty secrets", "abc is not secret", ["abc", ""], "abc is not secret"],
    ["a secret exposed by masking another", "xabcdy", ["abcd", "x***y"], "***"],
    [
      "a PEM private key",
      `key:\n-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----\nnext`,
      [],
      "key:\n-----BEGIN RSA PRIVATE KEY-----\n***\n-----END RSA PRIVATE KEY-----\nnext",
    ],
    [
      "a PEM key cut off after its first line",
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${PEM_BODY}\n`,
      [],
      "-----BEGIN OPENSSH PRIVATE KEY-----\n***\n",
    ],
    [
      "a PEM key whose start was cut off",
      `${PEM_BODY}\n-----END PRIVATE KEY-----\nnext`,
      [],
      "***\n-----END PRIVATE KEY-----\nnext",
    ],
    [
      "an installation token URL",
      `git clone https://x-access-token:${GHS}@github.com/acme/app.git`,
      [],
      "git clone https://x-access-token:***@github.com/acme/app.git",
    ],
    [
      "an installation token outside a URL",
      "url.x-access-token:v1.abc123@github.com",
      [],
      "url.x-access-token:***@github.com",
    ],
    [
      "a URL password",
      "pushing to https://alice:s3cr3t@registry.example.com/v2/app",
      [],
      "pushing to https://alice:***@registry.example.com/v2/app",
    ],
    ["a URL password containing @", "oci://bob:p@ss@host/x", [], "oci://bob:***@host/x"],
    [
      "a URL with a port and @ in its path",
      "https://example.com:8443/pkg/@scope/name",
      [],
      "https://example.com:8443/pkg/@scope/name",
    ],
    ["a bearer header", "Authorization: Bearer abc.def-ghi", [], "Authorization: Bearer ***"],
    ["a token header", "authorization: token 0123456789", [], "authorization: token ***"],
    [
      "a quoted basic header",
      "curl -H 'Authorization: Basic dXNlcjpwYXNz' https://x",
      [],
      "curl -H 'Authorization: Basic ***' https://x",
    ],
    ["a JSON header", '{"Authorization": "Bearer xyz"}', [], '{"Authorization": "Bearer ***"}'],
    ["text with nothing to hide", "Step 3/7: RUN npm ci", ["hunter22"], "Step 3/7: RUN npm ci"],
  ] satisfies [string, string, string[], string][])(
    "masks %s",
    (_name, text, secrets, expected) => {
      expect(redact(text, secrets)).toBe(expected);
    },
  );

  it("masks a secret throughout a megabyte of log", () => {
    const log = "ok hunter22 ok\n".repeat(70_000);
    const result = redact(log, ["hunter22"]);
    expect(result).not.toContain("hunter22");
    expect(result.split("***")).toHaveLength(70_001);
  });
});
