// Kinds are named only for values that were read: a hand-made JsonValue can
// never be read as an object, and the reader names the kind of a value only
// once the whole document is known to be valid JSON.
import { JsonKind, JsonReader } from "../json/reader";
import { JsonValue, parseJson } from "../json/value";

function reader(text: string): JsonReader {
  return new JsonReader(String.UTF8.encode(text));
}

/** What describeNext says at the top of `text`: the kind's words, or "invalid: <error>". */
function describeTop(text: string): string {
  const json = reader(text);
  const kind = json.describeNext();
  return kind !== null ? kind : "invalid: " + json.errorText();
}

/** What describeNext says about the value of the first member of the object `text`. */
function describeMember(text: string): string {
  const json = reader(text);
  json.beginObject();
  json.nextKey();
  const kind = json.describeNext();
  return kind !== null ? kind : "invalid: " + json.errorText();
}

describe("json values: checked kinds", () => {
  it("a value made with the Object kind but not by the reader is not an object", () => {
    expect(new JsonValue(JsonKind.Object).asObject()).toBeNull();
    expect(new JsonValue(JsonKind.Object).toString()).toBe("[]");
  });

  it("a value made with the Array or String kind and no content reads as none", () => {
    expect(new JsonValue(JsonKind.Array).asArray()).toBeNull();
    expect(new JsonValue(JsonKind.String).asString()).toBeNull();
  });

  it("objects the reader made are objects", () => {
    const parsed = parseJson('{"a": {"b": 1}}');
    const object = parsed.value!.asObject()!;
    expect(object.getObject("a")!.getNumber("b")).toBe(1.0);
    expect(parsed.value!.toString()).toBe('{"a":{"b":1}}');
  });
});

describe("json reader: describeNext names a kind only in a valid document", () => {
  it("names the kinds of valid documents", () => {
    expect(describeTop("null")).toBe("null");
    expect(describeTop(" true ")).toBe("a boolean");
    expect(describeTop("-1.5e3")).toBe("a number");
    expect(describeTop('"x"')).toBe("a string");
    expect(describeTop('[1, [2, {"a": [3]}], "x", null]')).toBe("an array");
    expect(describeTop('{"a": [1, {"b": false}]}')).toBe("an object");
  });

  it("reports a document that is not JSON with its position, never a kind", () => {
    expect(describeTop("not json")).toBe("invalid: at byte 0: expected 'null'");
    expect(describeTop("tru")).toBe("invalid: at byte 0: expected 'true'");
    expect(describeTop("-")).toBe("invalid: at byte 1: expected digit");
    expect(describeTop("01")).toBe("invalid: at byte 0: leading zero");
    expect(describeTop("1.")).toBe("invalid: at byte 2: expected digit");
    expect(describeTop("1e+")).toBe("invalid: at byte 3: expected digit");
    expect(describeTop('"abc')).toBe("invalid: at byte 0: unterminated string");
    expect(describeTop('"abc" x')).toBe("invalid: at byte 6: expected end of input");
    expect(describeTop("[1,")).toBe("invalid: at byte 3: expected value");
    expect(describeTop("[1, 2,]")).toBe("invalid: at byte 5: trailing comma");
    expect(describeTop('{"a": [1}')).toBe("invalid: at byte 8: expected ',' or ']'");
    expect(describeTop("")).toBe("invalid: at byte 0: empty document");
  });

  it("checks the rest of the document after a member's value", () => {
    expect(describeMember('{"a": 1, "b": "c"}')).toBe("a number");
    expect(describeMember('{"a": [true], "b": {}}')).toBe("an array");
    expect(describeMember('{"a": 1,}')).toBe("invalid: at byte 7: trailing comma");
    expect(describeMember('{"a": nul}')).toBe("invalid: at byte 6: expected 'null'");
    expect(describeMember('{"a": 1, "b": [1, }')).toBe("invalid: at byte 18: expected value");
    expect(describeMember('{"a": 1} x')).toBe("invalid: at byte 9: expected end of input");
  });

  it("a number's grammar and value agree after the split into checking and converting", () => {
    const json = reader("[0, -0.5, 12.25e2, 1E-2, 123456789012345678901234]");
    json.beginArray();
    json.nextItem();
    expect(json.readNumber()).toBe(0.0);
    json.nextItem();
    expect(json.readNumber()).toBe(-0.5);
    json.nextItem();
    expect(json.readNumber()).toBe(1225.0);
    json.nextItem();
    expect(json.readNumber()).toBe(0.01);
    json.nextItem();
    expect(json.readNumber()).toBe(1.2345678901234568e23);
    expect(json.nextItem()).toBe(false);
    expect(json.end()).toBe(true);
  });
});
