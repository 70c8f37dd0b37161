// request-validation's configuration: routes chosen by path prefix and method, each with its
// content types, body size limit and required JSON fields (README.md, "Configuration").
import { ConfigReader, JsonKind, JsonObject, JsonValue, asciiLowerCase, describeJsonKind, log } from "proxy-wasm-as";

export const NAME = "request-validation";

const DEFAULT_MAX_BODY: f64 = 1048576;
const MAX_MAX_BODY: f64 = 67108864;

/** A field the JSON body must have: its path (object keys, or array indexes) and its kind. */
export class RequiredField {
  constructor(public path: string, public segments: string[], public kind: JsonKind) {}
}

export class Route {
  prefix: string = "/";
  /** Empty: every method. */
  methods: string[] = [];
  /** Media types, lower case; empty: any. */
  contentTypes: string[] = [];
  maxBody: f64 = DEFAULT_MAX_BODY;
  /** null: the body is not read as JSON. */
  required: RequiredField[] | null = null;

  appliesTo(path: string, method: string): bool {
    return path.startsWith(this.prefix) && (this.methods.length == 0 || this.methods.includes(method));
  }
}

function fail<T>(field: string, problem: string): T | null {
  log.critical(NAME + ": " + field + " " + problem);
  return null;
}

function kindNamed(name: string): i32 {
  if (name == "string") return JsonKind.String;
  if (name == "number") return JsonKind.Number;
  if (name == "bool") return JsonKind.Bool;
  if (name == "object") return JsonKind.Object;
  if (name == "array") return JsonKind.Array;
  return -1;
}

function stringList(value: JsonValue | null, field: string, lower: bool): string[] | null {
  const out: string[] = [];
  if (value === null) return out;
  const items = value.asArray();
  if (items === null) return fail<string[]>(field, "must be an array of strings");
  for (let i = 0; i < items.length; i++) {
    const s = items[i].asString();
    if (s === null || s.length == 0) return fail<string[]>(field + "[" + i.toString() + "]", "must be a non-empty string");
    out.push(lower ? asciiLowerCase(s) : s);
  }
  return out;
}

function readRequired(value: JsonValue, field: string): RequiredField[] | null {
  const object = value.asObject();
  if (object === null) return fail<RequiredField[]>(field, "must be an object of field path -> type");
  const out: RequiredField[] = [];
  for (let i = 0; i < object.size; i++) {
    const path = object.keyAt(i);
    const segments = path.split(".");
    if (segments.includes("")) return fail<RequiredField[]>(field, "has a bad field path \"" + path + "\" (an empty segment)");
    const typeName = object.valueAt(i).asString();
    const kind = typeName !== null ? kindNamed(typeName) : -1;
    if (kind < 0) {
      return fail<RequiredField[]>(field + ".\"" + path + "\"", "must be \"string\", \"number\", \"bool\", \"object\" or \"array\"");
    }
    out.push(new RequiredField(path, segments, <JsonKind>kind));
  }
  return out;
}

function readRoute(reader: ConfigReader, value: JsonValue, index: i32): Route | null {
  const field = "\"routes\"[" + index.toString() + "]";
  const object = reader.nested("routes[" + index.toString() + "]", value);
  if (object === null || !object.allowOnly("prefix, methods, content_types, max_body_bytes, required")) return null;
  const route = new Route();
  const prefix = object.string("prefix", route.prefix);
  if (!object.ok) return null;
  if (!prefix.startsWith("/")) return fail<Route>(field + ".prefix", "must be a string starting with '/'");
  route.prefix = prefix;
  const methods = stringList(object.value("methods"), field + ".methods", false);
  if (methods === null) return null;
  for (let i = 0; i < methods.length; i++) methods[i] = methods[i].toUpperCase();
  route.methods = methods;
  const types = stringList(object.value("content_types"), field + ".content_types", true);
  if (types === null) return null;
  route.contentTypes = types;
  const max = object.value("max_body_bytes");
  if (max !== null) {
    const n = max.asNumber();
    if (!(n >= 0 && n <= MAX_MAX_BODY) || n != Math.floor(n)) {
      return fail<Route>(field + ".max_body_bytes", "must be a whole number of bytes from 0 to 67108864");
    }
    route.maxBody = n;
  }
  const required = object.value("required");
  if (required !== null) {
    const fields = readRequired(required, field + ".required");
    if (fields === null) return null;
    route.required = fields;
  }
  return route;
}

export function readRoutes(config: JsonObject): Route[] | null {
  const reader = new ConfigReader(config, NAME);
  if (!reader.allowOnly("routes")) return null;
  const routes = config.getArray("routes");
  if (routes === null || routes.length == 0) return fail<Route[]>("\"routes\"", "must be a non-empty array of routes");
  const out: Route[] = [];
  for (let i = 0; i < routes.length; i++) {
    const route = readRoute(reader, routes[i], i);
    if (route === null) return null;
    out.push(route);
  }
  return out;
}

/** Why `body` does not have `field`, or null when it does. */
export function fieldProblem(body: JsonValue, field: RequiredField): string | null {
  let value: JsonValue | null = body;
  const segments = field.segments;
  for (let i = 0; i < segments.length && value !== null; i++) {
    const segment = unchecked(segments[i]);
    const object = value.asObject();
    if (object !== null) {
      value = object.get(segment);
      continue;
    }
    const items = value.asArray();
    const index = items !== null ? I32.parseInt(segment) : -1;
    value = items !== null && index >= 0 && index < items.length && index.toString() == segment ? items[index] : null;
  }
  if (value === null) return "missing field " + field.path;
  if (value.kind != field.kind) {
    return "field " + field.path + " must be " + describeJsonKind(field.kind) + ", not " + describeJsonKind(value.kind);
  }
  return null;
}
