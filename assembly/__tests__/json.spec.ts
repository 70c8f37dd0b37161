import {
  JsonKind, JsonValue, JsonObject, JsonResult, JSON_MAX_DEPTH,
  parseJson, parseJsonBytes, parseJsonMemory,
} from "../json/value";

// ---------------------------------------------------------------------------
// helpers

function bytes(values: u8[]): ArrayBuffer {
  const buf = new ArrayBuffer(values.length);
  for (let i = 0; i < values.length; i++) store<u8>(changetype<usize>(buf) + i, values[i]);
  return buf;
}

/** Parses text, asserting success. */
function ok(text: string): JsonValue {
  const r = parseJson(text);
  if (!r.ok) trace("unexpected error for " + text + ": " + r.error!.toString());
  expect(r.ok).toBe(true, text);
  expect(r.error).toBeNull(text);
  expect(r.value).not.toBeNull(text);
  return r.value!;
}

/** Asserts that result failed at pos with msg. */
function failsWith(r: JsonResult, pos: i32, msg: string, what: string): void {
  expect(r.ok).toBe(false, what);
  expect(r.value).toBeNull(what);
  expect(r.error).not.toBeNull(what);
  expect(r.error!.position).toBe(pos, what);
  expect(r.error!.message).toBe(msg, what);
}

function fails(text: string, pos: i32, msg: string): void {
  failsWith(parseJson(text), pos, msg, text);
}

function failsBytes(values: u8[], pos: i32, msg: string): void {
  failsWith(parseJsonBytes(bytes(values)), pos, msg, "bytes " + values.join(","));
}

function num(text: string): f64 {
  const v = ok(text);
  expect(v.kind).toBe(JsonKind.Number, text);
  return v.asNumber();
}

function str(text: string): string {
  const v = ok(text);
  expect(v.kind).toBe(JsonKind.String, text);
  return v.asString()!;
}

function strBytes(values: u8[]): string {
  const r = parseJsonBytes(bytes(values));
  if (!r.ok) trace("unexpected error: " + r.error!.toString());
  expect(r.ok).toBe(true);
  return r.value!.asString()!;
}

/** Compact re-serialisation of text. */
function compact(text: string): string {
  return ok(text).toString();
}

function nest(n: i32): string {
  return "[".repeat(n) + "]".repeat(n);
}

// ---------------------------------------------------------------------------

describe("json: value kinds", () => {
  it("parses null, booleans, numbers and strings", () => {
    const n = ok("null");
    expect(n.kind).toBe(JsonKind.Null);
    expect(n.isNull()).toBe(true);
    expect(n.isBool()).toBe(false);

    const t = ok("true");
    expect(t.kind).toBe(JsonKind.Bool);
    expect(t.isBool()).toBe(true);
    expect(t.asBool()).toBe(true);

    const f = ok("false");
    expect(f.isBool()).toBe(true);
    expect(f.asBool()).toBe(false);

    const x = ok("42");
    expect(x.isNumber()).toBe(true);
    expect(x.asNumber()).toBe(42.0);

    const s = ok('"hi"');
    expect(s.isString()).toBe(true);
    expect(s.asString()).toBe("hi");
  });

  it("parses arrays and objects", () => {
    const a = ok("[1, \"two\", false]");
    expect(a.kind).toBe(JsonKind.Array);
    expect(a.isArray()).toBe(true);
    const items = a.asArray()!;
    expect(items.length).toBe(3);
    expect(items[0].asNumber()).toBe(1.0);
    expect(items[1].asString()).toBe("two");
    expect(items[2].isBool()).toBe(true);

    const o = ok('{"k": "v"}');
    expect(o.kind).toBe(JsonKind.Object);
    expect(o.isObject()).toBe(true);
    expect(o.asObject()!.size).toBe(1);
    expect(o.asObject()!.getString("k")).toBe("v");
  });

  it("parses empty containers and strings", () => {
    expect(ok("[]").asArray()!.length).toBe(0);
    expect(ok("{}").asObject()!.size).toBe(0);
    expect(ok(" [ ] ").asArray()!.length).toBe(0);
    expect(ok("{ \n}").asObject()!.size).toBe(0);
    expect(str('""')).toBe("");
    expect(ok('{"":""}').asObject()!.getString("")).toBe("");
    expect(ok('[""]').asArray()![0].asString()).toBe("");
  });

  it("accessors of the wrong kind return neutral values", () => {
    const s = ok('"1"');
    expect(isNaN(s.asNumber())).toBe(true);
    expect(s.asBool()).toBe(false);
    expect(s.asArray()).toBeNull();
    expect(s.asObject()).toBeNull();
    const n = ok("1");
    expect(n.asString()).toBeNull();
    expect(n.asBool()).toBe(false);
    expect(ok("null").asString()).toBeNull();
    expect(isNaN(ok("true").asNumber())).toBe(true);
    expect(ok("[]").asObject()).toBeNull();
    expect(ok("{}").asArray()).toBeNull();
  });

  it("accepts any value at top level with surrounding whitespace", () => {
    expect(num(" \t\r\n 7 \n")).toBe(7.0);
    expect(str('\n"x"\t')).toBe("x");
    expect(ok(" null ").isNull()).toBe(true);
  });
});

