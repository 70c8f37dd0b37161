import { JsonKind, JsonReader } from "../json/reader";

function reader(text: string): JsonReader {
  return new JsonReader(String.UTF8.encode(text));
}

describe("json reader: walking", () => {
  it("walks an object member by member", () => {
    const json = reader(' { "a" : "x", "b\\n": "y\\u00e9" } ');
    expect(json.beginObject()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.key).toBe("a");
    expect(json.readString()).toBe("x");
    expect(json.nextKey()).toBe(true);
    expect(json.key).toBe("b\n");
    expect(json.readString()).toBe("yé");
    expect(json.nextKey()).toBe(false);
    expect(json.failed).toBe(false);
    expect(json.end()).toBe(true);
  });

  it("walks arrays and reads every kind", () => {
    const json = reader('[1.5, -2e3, true, false, null, "s", [], {}]');
    expect(json.beginArray()).toBe(true);
    expect(json.nextItem()).toBe(true);
    expect(json.readNumber()).toBe(1.5);
    expect(json.nextItem()).toBe(true);
    expect(json.readNumber()).toBe(-2000.0);
    expect(json.nextItem()).toBe(true);
    expect(json.readBool()).toBe(true);
    expect(json.nextItem()).toBe(true);
    expect(json.kind()).toBe(JsonKind.Bool);
    expect(json.readBool()).toBe(false);
    expect(json.failed).toBe(false);
    expect(json.nextItem()).toBe(true);
    expect(json.readNull()).toBe(true);
    expect(json.nextItem()).toBe(true);
    expect(json.readString()).toBe("s");
    expect(json.nextItem()).toBe(true);
    expect(json.beginArray()).toBe(true);
    expect(json.nextItem()).toBe(false);
    expect(json.nextItem()).toBe(true);
    expect(json.beginObject()).toBe(true);
    expect(json.nextKey()).toBe(false);
    expect(json.nextItem()).toBe(false);
    expect(json.end()).toBe(true);
  });

  it("a read of the wrong kind fails softly and leaves the value to read", () => {
    const json = reader('{"n": 42}');
    expect(json.beginArray()).toBe(false);
    expect(json.failed).toBe(false);
    expect(json.kind()).toBe(JsonKind.Object);
    expect(json.beginObject()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.readString()).toBeNull();
    expect(json.readNull()).toBe(false);
    expect(json.failed).toBe(false);
    expect(json.kind()).toBe(JsonKind.Number);
    expect(json.readNumber()).toBe(42.0);
    expect(json.nextKey()).toBe(false);
    expect(json.end()).toBe(true);
  });

  it("skips values of any shape, validating them", () => {
    const json = reader('{"skip": {"a": [1, {"b": null}, "x"], "c": -0.5e-3}, "keep": "k"}');
    expect(json.beginObject()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.skip()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.key).toBe("keep");
    expect(json.readString()).toBe("k");
    expect(json.nextKey()).toBe(false);
    expect(json.end()).toBe(true);

    const bad = reader('[{"a": [1, 01]}]');
    expect(bad.skip()).toBe(false);
    expect(bad.error!.toString()).toBe("at byte 11: leading zero");
  });
});

describe("json reader: errors", () => {
  it("stops at the first syntax error; every later call returns nothing", () => {
    const json = reader('{"a": "x" "b": "y"}');
    expect(json.beginObject()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.readString()).toBe("x");
    expect(json.nextKey()).toBe(false);
    expect(json.failed).toBe(true);
    expect(json.error!.position).toBe(10);
    expect(json.error!.message).toBe("expected ',' or '}'");
    expect(json.nextKey()).toBe(false);
    expect(json.readString()).toBeNull();
    expect(json.kind()).toBe(-1);
    expect(json.end()).toBe(false);
    expect(json.error!.position).toBe(10);
  });

  it("reports trailing data, empty documents and deep nesting", () => {
    const trailing = reader('"a" x');
    expect(trailing.readString()).toBe("a");
    expect(trailing.end()).toBe(false);
    expect(trailing.error!.toString()).toBe("at byte 4: expected end of input");

    const empty = reader("  ");
    expect(empty.beginObject()).toBe(false);
    expect(empty.error!.toString()).toBe("at byte 2: empty document");

    const deep = reader("[".repeat(70));
    let opened = 0;
    while (deep.beginArray() && deep.nextItem()) opened++;
    expect(opened).toBe(64);
    expect(deep.error!.toString()).toBe("at byte 64: nesting too deep");
  });

  it("a wrong kind at the top is not an error; end() then fails on what is left", () => {
    const json = reader("[1]");
    expect(json.beginObject()).toBe(false);
    expect(json.failed).toBe(false);
    expect(json.kind()).toBe(JsonKind.Array);
    expect(json.end()).toBe(false);
    expect(json.error!.toString()).toBe("at byte 0: expected end of input");
  });

  it("reads raw memory in place", () => {
    const bytes = String.UTF8.encode('{"k":"v"} trailing');
    const json = JsonReader.inMemory(changetype<usize>(bytes), 9);
    expect(json.beginObject()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.readString()).toBe("v");
    expect(json.nextKey()).toBe(false);
    expect(json.end()).toBe(true);
  });
});

describe("json reader: checkWhole", () => {
  it("checks a valid document and reads it again from the start", () => {
    const json = reader('{"a": [1, {"b": true}], "c": "x"}');
    expect(json.checkWhole()).toBe(true);
    expect(json.beginObject()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.key).toBe("a");
    expect(json.skip()).toBe(true);
    expect(json.nextKey()).toBe(true);
    expect(json.readString()).toBe("x");
    expect(json.nextKey()).toBe(false);
    expect(json.end()).toBe(true);
  });

  it("refuses a document that breaks after a valid start, with the error's position", () => {
    const json = reader('{"a": 1, "b": nul}');
    expect(json.checkWhole()).toBe(false);
    expect(json.failed).toBe(true);
    expect(json.errorText().startsWith("at byte 14")).toBe(true);
  });

  it("refuses text after the value", () => {
    expect(reader("[] x").checkWhole()).toBe(false);
  });
});
