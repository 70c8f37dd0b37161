// The Regex API: compile results and errors, flags, groups and names,
// fullMatch, matchAll, searching from an offset, replacements, bytes input,
// the program size limit.
import { DEFAULT_PROGRAM_LIMIT, Regex } from "../index";
import { compiled } from "./compiled";


function expectError(pattern: string, reason: string, position: i32): void {
  const result = Regex.compile(pattern);
  expect(result.ok).toBe(false, pattern);
  expect(result.regex).toBeNull(pattern);
  expect(result.error).toBe(reason, pattern);
  expect(result.position).toBe(position, pattern);
}

function bytes(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

function spansOf(re: Regex, text: string): string {
  const all = re.matchAll(text);
  let out = "";
  for (let i = 0; i < all.length; i++) out += (i > 0 ? " " : "") + all[i].start.toString() + ":" + all[i].end.toString();
  return out;
}

describe("regex: compile errors", () => {
  it("reports what is wrong and where", () => {
    expectError("a**", "nested quantifier", 2);
    expectError("a+*", "nested quantifier", 2);
    expectError("a{2}{3}", "nested quantifier", 4);
    expectError("*a", "nothing to repeat", 0);
    expectError("a|*", "nothing to repeat", 2);
    expectError("{2}", "nothing to repeat", 0);
    expectError("^*", "nothing to repeat", 1);
    expectError("\\b+", "nothing to repeat", 2);
    expectError("a{2,1}", "repetition range out of order", 1);
    expectError("a{1001}", "repetition count above 1000", 1);
    expectError("ab(c(d)", "missing )", 2);
    expectError("(a))", "unmatched )", 3);
    expectError("x[^a", "missing ]", 1);
    expectError("[z-a]", "class range out of order", 1);
    expectError("[\\d-z]", "invalid class range", 1);
    expectError("ab\\", "\\ at end of pattern", 2);
    expectError("\\q", "unknown escape \\q", 0);
    expectError("\\x4", "invalid \\x escape", 0);
    expectError("\\u12", "invalid \\u escape", 0);
    expectError("\\u{110000}", "invalid \\u escape", 0);
    expectError("\\c1", "invalid \\c escape", 0);
    expectError("\\01", "octal escapes are not supported", 0);
    expectError("(?<n>a)(?<n>b)", "duplicate group name n", 10);
    expectError("(?<1a>x)", "invalid group name", 3);
    expectError("(?<>x)", "empty group name", 3);
    expectError("(?<a", "missing > after group name", 4);
    expectError("(?i)a", "inline flags are not supported (give flags to Regex.compile)", 0);
    expectError("(?#x)", "unknown group syntax after (?", 0);
  });

  it("refuses backreferences and lookaround instead of matching something else", () => {
    expectError("(a)\\1", "backreferences are not supported", 3);
    expectError("(?<n>a)\\k<n>", "backreferences are not supported", 7);
    expectError("(?P<n>a)(?P=n)", "backreferences are not supported", 8);
    expectError("a(?=b)", "lookaround is not supported", 1);
    expectError("a(?!b)", "lookaround is not supported", 1);
    expectError("(?<=a)b", "lookaround is not supported", 0);
    expectError("(?<!a)b", "lookaround is not supported", 0);
    expectError("\\p{L}", "Unicode property classes are not supported", 0);
  });

  it("rejects unknown and repeated flags with position -1", () => {
    const unknown = Regex.compile("a", "g");
    expect(unknown.ok).toBe(false);
    expect(unknown.error).toBe("unknown flag g");
    expect(unknown.position).toBe(-1);
    const repeated = Regex.compile("a", "ii");
    expect(repeated.error).toBe("repeated flag i");
    expect(Regex.compile("a", "ims").ok).toBe(true);
  });

  it("limits the size of the compiled program, and the error names the limit", () => {
    const big = Regex.compile("(?:a{1000}){10}");
    expect(big.ok).toBe(false);
    expect(big.error).toBe("pattern exceeds the program size limit of " + DEFAULT_PROGRAM_LIMIT.toString());
    expect(big.position).toBeGreaterThanOrEqual(0);
    // Nested counted repetition would be a million instructions: refused quickly, not built.
    expect(Regex.compile("((a{1000}){1000}){1000}").ok).toBe(false);
    const small = Regex.compile("[a-z]{20}", "", 10);
    expect(small.error).toBe("pattern exceeds the program size limit of 10");
    const raised = Regex.compile("(?:a{1000}){6}", "", 7000);
    expect(raised.ok).toBe(true);
    expect(raised.regex!.programSize).toBeGreaterThan(6000);
    expect(raised.regex!.fullMatch("a".repeat(6000))).not.toBeNull();
    expect(raised.regex!.fullMatch("a".repeat(5999))).toBeNull();
  });

  it("counts the capture slots matching keeps toward the limit", () => {
    // 1,000 groups around single characters: 3,003 instructions, but 1,001 waiting threads × 1,000 groups of slots.
    const many = Regex.compile("(a)".repeat(1000));
    expect(many.error).toBe("pattern exceeds the program size limit of " + DEFAULT_PROGRAM_LIMIT.toString());
    const fewer = compiled("(a)".repeat(20));
    expect(fewer.programSize).toBe(63 + 21 * 20);
    expect(fewer.fullMatch("a".repeat(20))!.group(20)).toBe("a");
    // Without groups only instructions count.
    expect(compiled("a".repeat(1000)).programSize).toBe(1003);
  });

  it("escapes text so that it matches itself", () => {
    const special = "a.b*c+d?e^f$g|h(i)j[k]l{m}n\\o-p/q";
    const escaped = Regex.escape(special);
    expect(escaped).toBe("a\\.b\\*c\\+d\\?e\\^f\\$g\\|h\\(i\\)j\\[k\\]l\\{m\\}n\\\\o\\-p\\/q");
    expect(compiled(escaped).fullMatch(special)).not.toBeNull();
    expect(compiled("[" + Regex.escape("a-z") + "]+").fullMatch("-az")).not.toBeNull();
    expect(compiled("^" + Regex.escape("api.example.com") + "$").test("apixexample.com")).toBe(false);
    expect(Regex.escape("plain")).toBe("plain");
    expect(Regex.escape("")).toBe("");
  });

  it("allows 1,000 capture groups and large sets", () => {
    expect(compiled("()".repeat(1000)).groupCount).toBe(1001);
    const tooMany = Regex.compile("()".repeat(1001));
    expect(tooMany.error).toBe("more than 1000 capture groups");
    expect(tooMany.position).toBe(2000);
    // A set of 3,000 separate code points (every other one from U+4E00), listed backwards.
    let members = "";
    for (let i = 2999; i >= 0; i--) members += String.fromCharCode(0x4e00 + i * 2);
    const set = compiled("[" + members + "]+");
    expect(set.fullMatch(String.fromCharCode(0x4e00) + String.fromCharCode(0x4e00 + 5998))).not.toBeNull();
    expect(set.test(String.fromCharCode(0x4e01))).toBe(false);
    expect(set.test(String.fromCharCode(0x4e00 + 3000))).toBe(true);
    expect(set.test(String.fromCharCode(0x4e00 + 5999))).toBe(false);
    expect(set.test(String.fromCharCode(0x4dff))).toBe(false);
  });

  it("keeps the pattern and flags", () => {
    const re = compiled("a+", "im");
    expect(re.pattern).toBe("a+");
    expect(re.flags).toBe("im");
  });
});

describe("regex: groups", () => {
  it("gives each group's span and text, null for groups that did not take part", () => {
    const re = compiled("(\\w+)@(\\w+)(\\.org)?\\.com");
    expect(re.groupCount).toBe(4);
    const m = re.search("mail bob@example.com now")!;
    expect(m.start).toBe(5);
    expect(m.end).toBe(20);
    expect(m.value).toBe("bob@example.com");
    expect(m.group(1)).toBe("bob");
    expect(m.groupStart(2)).toBe(9);
    expect(m.groupEnd(2)).toBe(16);
    expect(m.group(2)).toBe("example");
    expect(m.group(3)).toBeNull();
    expect(m.groupStart(3)).toBe(-1);
    expect(m.group(4)).toBeNull();
    expect(m.groupStart(-1)).toBe(-1);
  });

  it("looks groups up by name", () => {
    const re = compiled("(?<year>\\d{4})-(?<month>\\d{2})(?:-(?<day>\\d{2}))?");
    expect(re.groupIndex("month")).toBe(2);
    expect(re.groupIndex("minute")).toBe(-1);
    const m = re.search("due 2024-05")!;
    expect(m.named("year")).toBe("2024");
    expect(m.named("month")).toBe("05");
    expect(m.named("day")).toBeNull();
    expect(m.named("minute")).toBeNull();
    expect(m.groupIndex("day")).toBe(3);
    // Python's spelling of a named group.
    expect(compiled("(?P<word>\\w+)").search("  hi")!.named("word")).toBe("hi");
  });

  it("resets the groups of a repetition on each pass, like JavaScript", () => {
    const m = compiled("(?:(a)|b)+").search("ab")!;
    expect(m.group(1)).toBeNull();
    const last = compiled("(\\d)+").search("123")!;
    expect(last.group(1)).toBe("3");
  });
});

describe("regex: matching modes", () => {
  it("test, search from an offset, and anchors that keep their meaning at an offset", () => {
    const re = compiled("\\d+");
    expect(re.test("abc")).toBe(false);
    expect(re.test("a1")).toBe(true);
    expect(re.search("12 345", 2)!.value).toBe("345");
    expect(re.search("12 345", 6)).toBeNull();
    expect(re.search("12 345", 7)).toBeNull();
    expect(re.test("12 345", -1)).toBe(false);
    const anchored = compiled("^\\d");
    expect(anchored.search("1 2", 1)).toBeNull();
    // \b sees the character before the offset.
    expect(compiled("\\bb").search("ab b", 1)!.start).toBe(3);
  });

  it("fullMatch needs the whole text, and prefers the first alternative that covers it", () => {
    const re = compiled("a|ab|abc");
    expect(re.fullMatch("abc")!.end).toBe(3);
    expect(re.fullMatch("abcd")).toBeNull();
    expect(re.search("abc")!.end).toBe(1);
    const groups = compiled("(a+?)(a*)").fullMatch("aaa")!;
    expect(groups.group(1)).toBe("a");
    expect(groups.group(2)).toBe("aa");
    expect(compiled("").fullMatch("")!.end).toBe(0);
    expect(compiled("x*").fullMatch("xxy")).toBeNull();
  });

  it("matchAll returns every match without overlaps and steps over empty matches", () => {
    expect(spansOf(compiled("\\d+"), "a1b22c333")).toBe("1:2 3:5 6:9");
    expect(spansOf(compiled("x*"), "axxb")).toBe("0:0 1:3 3:3 4:4");
    expect(spansOf(compiled(""), "ab")).toBe("0:0 1:1 2:2");
    expect(spansOf(compiled("z"), "ab")).toBe("");
    // An empty match never splits a surrogate pair.
    expect(spansOf(compiled(""), "😀")).toBe("0:0 2:2");
  });

  it("multiline anchors see \\n, \\r and U+2028/U+2029 as line ends", () => {
    expect(spansOf(compiled("^\\w", "m"), "a\nb\rc\u2028d\u2029e")).toBe("0:1 2:3 4:5 6:7 8:9");
    expect(spansOf(compiled("\\w$", "m"), "a\nb\r\nc")).toBe("0:1 2:3 5:6");
    expect(spansOf(compiled("^\\w"), "a\nb")).toBe("0:1");
  });

  it("\\A and \\z mark the text's ends even with the m flag", () => {
    expect(compiled("\\Aab\\z", "m").test("ab")).toBe(true);
    expect(compiled("\\Ab", "m").test("a\nb")).toBe(false);
    expect(compiled("a\\z", "m").test("a\nb")).toBe(false);
    expect(compiled("^b", "m").test("a\nb")).toBe(true);
  });

  it("reads POSIX-looking sets as plain sets, as JavaScript does", () => {
    const m = compiled("[[:alpha:]]+").search("xyz:]")!;
    expect(m.start).toBe(3);
    expect(m.value).toBe(":]");
  });

  it("the s flag lets . match line terminators", () => {
    expect(compiled("a.b").test("a\nb")).toBe(false);
    expect(compiled("a.b", "s").test("a\nb")).toBe(true);
    expect(compiled("a.b", "s").test("a\u2028b")).toBe(true);
  });
});

describe("regex: case-insensitive", () => {
  it("folds ASCII letters in literals, ranges and negated classes", () => {
    expect(compiled("hello", "i").search("Say HeLLo")!.start).toBe(4);
    expect(compiled("[a-f]+", "i").search("xxBEEFyy")!.value).toBe("BEEF");
    expect(compiled("[^a-z]+", "i").search("abcXYZ123")!.value).toBe("123");
    expect(compiled("[^A]", "i").test("aA")).toBe(false);
    expect(compiled("x", "").test("X")).toBe(false);
  });

  it("folds Latin-1, Greek and Cyrillic letters; other scripts match exactly", () => {
    expect(compiled("ÉCOLE", "i").test("école")).toBe(true);
    expect(compiled("ÿ", "i").test("Ÿ")).toBe(true);
    expect(compiled("ΑΒΓ", "i").test("αβγ")).toBe(true);
    expect(compiled("москва", "i").test("МОСКВА")).toBe(true);
    expect(compiled("ё", "i").test("Ё")).toBe(true);
    // Text above ASCII, asked again and again (the DFA caches those transitions apart).
    const tea = compiled("чай\\s+с\\s+лимоном", "i");
    const text = "Выпей ЧАЙ с лимоном. ".repeat(3);
    for (let i = 0; i < 3; i++) expect(tea.test(text)).toBe(true);
    expect(tea.search(text)!.start).toBe(6);
    expect(tea.test("чай без лимона")).toBe(false);
    expect(tea.test(bytes(text))).toBe(true);
    // Outside the folded blocks (here Latin Extended-A), letters are not folded.
    expect(compiled("ā", "i").test("Ā")).toBe(false);
    // \w and \b stay ASCII, as in JavaScript.
    expect(compiled("\\w", "i").test("é")).toBe(false);
  });
});

describe("regex: replace", () => {
  it("replaces the first or every match, with $1, $<name>, $&, $`, $' and $$", () => {
    const re = compiled("(\\w+)@(?<host>\\w+)");
    expect(re.replace("a@b c@d", "$2:$1")).toBe("b:a c@d");
    expect(re.replaceAll("a@b c@d", "$<host>/$1")).toBe("b/a d/c");
    expect(re.replaceAll("a@b", "[$&]")).toBe("[a@b]");
    expect(compiled("b").replace("abc", "<$`|$'>")).toBe("a<a|c>c");
    expect(compiled("b").replace("abc", "$$1")).toBe("a$1c");
    expect(compiled("b").replace("abc", "$")).toBe("a$c");
  });

  it("reads $n like JavaScript: two digits when that group exists, literal when no group does", () => {
    const re = compiled("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)");
    expect(re.replace("abcdefghijk", "$11-$10-$1")).toBe("k-j-a");
    expect(compiled("(a)").replace("a", "$12")).toBe("a2");
    expect(compiled("(a)").replace("a", "$2$0")).toBe("$2$0");
    expect(compiled("(a)").replace("a", "$<x>")).toBe("$<x>");
    expect(compiled("(?<n>a)").replace("a", "[$<x>]")).toBe("[]");
    expect(compiled("(a)|b").replace("b", "[$1]")).toBe("[]");
  });

  it("leaves the text as it is when nothing matches, and handles empty matches", () => {
    expect(compiled("z").replaceAll("abc", "-")).toBe("abc");
    expect(compiled("x*").replaceAll("abc", "-")).toBe("-a-b-c-");
    expect(compiled("\\s+").replaceAll("  a  b ", " ")).toBe(" a b ");
    // A string with no match is returned as it is.
    const text = "nothing to see";
    expect(changetype<usize>(compiled("\\d").replaceAll(text, "#"))).toBe(changetype<usize>(text));
  });
});

describe("regex: bytes", () => {
  it("matches UTF-8 bytes with byte offsets, in a Uint8Array or an ArrayBuffer", () => {
    const re = compiled("(ü+)(\\w)");
    const m = re.search(bytes("Grüüxe"))!;
    expect(m.start).toBe(2);
    expect(m.end).toBe(7);
    expect(m.groupEnd(1)).toBe(6);
    expect(m.group(1)).toBe("üü");
    expect(m.group(2)).toBe("x");
    // ß is not in \w: the pattern needs an ASCII word character after the ü's.
    expect(re.test(bytes("üß"))).toBe(false);
    expect(re.test(bytes("üx"))).toBe(true);
    const buffer = String.UTF8.encode("key=värde;");
    const kv = compiled("(\\w+)=([^;]*)").search(buffer)!;
    expect(kv.group(2)).toBe("värde");
    expect(kv.groupEnd(2)).toBe(10);
    const view = kv.groupBytes(2)!;
    expect(view.length).toBe(6);
    expect(view[1]).toBe(0xc3);
  });

  it("counts positions from the start of a Uint8Array view", () => {
    const view = bytes("xx key=7;").subarray(3);
    const m = compiled("key=(\\d)").search(view)!;
    expect(m.start).toBe(0);
    expect(m.groupStart(1)).toBe(4);
    expect(m.group(1)).toBe("7");
    expect(m.groupBytes(1)![0]).toBe(0x37);
    expect(compiled("^key").test(view)).toBe(true);
  });

  it("reads a malformed byte as U+FFFD, one byte wide", () => {
    const input = new Uint8Array(4);
    input[0] = 0x61;
    input[1] = 0xff;
    input[2] = 0xc3; // a lead byte cut short
    input[3] = 0x62;
    expect(compiled("a.{2}b").fullMatch(input)).not.toBeNull();
    expect(compiled("\\uFFFD+").search(input)!.end).toBe(3);
    expect(compiled("a[^\\uFFFD]").test(input)).toBe(false);
  });

  it("replaces in bytes and returns the same kind of value", () => {
    const out = compiled("(\\d+)").replaceAll(bytes("a1 b22 é3"), "<$1>");
    expect(String.UTF8.decode(out.buffer)).toBe("a<1> b<22> é<3>");
    const raw = compiled("é").replace(String.UTF8.encode("café!"), "e");
    expect(String.UTF8.decode(raw)).toBe("cafe!");
    expect(compiled("z").replaceAll(bytes(""), "x").length).toBe(0);
  });

  it("searches, matches all and full-matches bytes", () => {
    const re = compiled("[a-z]+");
    const all = re.matchAll(bytes("ab é cd"));
    expect(all.length).toBe(2);
    expect(all[1].start).toBe(6);
    expect(all[1].value).toBe("cd");
    expect(re.fullMatch(bytes("abc"))).not.toBeNull();
    expect(re.search(bytes("ab cd"), 2)!.start).toBe(3);
  });

  it("gives group bytes of a string match as UTF-8", () => {
    const m = compiled("é+").search("xéé")!;
    expect(m.groupBytes(0)!.length).toBe(4);
  });
});
