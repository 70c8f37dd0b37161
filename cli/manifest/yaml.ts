// YAML loading that remembers where every value came from, so that schema
// errors (which speak in JSON paths) can be reported as file:line:column.
import { EVENT_ID, SCALAR_STYLE, getScalarValue, load, parseEvents, YAMLException, type Event } from "js-yaml";

/** 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

export interface Located {
  /** Where the value starts. */
  value: Position;
  /** Where the key of a mapping entry starts (absent for the root and for sequence items). */
  key?: Position;
}

export interface LoadedYaml {
  file: string;
  data: unknown;
  /** JSON pointer ("" for the root, "/a/0/b") → position. */
  positions: Map<string, Located>;
}

/** A problem in a file, with the place it was found. */
export class FileError extends Error {
  constructor(
    readonly file: string,
    readonly position: Position,
    readonly problem: string,
  ) {
    super(`${file}:${position.line}:${position.column}: ${problem}`);
    this.name = "FileError";
  }
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function toPosition(starts: number[], offset: number): Position {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - starts[low] + 1 };
}

function eventStart(event: Event): number {
  const candidates: number[] = [];
  if (event.type === EVENT_ID.SCALAR) {
    // Point at the opening quote of a quoted scalar, not at its first character.
    const quoted = event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED;
    candidates.push(quoted && event.valueStart > 0 ? event.valueStart - 1 : event.valueStart);
  }
  if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) candidates.push(event.start);
  if ("anchorStart" in event) candidates.push(event.anchorStart);
  if ("tagStart" in event) candidates.push(event.tagStart);
  const real = candidates.filter((n) => n >= 0);
  return real.length > 0 ? Math.min(...real) : 0;
}

interface Frame {
  kind: "mapping" | "sequence";
  path: string;
  index: number;
  /** For mappings: the pending key, once read. */
  key: string | null;
  keyPosition: Position | null;
  /** Depth of a complex key being skipped (a key that is itself a collection). */
  skipping: number;
}

function mapPositions(text: string, events: Event[]): Map<string, Located> {
  const starts = lineStarts(text);
  const positions = new Map<string, Located>();
  const stack: Frame[] = [];
  let documents = 0;

  const place = (event: Event): string | null => {
    const position = toPosition(starts, eventStart(event));
    const top = stack[stack.length - 1];
    if (!top) {
      positions.set("", { value: position });
      return "";
    }
    if (top.kind === "sequence") {
      const path = `${top.path}/${top.index++}`;
      positions.set(path, { value: position });
      return path;
    }
    if (top.key === null) {
      // This node is a key.
      top.key = event.type === EVENT_ID.SCALAR ? getScalarValue(text, event) : "?";
      top.keyPosition = position;
      return null;
    }
    const path = `${top.path}/${pointerSegment(top.key)}`;
    positions.set(path, { value: position, key: top.keyPosition ?? undefined });
    top.key = null;
    top.keyPosition = null;
    return path;
  };

  for (const event of events) {
    const top = stack[stack.length - 1];
    if (top && top.skipping > 0) {
      if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) top.skipping++;
      else if (event.type === EVENT_ID.POP) top.skipping--;
      continue;
    }
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        documents++;
        stack.length = 0;
        break;
      case EVENT_ID.SCALAR:
      case EVENT_ID.ALIAS:
        place(event);
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const isKey = top !== undefined && top.kind === "mapping" && top.key === null;
        const path = place(event);
        if (isKey) {
          top.skipping = 1; // a collection used as a key: its content has no JSON path
          break;
        }
        stack.push({
          kind: event.type === EVENT_ID.MAPPING ? "mapping" : "sequence",
          path: path ?? "",
          index: 0,
          key: null,
          keyPosition: null,
          skipping: 0,
        });
        break;
      }
      case EVENT_ID.POP:
        stack.pop();
        break;
    }
  }
  void documents;
  return positions;
}

/**
 * Most values aliases may add to a document: a few aliases that refer to each other
 * ("billion laughs") would otherwise expand into billions of values.
 */
export const MAX_ALIAS_EXPANSION = 100_000;

function anchorName(text: string, start: number, end: number): string {
  return text.slice(start, end).replace(/^[&*]/, "");
}

/**
 * Rejects an alias that refers to the collection it sits in (a cycle) and aliases that
 * together expand to more than MAX_ALIAS_EXPANSION values, at the alias's place.
 */
function checkAliases(text: string, events: Event[], file: string): void {
  const starts = lineStarts(text);
  // Values each closed anchor stands for; open collections with their anchor and size so far.
  const sizes = new Map<string, number>();
  const open: Array<{ anchor: string | null; size: number }> = [];
  let expanded = 0;
  const add = (n: number) => {
    const top = open[open.length - 1];
    if (top) top.size += n;
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        open.length = 0;
        break;
      case EVENT_ID.SCALAR:
        if (event.anchorStart >= 0) sizes.set(anchorName(text, event.anchorStart, event.anchorEnd), 1);
        add(1);
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        open.push({ anchor: event.anchorStart >= 0 ? anchorName(text, event.anchorStart, event.anchorEnd) : null, size: 1 });
        break;
      case EVENT_ID.POP: {
        const closed = open.pop();
        if (!closed) break;
        if (closed.anchor !== null) sizes.set(closed.anchor, closed.size);
        add(closed.size);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = anchorName(text, event.anchorStart, event.anchorEnd);
        const at = toPosition(starts, text[event.anchorStart - 1] === "*" ? event.anchorStart - 1 : event.anchorStart);
        if (open.some((frame) => frame.anchor === name)) throw new FileError(file, at, `alias *${name} refers to a value that contains it (a cycle)`);
        const size = sizes.get(name) ?? 1;
        expanded += size;
        if (expanded > MAX_ALIAS_EXPANSION) {
          throw new FileError(file, at, `aliases expand to more than ${MAX_ALIAS_EXPANSION} values (the limit on alias expansion); write the values out instead`);
        }
        add(size);
        break;
      }
    }
  }
}

/**
 * Loads one YAML document (JSON is accepted too). Syntax errors, duplicate keys
 * and multi-document files become a FileError with the position.
 */
export function loadYaml(text: string, file: string): LoadedYaml {
  let data: unknown;
  let events: Event[];
  try {
    events = parseEvents(text, { filename: file });
    const documents = events.filter((e) => e.type === EVENT_ID.DOCUMENT).length;
    if (documents === 0) throw new FileError(file, { line: 1, column: 1 }, "the file is empty");
    if (documents > 1) {
      const lines = text.split("\n");
      const second = lines.findIndex((line, i) => i > 0 && /^---(\s|$)/.test(line));
      throw new FileError(file, { line: second >= 0 ? second + 1 : 1, column: 1 }, "expected one YAML document, found several");
    }
    checkAliases(text, events, file);
    data = load(text, { filename: file });
  } catch (error) {
    if (error instanceof FileError) throw error;
    if (error instanceof YAMLException) {
      const mark = error.mark;
      throw new FileError(file, { line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 }, `invalid YAML: ${error.reason}`);
    }
    throw error;
  }
  return { file, data, positions: mapPositions(text, events) };
}

/** The position of the value at `pointer`, or of its nearest ancestor. */
export function positionOf(loaded: LoadedYaml, pointer: string, prefer: "key" | "value" = "value"): Position {
  let path = pointer;
  for (;;) {
    const found = loaded.positions.get(path);
    if (found) return prefer === "key" && found.key ? found.key : found.value;
    if (path === "") return { line: 1, column: 1 };
    path = path.slice(0, path.lastIndexOf("/"));
  }
}
