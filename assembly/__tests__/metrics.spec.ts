import { taggedName } from "../api/metrics";

describe("taggedName", () => {
  it("appends each tag as .key.value", () => {
    expect(taggedName("http.requests", ["method", "GET", "status", "200"])).toBe("http.requests.method.GET.status.200");
  });

  it("keeps the base alone without tags", () => {
    expect(taggedName("plain", [])).toBe("plain");
  });

  it("turns dots in values into underscores", () => {
    expect(taggedName("p", ["path", "/app.v1.js"])).toBe("p.path./app_v1_js");
  });

  it("ignores a key without a value", () => {
    expect(taggedName("p", ["a", "1", "dangling"])).toBe("p.a.1");
  });
});
