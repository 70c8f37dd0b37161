// The match table: spans of the whole match and of each group ("start:end",
// "-" for a group that did not take part, "none" for no match). The expected
// values were computed with JavaScript's RegExp (cross-check.mjs) and are held
// here as literals.
import { Match } from "../index";
import { compiled } from "./compiled";

class Case {
  constructor(public pattern: string, public flags: string, public input: string, public expected: string) {}
}

const CASES: Case[] = [
  new Case("abc", "", "abc", "0:3"),
  new Case("abc", "", "xxabcxx", "2:5"),
  new Case("abc", "", "ab", "none"),
  new Case("abc", "", "", "none"),
  new Case("", "", "", "0:0"),
  new Case("", "", "abc", "0:0"),
  new Case("cat|dog", "", "hotdog", "3:6"),
  new Case("cat|dog", "", "cat", "0:3"),
  new Case("cat|dog", "", "cow", "none"),
  new Case("a|ab|abc", "", "abc", "0:1"),
  new Case("(a|ab)(c|bcd)(d*)", "", "abcd", "0:4 0:1 1:4 4:4"),
  new Case("a||b", "", "b", "0:0"),
  new Case("a*", "", "", "0:0"),
  new Case("a*", "", "aaa", "0:3"),
  new Case("a*", "", "baaa", "0:0"),
  new Case("a+", "", "baaac", "1:4"),
  new Case("a+", "", "bbb", "none"),
  new Case("colou?r", "", "color", "0:5"),
  new Case("colou?r", "", "colour", "0:6"),
  new Case("colou?r", "", "colouur", "none"),
  new Case("a*?b", "", "aaab", "0:4"),
  new Case("a+?", "", "aaa", "0:1"),
  new Case("a??b", "", "ab", "0:2"),
  new Case("a??b", "", "b", "0:1"),
  new Case("<.+>", "", "<a><b>", "0:6"),
  new Case("<.+?>", "", "<a><b>", "0:3"),
  new Case("a{3}", "", "aaaa", "0:3"),
  new Case("a{3}", "", "aa", "none"),
  new Case("a{2,}", "", "aaaaa", "0:5"),
  new Case("a{2,}", "", "a", "none"),
  new Case("a{2,3}", "", "aaaaa", "0:3"),
  new Case("a{2,3}?", "", "aaaaa", "0:2"),
  new Case("a{0,2}b", "", "aaab", "1:4"),
  new Case("(ab){2}", "", "abababab", "0:4 2:4"),
  new Case("\\d{1,3}(?:\\.\\d{1,3}){3}", "", "ip 192.168.0.1 ok", "3:14"),
  new Case("\\d{1,3}(?:\\.\\d{1,3}){3}", "", "1.2.3", "none"),
  new Case("a{", "", "a{", "0:2"),
  new Case("a{1,x}", "", "a{1,x}", "0:6"),
  new Case("x{,2}", "", "x{,2}", "0:5"),
  new Case("a.c", "", "abc", "0:3"),
  new Case("a.c", "", "a\nc", "none"),
  new Case("a.c", "", "a\rc", "none"),
  new Case("a.c", "", "a\ud83d\ude00c", "0:4"),
  new Case("a.c", "s", "a\nc", "0:3"),
  new Case("[abc]+", "", "xxbcaz", "2:5"),
  new Case("[a-c]+", "", "xxabcabd", "2:7"),
  new Case("[^a-c]+", "", "abcxyzab", "3:6"),
  new Case("[-a]+", "", "x--a-", "1:5"),
  new Case("[a-]+", "", "x-a-", "1:4"),
  new Case("[\\]]", "", "a]", "1:2"),
  new Case("[\\-x]+", "", "a-x-", "1:4"),
  new Case("[.]", "", "a.b", "1:2"),
  new Case("[\\d.]+", "", "v1.2.3 ", "1:6"),
  new Case("[\\w-]+", "", "  x-y_z ", "2:7"),
  new Case("[^\\d\\s]+", "", "12 ab3", "3:5"),
  new Case("[\\b]", "", "a\bb", "1:2"),
  new Case("[]", "", "a", "none"),
  new Case("[^]", "", "\n", "0:1"),
  new Case("[\\u00e0-\\u00ff]+", "", "abc\u00e9\u00e8x", "3:5"),
  new Case("\\d+", "", "abc123def", "3:6"),
  new Case("\\D+", "", "123abc4", "3:6"),
  new Case("\\w+", "", "  hello_1 ", "2:9"),
  new Case("\\W+", "", "ab!? c", "2:5"),
  new Case("\\s+", "", "a \t\n b", "1:5"),
  new Case("\\s+", "", "a\u00a0b", "1:2"),
  new Case("\\s+", "", "a\u2028b", "1:2"),
  new Case("\\S+", "", "  ab ", "2:4"),
  new Case("\\x41\\u0042", "", "xAB", "1:3"),
  new Case("\\u{1F600}", "", "a\ud83d\ude00", "1:3"),
  new Case("\\uD83D\\uDE00", "", "a\ud83d\ude00", "1:3"),
  new Case("\\t\\n\\r\\f\\v", "", "\t\n\r\f\u000b", "0:5"),
  new Case("\\.\\\\\\/", "", "a.\\/b", "1:4"),
  new Case("\\$\\^\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|", "", "$^*+?()[]{}|", "0:12"),
  new Case("\\cJ", "", "a\nb", "1:2"),
  new Case("\\0", "", "a\u0000b", "1:2"),
  new Case("^abc$", "", "abc", "0:3"),
  new Case("^abc$", "", "abcd", "none"),
  new Case("^abc$", "", "x\nabc", "none"),
  new Case("^abc$", "m", "x\nabc\ny", "2:5"),
  new Case("^abc$", "m", "x\r\nabc\r\n", "3:6"),
  new Case("^", "m", "a\nb", "0:0"),
  new Case("b$", "m", "ab\ncd", "1:2"),
  new Case("$", "", "abc", "3:3"),
  new Case("\\bfoo\\b", "", "a foo b", "2:5"),
  new Case("\\bfoo\\b", "", "afoo", "none"),
  new Case("\\bfoo\\b", "", "foo", "0:3"),
  new Case("\\Boo\\B", "", "foox", "1:3"),
  new Case("\\Boo\\B", "", "foo", "none"),
  new Case("\\b", "", "", "none"),
  new Case("\\b", "", "  ", "none"),
  new Case("(a)(b)?", "", "a", "0:1 0:1 -"),
  new Case("(a)(b)?", "", "ab", "0:2 0:1 1:2"),
  new Case("(a)|(b)", "", "b", "0:1 - 0:1"),
  new Case("(?:ab)+", "", "ababab", "0:6"),
  new Case("((a)|b)+", "", "ab", "0:2 1:2 -"),
  new Case("(a|b)*c", "", "ababc", "0:5 3:4"),
  new Case("(\\w+)@(\\w+)\\.com", "", "mail bob@example.com now", "5:20 5:8 9:16"),
  new Case("(?<year>\\d{4})-(?<month>\\d{2})", "", "on 2024-05-01", "3:10 3:7 8:10"),
  new Case("()", "", "x", "0:0 0:0"),
  new Case("(a*)*", "", "b", "0:0 -"),
  new Case("(a*)*", "", "aa", "0:2 0:2"),
  new Case("(a*)+", "", "b", "0:0 0:0"),
  new Case("(a*)+", "", "aa", "0:2 0:2"),
  new Case("ABC", "i", "xabcx", "1:4"),
  new Case("ABC", "i", "AbC", "0:3"),
  new Case("[a-z]+", "i", "123HeLLo", "3:8"),
  new Case("[^a-z]+", "i", "abcDEF123", "6:9"),
  new Case("\\w+", "i", "KELVIN k", "0:6"),
  new Case("\u00e9+", "i", "x\u00c9\u00c9\u00e9", "1:4"),
  new Case("[\u00e0-\u00f6]+", "i", "\u00c0\u00d6", "0:2"),
  new Case("\u03c3+", "i", "\u03a3\u03c3", "0:2"),
  new Case("\u043f\u0440\u0438\u0432\u0435\u0442", "i", "\u041f\u0420\u0418\u0412\u0415\u0422", "0:6"),
  new Case("\ud83d\ude00+", "", "a\ud83d\ude00\ud83d\ude00b", "1:5"),
  new Case("^.$", "", "\ud83d\ude00", "0:2"),
];