describe("json: structure", () => {
  it("navigates nested structures", () => {
    const v = ok('{"a":{"b":[1,[2,[3,{"c":null}]]]},"d":[]}');
    const a = v.asObject()!.getObject("a")!;
    const b = a.getArray("b")!;
    expect(b.length).toBe(2);
    expect(b[0].asNumber()).toBe(1.0);
    const inner = b[1].asArray()!;
    expect(inner[0].asNumber()).toBe(2.0);
    const deepest = inner[1].asArray()!;
    expect(deepest[0].asNumber()).toBe(3.0);
    expect(deepest[1].asObject()!.get("c")!.isNull()).toBe(true);
    expect(v.asObject()!.getArray("d")!.length).toBe(0);
  });

  it("keeps members in document order, duplicates included", () => {
    const o = ok('{"b":1,"a":2,"b":3,"c":{"x":1}}').asObject()!;
    expect(o.size).toBe(4);
    expect(o.keyAt(0)).toBe("b");
    expect(o.keyAt(1)).toBe("a");
    expect(o.keyAt(2)).toBe("b");
    expect(o.keyAt(3)).toBe("c");
    expect(o.valueAt(0).asNumber()).toBe(1.0);
    expect(o.valueAt(1).asNumber()).toBe(2.0);
    expect(o.valueAt(2).asNumber()).toBe(3.0);
    expect(o.valueAt(3).isObject()).toBe(true);
    // get() returns the last member with the key
    expect(o.get("b")!.asNumber()).toBe(3.0);
    expect(o.has("a")).toBe(true);
    expect(o.has("z")).toBe(false);
    expect(o.get("z")).toBeNull();
    expect(o.get("B")).toBeNull();
  });

  it("out-of-range member indexes give an empty key and a null value", () => {
    const o = ok('{"a":1}').asObject()!;
    expect(o.keyAt(1)).toBe("");
    expect(o.keyAt(-1)).toBe("");
    expect(o.valueAt(1).isNull()).toBe(true);
    expect(o.valueAt(-1).isNull()).toBe(true);
  });

  it("has typed convenience getters with fallbacks", () => {
    const o = ok('{"s":"str","n":2.5,"t":true,"f":false,"o":{"x":1},"a":[1],"z":null}').asObject()!;
    expect(o.getString("s")).toBe("str");
    expect(o.getString("n")).toBeNull();
    expect(o.getString("missing")).toBeNull();
    expect(o.getNumber("n", -1)).toBe(2.5);
    expect(o.getNumber("s", -1)).toBe(-1.0);
    expect(o.getNumber("missing", 9)).toBe(9.0);
    expect(o.getBool("t", false)).toBe(true);
    expect(o.getBool("f", true)).toBe(false);
    expect(o.getBool("z", true)).toBe(true);
    expect(o.getBool("missing", true)).toBe(true);
    expect(o.getObject("o")!.getNumber("x", 0)).toBe(1.0);
    expect(o.getObject("a")).toBeNull();
    expect(o.getArray("a")!.length).toBe(1);
    expect(o.getArray("o")).toBeNull();
    expect(o.getArray("missing")).toBeNull();
  });

  it("handles many elements and members", () => {
    let text = "[";
    for (let i = 0; i < 1000; i++) text += (i ? "," : "") + i.toString();
    text += "]";
    const a = ok(text).asArray()!;
    expect(a.length).toBe(1000);
    expect(a[999].asNumber()).toBe(999.0);

    let objText = "{";
    for (let i = 0; i < 300; i++) objText += (i ? "," : "") + '"k' + i.toString() + '":[' + i.toString() + "]";
    objText += "}";
    const o = ok(objText).asObject()!;
    expect(o.size).toBe(300);
    expect(o.keyAt(299)).toBe("k299");
    expect(o.get("k150")!.asArray()![0].asNumber()).toBe(150.0);
  });

  it("accepts nesting up to the depth limit", () => {
    expect(JSON_MAX_DEPTH).toBe(64);
    let v = ok(nest(64));
    let depth = 1;
    while (v.asArray()!.length) { v = v.asArray()![0]; depth++; }
    expect(depth).toBe(64);
    expect(ok('{"a":' + nest(63) + "}").isObject()).toBe(true);
  });
});

