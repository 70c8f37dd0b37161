// Authoring aid, not part of the test run: prints the match table of
// regex.spec.ts with the expected spans computed by JavaScript's RegExp, for
// the cases where the two agree by design (docs/regex.md lists where they differ).
// Run: node assembly/regex/__tests__/cross-check.mjs > table.txt, then paste.
const CASES = [
  // literals and concatenation
  ["abc", "", ["abc", "xxabcxx", "ab", ""]],
  ["", "", ["", "abc"]],
  // alternation, leftmost-first
  ["cat|dog", "", ["hotdog", "cat", "cow"]],
  ["a|ab|abc", "", ["abc"]],
  ["(a|ab)(c|bcd)(d*)", "", ["abcd"]],
  ["a||b", "", ["b"]],
  // repetition, greedy and lazy
  ["a*", "", ["", "aaa", "baaa"]],
  ["a+", "", ["baaac", "bbb"]],
  ["colou?r", "", ["color", "colour", "colouur"]],
  ["a*?b", "", ["aaab"]],
  ["a+?", "", ["aaa"]],
  ["a??b", "", ["ab", "b"]],
  ["<.+>", "", ["<a><b>"]],
  ["<.+?>", "", ["<a><b>"]],
  // bounded repetition
  ["a{3}", "", ["aaaa", "aa"]],
  ["a{2,}", "", ["aaaaa", "a"]],
  ["a{2,3}", "", ["aaaaa"]],
  ["a{2,3}?", "", ["aaaaa"]],
  ["a{0,2}b", "", ["aaab"]],
  ["(ab){2}", "", ["abababab"]],
  ["\\d{1,3}(?:\\.\\d{1,3}){3}", "", ["ip 192.168.0.1 ok", "1.2.3"]],
  ["a{", "", ["a{"]],
  ["a{1,x}", "", ["a{1,x}"]],
  ["x{,2}", "", ["x{,2}"]],
  // dot
  ["a.c", "", ["abc", "a\nc", "a\rc", "a😀c"]],
  ["a.c", "s", ["a\nc"]],
  // classes
  ["[abc]+", "", ["xxbcaz"]],
  ["[a-c]+", "", ["xxabcabd"]],
  ["[^a-c]+", "", ["abcxyzab"]],
  ["[-a]+", "", ["x--a-"]],
  ["[a-]+", "", ["x-a-"]],
  ["[\\]]", "", ["a]"]],
  ["[\\-x]+", "", ["a-x-"]],
  ["[.]", "", ["a.b"]],
  ["[\\d.]+", "", ["v1.2.3 "]],
  ["[\\w-]+", "", ["  x-y_z "]],
  ["[^\\d\\s]+", "", ["12 ab3"]],
  ["[\\b]", "", ["a\bb"]],
  ["[]", "", ["a"]],
  ["[^]", "", ["\n"]],
  ["[\\u00e0-\\u00ff]+", "", ["abc\u00e9\u00e8x"]],
  // escapes
  ["\\d+", "", ["abc123def"]],
  ["\\D+", "", ["123abc4"]],
  ["\\w+", "", ["  hello_1 "]],
  ["\\W+", "", ["ab!? c"]],
  ["\\s+", "", ["a \t\n b", "a\u00a0b", "a\u2028b"]],
  ["\\S+", "", ["  ab "]],
  ["\\x41\\u0042", "", ["xAB"]],
  ["\\u{1F600}", "", ["a😀"]],
  ["\\uD83D\\uDE00", "", ["a😀"]],
  ["\\t\\n\\r\\f\\v", "", ["\t\n\r\f\v"]],
  ["\\.\\\\\\/", "", ["a.\\/b"]],
  ["\\$\\^\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|", "", ["$^*+?()[]{}|"]],
  ["\\cJ", "", ["a\nb"]],
  ["\\0", "", ["a\0b"]],
  // anchors
  ["^abc$", "", ["abc", "abcd", "x\nabc"]],
  ["^abc$", "m", ["x\nabc\ny", "x\r\nabc\r\n"]],
  ["^", "m", ["a\nb"]],
  ["b$", "m", ["ab\ncd"]],
  ["$", "", ["abc"]],
  ["\\bfoo\\b", "", ["a foo b", "afoo", "foo"]],
  ["\\Boo\\B", "", ["foox", "foo"]],
  ["\\b", "", ["", "  "]],
  // groups
  ["(a)(b)?", "", ["a", "ab"]],
  ["(a)|(b)", "", ["b"]],
  ["(?:ab)+", "", ["ababab"]],
  ["((a)|b)+", "", ["ab"]],
  ["(a|b)*c", "", ["ababc"]],
  ["(\\w+)@(\\w+)\\.com", "", ["mail bob@example.com now"]],
  ["(?<year>\\d{4})-(?<month>\\d{2})", "", ["on 2024-05-01"]],
  ["()", "", ["x"]],
  ["(a*)*", "", ["b", "aa"]],
  ["(a*)+", "", ["b", "aa"]],
  // case-insensitive
  ["ABC", "i", ["xabcx", "AbC"]],
  ["[a-z]+", "i", ["123HeLLo"]],
  ["[^a-z]+", "i", ["abcDEF123"]],
  ["\\w+", "i", ["KELVIN k"]],
  ["é+", "i", ["xÉÉé"]],
  ["[à-ö]+", "i", ["ÀÖ"]],
  ["σ+", "i", ["Σσ"]],
  ["привет", "i", ["ПРИВЕТ"]],
  // astral code points
  ["😀+", "", ["a😀😀b"]],
  ["^.$", "", ["😀"]],
];

const row = (s) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
for (const [pattern, flags, inputs] of CASES) {
  for (const input of inputs) {
    let re;
    try { re = new RegExp(pattern, flags + "du"); } catch { re = new RegExp(pattern, flags + "d"); }
    const m = re.exec(input);
    const spans = m === null ? "none" : m.indices.map((x) => (x === undefined ? "-" : x[0] + ":" + x[1])).join(" ");
    console.log(`  new Case(${row(pattern)}, ${row(flags)}, ${row(input)}, ${row(spans)}),`);
  }
}
