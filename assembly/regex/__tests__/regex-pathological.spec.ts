// Patterns that take exponential time in backtracking engines, on inputs of
// tens of thousands of characters. The Pike VM keeps at most one thread per
// instruction, so each of these is a single pass; the test shows they finish
// and give the right answer (wall time is for the benchmark, not a test).
import { compiled } from "./compiled";


const A = "a".repeat(20000);

describe("regex: pathological patterns", () => {
  it("(a+)+$ on a long run of a's followed by a non-match", () => {
    expect(compiled("(a+)+$").test(A + "b")).toBe(false);
    const m = compiled("(a+)+$").search(A)!;
    expect(m.start).toBe(0);
    expect(m.end).toBe(20000);
  });

  it("(a|a)*b and (a*)*b with no b", () => {
    expect(compiled("(a|a)*b").test(A)).toBe(false);
    expect(compiled("(a*)*b").test(A)).toBe(false);
    expect(compiled("(a*)*b").search(A + "b")!.end).toBe(20001);
  });

  it("nested and overlapping repetitions", () => {
    expect(compiled("(x+x+)+y").test("x".repeat(20000))).toBe(false);
    expect(compiled("^(\\w+\\s?)*$").test("word ".repeat(4000) + "!")).toBe(false);
    expect(compiled("(a|aa)+$").test(A + "!")).toBe(false);
    expect(compiled("(.*a){12}").test("a".repeat(11) + "b".repeat(20000))).toBe(false);
  });

  it("bytes input: the same patterns on a long body", () => {
    const body = Uint8Array.wrap(String.UTF8.encode(A + "!"));
    expect(compiled("(a+)+$").test(body)).toBe(false);
    expect(compiled("(a|a)*!").search(body)!.end).toBe(20001);
  });

  it("a pattern whose DFA would need thousands of states still answers, in linear time", () => {
    // a[ab]{12}$ matches when the 13th character from the end is an a: a DFA needs 2^13 states for
    // that; the cache stops at its bound and the Pike VM answers.
    const re = compiled("a[ab]{12}$");
    let seed: u32 = 1;
    const chars = new Array<string>();
    for (let i = 0; i < 5000; i++) {
      seed = seed * 1103515245 + 12345;
      chars.push((seed >>> 16) & 1 ? "a" : "b");
    }
    chars[5000 - 13] = "b";
    const missing = chars.join("");
    chars[5000 - 13] = "a";
    const matching = chars.join("");
    expect(re.test(missing)).toBe(false);
    expect(re.test(matching)).toBe(true);
    expect(re.search(matching)!.start).toBe(5000 - 13);
    expect(re.test(missing)).toBe(false);
  });

  it("replaceAll over a long text with an empty-matching pattern", () => {
    const out = compiled("(a*)*").replaceAll(A + "b", "-");
    expect(out).toBe("--b-");
  });
});