function spans(match: Match | null): string {
  if (match === null) return "none";
  let out = "";
  for (let i = 0; i < match.groupCount; i++) {
    if (i > 0) out += " ";
    const start = match.groupStart(i);
    out += start < 0 ? "-" : start.toString() + ":" + match.groupEnd(i).toString();
  }
  return out;
}

function describeCase(c: Case): string {
  return "/" + c.pattern + "/" + c.flags + " on " + "\"" + c.input + "\"";
}

describe("regex: match table", () => {
  it("finds the leftmost match and its groups in strings", () => {
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[i];
      const re = compiled(c.pattern, c.flags);
      expect(spans(re.search(c.input))).toBe(c.expected, describeCase(c));
      expect(re.test(c.input)).toBe(c.expected != "none", describeCase(c));
    }
  });

  it("finds the same groups in the UTF-8 bytes of the same text", () => {
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[i];
      const re = compiled(c.pattern, c.flags);
      const fromText = re.search(c.input);
      const bytes = Uint8Array.wrap(String.UTF8.encode(c.input));
      const fromBytes = re.search(bytes);
      expect(fromBytes === null).toBe(fromText === null, describeCase(c));
      expect(re.test(bytes)).toBe(fromText !== null, describeCase(c));
      if (fromText === null || fromBytes === null) continue;
      for (let g = 0; g < fromText.groupCount; g++) {
        const text = fromText.group(g);
        const other = fromBytes.group(g);
        expect(other === null).toBe(text === null, describeCase(c));
        if (text !== null && other !== null) expect(other).toBe(text, describeCase(c) + " group " + g.toString());
      }
    }
  });
});