describe("json: strings", () => {
  it("decodes every simple escape", () => {
    const s = str('"\\"\\\\\\/\\b\\f\\n\\r\\t"');
    expect(s.length).toBe(8);
    expect(s.charCodeAt(0)).toBe(0x22);
    expect(s.charCodeAt(1)).toBe(0x5C);
    expect(s.charCodeAt(2)).toBe(0x2F);
    expect(s.charCodeAt(3)).toBe(0x08);
    expect(s.charCodeAt(4)).toBe(0x0C);
    expect(s.charCodeAt(5)).toBe(0x0A);
    expect(s.charCodeAt(6)).toBe(0x0D);
    expect(s.charCodeAt(7)).toBe(0x09);
    expect(str('"a\\nb"')).toBe("a\nb");
  });

  it("decodes \\u escapes, upper and lower case", () => {
    expect(str('"\\u0041\\u00e9\\u00E9\\u4e2d"')).toBe("Aéé中");
    expect(str('"\\u0000"').charCodeAt(0)).toBe(0);
    expect(str('"\\u001f"').charCodeAt(0)).toBe(0x1F);
    expect(str('"\\uFFFF"').charCodeAt(0)).toBe(0xFFFF);
  });

  it("combines surrogate pair escapes", () => {
    const s = str('"x\\ud83d\\ude00y"');
    expect(s.length).toBe(4);
    expect(s.codePointAt(1)).toBe(0x1F600);
    expect(s).toBe("x😀y");
    expect(str('"\\uD800\\uDC00"').codePointAt(0)).toBe(0x10000);
    expect(str('"\\uDBFF\\uDFFF"').codePointAt(0)).toBe(0x10FFFF);
  });

  it("rejects lone surrogate escapes", () => {
    fails('"\\ud83d"', 1, "lone surrogate");
    fails('"ab\\ude00"', 3, "lone surrogate");
    fails('"\\ud83dx"', 1, "lone surrogate");
    fails('"\\ud83d\\n"', 1, "lone surrogate");
    fails('"\\ud83d\\u0041"', 1, "lone surrogate");
    fails('"\\ud83d\\ud83d"', 1, "lone surrogate");
    fails('"\\ud83d\\uzzzz"', 7, "invalid \\u escape");
  });

  it("decodes raw 2-, 3- and 4-byte UTF-8", () => {
    expect(strBytes([0x22, 0xC3, 0xA9, 0x22])).toBe("é");
    expect(strBytes([0x22, 0xDF, 0xBF, 0x22]).charCodeAt(0)).toBe(0x7FF);
    expect(strBytes([0x22, 0xE4, 0xB8, 0xAD, 0x22])).toBe("中");
    expect(strBytes([0x22, 0xE0, 0xA0, 0x80, 0x22]).charCodeAt(0)).toBe(0x800);
    expect(strBytes([0x22, 0xEF, 0xBF, 0xBF, 0x22]).charCodeAt(0)).toBe(0xFFFF);
    expect(strBytes([0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22])).toBe("😀");
    expect(strBytes([0x22, 0xF0, 0x90, 0x80, 0x80, 0x22]).codePointAt(0)).toBe(0x10000);
    expect(strBytes([0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]).codePointAt(0)).toBe(0x10FFFF);
    expect(str('"aé中😀z"')).toBe("aé中😀z");
    expect(ok('{"clé":"välue"}').asObject()!.getString("clé")).toBe("välue");
  });

  it("rejects invalid UTF-8 at the first byte of the bad sequence", () => {
    failsBytes([0x22, 0x61, 0xFF, 0x22], 2, "invalid UTF-8");       // never valid
    failsBytes([0x22, 0x80, 0x22], 1, "invalid UTF-8");             // stray continuation
    failsBytes([0x22, 0xC0, 0x80, 0x22], 1, "invalid UTF-8");       // overlong NUL
    failsBytes([0x22, 0xC1, 0xBF, 0x22], 1, "invalid UTF-8");       // overlong
    failsBytes([0x22, 0xE0, 0x9F, 0xBF, 0x22], 1, "invalid UTF-8"); // overlong 3-byte
    failsBytes([0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], 1, "invalid UTF-8"); // overlong 4-byte
    failsBytes([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "invalid UTF-8"); // encoded surrogate
    failsBytes([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "invalid UTF-8"); // > U+10FFFF
    failsBytes([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1, "invalid UTF-8");
    failsBytes([0x22, 0x61, 0xC3, 0x22], 2, "invalid UTF-8");       // truncated by quote
    failsBytes([0x22, 0xE4, 0xB8, 0x41, 0x22], 1, "invalid UTF-8"); // bad continuation
    failsBytes([0x22, 0xF0, 0x9F, 0x98], 1, "invalid UTF-8");       // truncated at end
    failsBytes([0x5B, 0x22, 0x61, 0x22, 0x2C, 0x22, 0xFE, 0x22, 0x5D], 6, "invalid UTF-8");
  });

  it("rejects raw control characters", () => {
    fails('"a\nb"', 2, "control character in string");
    fails('"\t"', 1, "control character in string");
    fails('{"k\r":1}', 3, "control character in string");
    failsBytes([0x22, 0x00, 0x22], 1, "control character in string");
    failsBytes([0x22, 0x1F, 0x22], 1, "control character in string");
    expect(strBytes([0x22, 0x7F, 0x22]).charCodeAt(0)).toBe(0x7F); // DEL is allowed
  });

  it("rejects bad escapes", () => {
    fails('"\\x"', 1, "invalid escape");
    fails('"ab\\a"', 3, "invalid escape");
    fails('"\\\'"', 1, "invalid escape");
    fails('"\\U0041"', 1, "invalid escape");
    fails('"\\u12"', 1, "invalid \\u escape");
    fails('"\\u12G4"', 1, "invalid \\u escape");
    fails('"\\u-123"', 1, "invalid \\u escape");
    fails('"\\u', 1, "invalid \\u escape");
  });

  it("rejects unterminated strings at the opening quote", () => {
    fails('"abc', 0, "unterminated string");
    fails('"', 0, "unterminated string");
    fails('"abc\\', 0, "unterminated string");
    fails('"abc\\"', 0, "unterminated string");
    fails('{"a":"b', 5, "unterminated string");
    fails('["x", "y', 6, "unterminated string");
    fails('{"ab', 1, "unterminated string");
  });
});

describe("json: numbers", () => {
  it("parses integers, fractions and exponents", () => {
    expect(num("0")).toBe(0.0);
    expect(num("-12.25")).toBe(-12.25);
    expect(num("1e3")).toBe(1000.0);
    expect(num("1E3")).toBe(1000.0);
    expect(num("1e+3")).toBe(1000.0);
    expect(num("1.5E-2")).toBe(0.015);
    expect(num("2.5e-3")).toBe(0.0025);
    expect(num("0.1")).toBe(0.1);
    expect(num("0.000001")).toBe(0.000001);
    expect(num("123456789")).toBe(123456789.0);
    expect(num("-9007199254740991")).toBe(-9007199254740991.0);
    expect(num("10e-1")).toBe(1.0);
    expect(num("0e10")).toBe(0.0);
    expect(num("0.0e-5")).toBe(0.0);
    expect(num("100000000000000000000000")).toBe(1e23);
  });

  it("keeps the sign of negative zero", () => {
    const z = num("-0");
    expect(z).toBe(0.0);
    expect(1 / z).toBe(-Infinity);
    expect(1 / num("-0.0e7")).toBe(-Infinity);
    expect(1 / num("0")).toBe(Infinity);
  });

  it("rounds correctly", () => {
    expect(num("0.30000000000000004")).toBe(0.1 + 0.2);
    expect(num("0.3")).toBe(0.3);
    expect(num("9007199254740993")).toBe(9007199254740992.0); // tie, to even
    expect(num("9007199254740995")).toBe(9007199254740996.0);
    expect(num("3.141592653589793238462643383279")).toBe(Math.PI);
    expect(num("2.718281828459045")).toBe(Math.E);
    expect(num("123.456")).toBe(123.456);
    expect(num("1.7976931348623157e308")).toBe(f64.MAX_VALUE);
    expect(num("2.2250738585072014e-308")).toBe(f64.MIN_NORMAL_VALUE);
    expect(num("5e-324")).toBe(f64.MIN_VALUE);
    expect(num("4.9406564584124654e-324")).toBe(f64.MIN_VALUE);
    expect(num("1e-320")).toBe(reinterpret<f64>(<u64>2024)); // subnormal
    expect(num("12345678901234567890123")).toBe(1.2345678901234568e22);
    expect(num("0.1234567890123456789012345")).toBe(0.12345678901234568);
  });

  it("handles large and small exponents", () => {
    expect(num("1e22")).toBe(1e22);
    expect(num("1e23")).toBe(1e23);
    expect(num("1e100")).toBe(1e100);
    expect(num("1e300")).toBe(1e300);
    expect(num("1e308")).toBe(1e308);
    expect(num("-1.5e300")).toBe(-1.5e300);
    expect(num("1e-7")).toBe(1e-7);
    expect(num("1e-100")).toBe(1e-100);
    expect(num("1e-300")).toBe(1e-300);
    expect(num("1E-400")).toBe(0.0);
    expect(1 / num("-1e-400")).toBe(-Infinity);
    expect(num("0.00000000000000000000000000000000000001e38")).toBe(1.0);
    expect(num("1000000000000000000000000000000e-30")).toBe(1.0);
    expect(num("1e000000000000000000000000000000000001")).toBe(10.0);
  });

  it("reads values beyond the f64 range as infinities, like JSON.parse", () => {
    expect(num("1e309")).toBe(Infinity);
    expect(num("-1e400")).toBe(-Infinity);
    expect(num("1e99999999999")).toBe(Infinity);
    expect(num("1.8e308")).toBe(Infinity);
    expect(num("1.7976931348623157e308")).toBe(1.7976931348623157e308);
  });

  it("rejects numbers outside the grammar", () => {
    fails("01", 0, "leading zero");
    fails("-01", 1, "leading zero");
    fails("[00]", 1, "leading zero");
    fails("1.", 2, "expected digit");
    fails("1.e5", 2, "expected digit");
    fails("1e", 2, "expected digit");
    fails("1e+", 3, "expected digit");
    fails("1e-x", 3, "expected digit");
    fails("-", 1, "expected digit");
    fails("-a", 1, "expected digit");
    fails("-.5", 1, "expected digit");
    fails("+1", 0, "expected value");
    fails(".5", 0, "expected value");
    fails("NaN", 0, "expected value");
    fails("Infinity", 0, "expected value");
    fails("-Infinity", 1, "expected digit");
    fails("0x10", 1, "expected end of input");
    fails("1.5.2", 3, "expected end of input");
  });
});

describe("json: errors", () => {
  it("rejects empty documents", () => {
    fails("", 0, "empty document");
    fails(" \n\t\r ", 5, "empty document");
    failsWith(parseJsonBytes(new ArrayBuffer(0)), 0, "empty document", "empty buffer");
  });

  it("rejects trailing commas", () => {
    fails("[1,2,]", 4, "trailing comma");
    fails("[1, ]", 2, "trailing comma");
    fails('{"a":1,}', 6, "trailing comma");
    fails('{"a":1 , \n}', 7, "trailing comma");
  });

  it("rejects missing colons and commas", () => {
    fails('{"a" 1}', 5, "expected ':' after object key");
    fails('{"a"}', 4, "expected ':' after object key");
    fails('{"a"', 4, "expected ':' after object key");
    fails("[1 2]", 3, "expected ',' or ']'");
    fails("[1", 2, "expected ',' or ']'");
    fails('[1}', 2, "expected ',' or ']'");
    fails('{"a":1 "b":2}', 7, "expected ',' or '}'");
    fails('{"a":1]', 6, "expected ',' or '}'");
    fails('{"a":1', 6, "expected ',' or '}'");
  });

  it("rejects non-string keys", () => {
    fails("{a:1}", 1, "expected string key");
    fails("{'a':1}", 1, "expected string key");
    fails("{1:1}", 1, "expected string key");
    fails("{,}", 1, "expected string key");
    fails('{"a":1,,}', 7, "expected string key");
    fails("{", 1, "expected string key");
  });

  it("rejects missing values", () => {
    fails("[", 1, "expected value");
    fails("[1,", 3, "expected value");
    fails("[,1]", 1, "expected value");
    fails('{"a":}', 5, "expected value");
    fails('{"a":', 5, "expected value");
    fails("]", 0, "expected value");
    fails("'a'", 0, "expected value");
    fails("// comment\n1", 0, "expected value");
    fails("[1,/**/2]", 3, "expected value");
    fails("True", 0, "expected value");
    failsBytes([0x5B, 0x00, 0x5D], 1, "expected value");
    failsBytes([0xEF, 0xBB, 0xBF, 0x31], 0, "expected value"); // BOM is not skipped
  });

  it("rejects misspelt literals", () => {
    fails("tru", 0, "expected 'true'");
    fails("trUe", 0, "expected 'true'");
    fails("[nul]", 1, "expected 'null'");
    fails('{"a":fals}', 5, "expected 'false'");
    fails("f", 0, "expected 'false'");
    fails("nulll", 4, "expected end of input");
  });

  it("rejects trailing data", () => {
    fails("[1] x", 4, "expected end of input");
    fails("1 2", 2, "expected end of input");
    fails("{}}", 2, "expected end of input");
    fails('"a""b"', 3, "expected end of input");
    fails("truex", 4, "expected end of input");
    failsBytes([0x31, 0x20, 0x00], 2, "expected end of input");
  });

  it("rejects nesting deeper than the limit without overflowing", () => {
    fails(nest(65), 64, "nesting too deep");
    fails("[".repeat(100000), 64, "nesting too deep");
    fails('{"a":'.repeat(70), 64 * 5, "nesting too deep");
    // still usable afterwards
    expect(num("[1]".substring(1, 2))).toBe(1.0);
  });

  it("reports byte (not character) offsets", () => {
    fails('["é", x]', 7, "expected value");
    fails('"😀\u0001"', 5, "control character in string");
  });

  it("formats errors", () => {
    const r = parseJson('{"a":1,"bcd"2}');
    expect(r.ok).toBe(false);
    expect(r.error!.toString()).toBe("at byte 12: expected ':' after object key");
    expect(parseJson("").error!.toString()).toBe("at byte 0: empty document");
  });

  it("recovers between parses", () => {
    fails('[[[{"a":[1,', 11, "expected value");
    expect(compact("[1,[2]]")).toBe("[1,[2]]");
    fails("[1,2,]", 4, "trailing comma");
    expect(compact('{"a":[true]}')).toBe('{"a":[true]}');
  });
});

describe("json: entry points", () => {
  it("parses raw memory in place", () => {
    const buf = bytes([0x5B, 0x31, 0x2C, 0x32, 0x5D, 0x20, 0x78]); // "[1,2] x"
    const whole = parseJsonMemory(changetype<usize>(buf), 7);
    expect(whole.ok).toBe(false);
    expect(whole.error!.position).toBe(6);
    const prefix = parseJsonMemory(changetype<usize>(buf), 5);
    expect(prefix.ok).toBe(true);
    expect(prefix.value!.toString()).toBe("[1,2]");
    const inner = parseJsonMemory(changetype<usize>(buf) + 3, 1);
    expect(inner.value!.asNumber()).toBe(2.0);
    // numbers must not read past the end of the given range
    const cut = parseJsonMemory(changetype<usize>(buf) + 1, 1);
    expect(cut.value!.asNumber()).toBe(1.0);
    failsWith(parseJsonMemory(changetype<usize>(buf), 0), 0, "empty document", "len 0");
  });

  it("parses bytes and strings alike", () => {
    const a = parseJsonBytes(String.UTF8.encode('{"k":["v",1]}'));
    expect(a.ok).toBe(true);
    expect(a.value!.toString()).toBe('{"k":["v",1]}');
    expect(parseJson('{"k":["v",1]}').value!.toString()).toBe('{"k":["v",1]}');
  });

  it("shares the null, true and false values", () => {
    const a = ok("[true,true,false,false,null,null]").asArray()!;
    expect(a[0]).toBe(a[1]);
    expect(a[2]).toBe(a[3]);
    expect(a[4]).toBe(a[5]);
  });
});

describe("json: toString", () => {
  it("re-serialises compactly", () => {
    expect(compact(' { "a" : [ 1 , 2 , { } , [ ] ] , "b" : null , "c" : true , "d" : false } '))
      .toBe('{"a":[1,2,{},[]],"b":null,"c":true,"d":false}');
    expect(compact('{"b":1,"a":2,"b":3}')).toBe('{"b":1,"a":2,"b":3}');
    expect(ok('{"x":{"y":[1]}}').asObject()!.toString()).toBe('{"x":{"y":[1]}}');
  });

  it("formats numbers", () => {
    expect(compact("1e3")).toBe("1000");
    expect(compact("-0")).toBe("-0");
    expect(compact("0")).toBe("0");
    expect(compact("-12.25")).toBe("-12.25");
    expect(compact("1.5E-2")).toBe("0.015");
    expect(compact("0.1")).toBe("0.1");
    expect(compact("123456789012")).toBe("123456789012");
    expect(compact("1e21")).toBe("1e+21");
    expect(compact("1e300")).toBe("1e+300");
    expect(compact("1.5e-7")).toBe("1.5e-7");
  });

  it("escapes strings as needed", () => {
    expect(compact('"\\"\\\\\\/\\b\\f\\n\\r\\t"')).toBe('"\\"\\\\/\\b\\f\\n\\r\\t"');
    expect(compact('"\\u0001\\u001f\\u0000"')).toBe('"\\u0001\\u001f\\u0000"');
    expect(compact('"\\u00e9\\ud83d\\ude00"')).toBe('"é😀"');
    expect(compact('{"k\\"ey":"v"}')).toBe('{"k\\"ey":"v"}');
    expect(compact('"plain"')).toBe('"plain"');
  });

  it("round-trips through parse", () => {
    const docs = [
      '{"a":[1,2.5,-0.001,"x\\n\\u0002",true,null,{}],"é":{"😀":[[]]}}',
      '[1e+300,-1.5e-7,0,-0,123456789012345]',
      '"\\\\\\"\\t"',
    ];
    for (let i = 0; i < docs.length; i++) {
      const once = compact(docs[i]);
      expect(once).toBe(docs[i]);
      expect(compact(once)).toBe(once);
    }
  });
});

describe("toString of numbers beyond f64", () => {
  it("writes a JSON number that reads back as the same value, never Infinity", () => {
    expect(ok("1e999").asNumber()).toBe(Infinity);
    expect(compact("1e999")).toBe("1e999");
    expect(compact("-2.5e400")).toBe("-1e999");
    expect(compact('[123456789e305,1]')).toBe("[1e999,1]");
    expect(compact('{"a":-7e500}')).toBe('{"a":-1e999}');
    expect(ok(compact("-7e500")).asNumber()).toBe(-Infinity);
    expect(ok(compact("7e500")).asNumber()).toBe(Infinity);
  });

  it("still writes numbers within f64 as before", () => {
    expect(compact("[1e308,-0,0.5,12]")).toBe("[1e+308,-0,0.5,12]");
  });
});
