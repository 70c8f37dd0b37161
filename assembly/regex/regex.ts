// The public face of the regular-expression module (docs/regex.md):
// Regex.compile → RegexResult; matching on strings (UTF-16 positions) and on
// UTF-8 bytes (Uint8Array or ArrayBuffer, byte positions).
import { Compiler } from "./compile";
import { LazyDFA } from "./dfa";
import { decodeAt, decodedWidth } from "./input";
import { PikeVM } from "./pike";
import { Program } from "./program";
import { PIECE_AFTER, PIECE_BEFORE, PIECE_GROUP, PIECE_LITERAL, Template } from "./replace";
import { FLAG_DOT_ALL, FLAG_IGNORE_CASE, FLAG_MULTILINE, Parser } from "./syntax";

/** Default program size limit (the size Regex.programSize reports). */
export const DEFAULT_PROGRAM_LIMIT: i32 = 5000;

/** What Regex.compile gives: the Regex, or the reason it failed and where. */
export class RegexResult {
  constructor(
    /** The compiled expression; null when compiling failed. */
    public readonly regex: Regex | null,
    /** Why compiling failed; null when it succeeded. */
    public readonly error: string | null,
    /** Index in the pattern (UTF-16 code units) where the problem is; -1 for a bad flag or when it succeeded. */
    public readonly position: i32,
  ) {}

  get ok(): bool {
    return this.regex !== null;
  }
}

/** One match: the span of the whole match (group 0) and of each capture group. */
export class Match {
  constructor(
    private names: string[],
    private text: string | null,
    private bytes: Uint8Array | null,
    private slots: StaticArray<i32>,
  ) {}

  /** Start of the match: a UTF-16 index for strings, a byte offset for bytes. */
  get start(): i32 {
    return unchecked(this.slots[0]);
  }

  /** End of the match (exclusive). */
  get end(): i32 {
    return unchecked(this.slots[1]);
  }

  /** The matched text. */
  get value(): string {
    return this.group(0)!;
  }

  /** Number of groups, the whole match (group 0) included. */
  get groupCount(): i32 {
    return this.names.length;
  }

  /** Start of group `n`; -1 when the group did not take part in the match or does not exist. */
  groupStart(n: i32): i32 {
    return n >= 0 && n < this.names.length ? this.slots[n * 2] : -1;
  }

  /** End of group `n` (exclusive); -1 when the group did not take part in the match or does not exist. */
  groupEnd(n: i32): i32 {
    return n >= 0 && n < this.names.length ? this.slots[n * 2 + 1] : -1;
  }

  /** Text of group `n` (bytes are read as UTF-8); null when it did not take part or does not exist. */
  group(n: i32): string | null {
    const start = this.groupStart(n);
    if (start < 0) return null;
    const end = this.groupEnd(n);
    const text = this.text;
    if (text !== null) return text.substring(start, end);
    return String.UTF8.decodeUnsafe(this.bytes!.dataStart + <usize>start, <usize>(end - start));
  }

  /** Bytes of group `n` (a view of the input for bytes, UTF-8 for strings); null when it did not take part. */
  groupBytes(n: i32): Uint8Array | null {
    const start = this.groupStart(n);
    if (start < 0) return null;
    const end = this.groupEnd(n);
    const text = this.text;
    if (text !== null) return Uint8Array.wrap(String.UTF8.encode(text.substring(start, end)));
    return this.bytes!.subarray(start, end);
  }

  /** Number of the group called `name`; -1 when there is none. */
  groupIndex(name: string): i32 {
    return groupNamed(this.names, name);
  }

  /** Text of the group called `name`; null when there is no such group or it did not take part. */
  named(name: string): string | null {
    return this.group(this.groupIndex(name));
  }
}

function groupNamed(names: string[], name: string): i32 {
  if (name.length == 0) return -1;
  for (let i = 1; i < names.length; i++) if (names[i] == name) return i;
  return -1;
}

/** Growable byte output for replacements on bytes. */
class ByteSink {
  buffer: ArrayBuffer = new ArrayBuffer(0);
  length: i32 = 0;

  write(from: usize, count: i32): void {
    if (count <= 0) return;
    const needed = this.length + count;
    if (needed > this.buffer.byteLength) {
      const bigger = new ArrayBuffer(max(needed, max(this.buffer.byteLength * 2, 64)));
      memory.copy(changetype<usize>(bigger), changetype<usize>(this.buffer), <usize>this.length);
      this.buffer = bigger;
    }
    memory.copy(changetype<usize>(this.buffer) + <usize>this.length, from, <usize>count);
    this.length = needed;
  }

  take(): ArrayBuffer {
    return this.buffer.slice(0, this.length);
  }
}

/** A compiled regular expression. Matching never backtracks: time is O(program size × text length). */
export class Regex {
  private vm: PikeVM | null = null;
  private dfa: LazyDFA | null = null;

  /**
   * Compiles `pattern` with `flags` (any of "i" ignore case, "m" multiline
   * anchors, "s" `.` matches line terminators), allowing at most
   * `programLimit` instructions.
   */
  static compile(pattern: string, flags: string = "", programLimit: i32 = DEFAULT_PROGRAM_LIMIT): RegexResult {
    let bits = 0;
    for (let i = 0; i < flags.length; i++) {
      const c = flags.charCodeAt(i);
      const bit = c == 0x69 ? FLAG_IGNORE_CASE : c == 0x6d ? FLAG_MULTILINE : c == 0x73 ? FLAG_DOT_ALL : 0;
      if (bit == 0 || (bits & bit) != 0) {
        const reason: string = bit == 0 ? "unknown flag " : "repeated flag ";
        return new RegexResult(null, reason + flags.charAt(i), -1);
      }
      bits |= bit;
    }
    const parser = new Parser(pattern, bits);
    const root = parser.parse();
    if (root === null) return new RegexResult(null, parser.error, parser.position);
    const compiler = new Compiler(programLimit);
    const program = compiler.compile(root, parser.names);
    if (program === null) return new RegexResult(null, compiler.error, compiler.position);
    return new RegexResult(new Regex(pattern, flags, program), null, -1);
  }

  /** `text` with every character that has a meaning in a pattern escaped, so that it matches itself. */
  static escape(text: string): string {
    let out = "";
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \ ^ $ . | ? * + ( ) [ ] { } - /
      if (c == 0x5c || c == 0x5e || c == 0x24 || c == 0x2e || c == 0x7c || c == 0x3f || c == 0x2a || c == 0x2b ||
        c == 0x28 || c == 0x29 || c == 0x5b || c == 0x5d || c == 0x7b || c == 0x7d || c == 0x2d || c == 0x2f) {
        out += text.substring(from, i) + "\\";
        from = i;
      }
    }
    return from == 0 && out.length == 0 ? text : out + text.substring(from);
  }

  constructor(
    /** The pattern this was compiled from. */
    public readonly pattern: string,
    /** The flags it was compiled with. */
    public readonly flags: string,
    private program: Program,
  ) {}

  /** Number of groups, the whole match (group 0) included. */
  get groupCount(): i32 {
    return this.program.groupCount;
  }

  /** The program's size as the limit counts it: instructions, plus capture groups × character-consuming instructions. */
  get programSize(): i32 {
    return this.program.size;
  }

  /** Number of the group called `name`; -1 when there is none. */
  groupIndex(name: string): i32 {
    return groupNamed(this.program.names, name);
  }

  /** Whether the text (string, Uint8Array or ArrayBuffer) has a match at `from` or later. */
  test<T>(input: T, from: i32 = 0): bool {
    if (isNull<T>(input)) return false;
    const end = lengthOf<T>(input);
    if (from < 0 || from > end) return false;
    return this.anyMatch(baseOf<T>(input), end, isString<T>(), from);
  }

  /** The first (leftmost) match at `from` or later; null when there is none. */
  search<T>(input: T, from: i32 = 0): Match | null {
    if (isNull<T>(input)) return null;
    const end = lengthOf<T>(input);
    if (from < 0 || from > end) return null;
    const base = baseOf<T>(input);
    // The DFA says quickly when there is none; the Pike VM finds the match and its groups.
    if (!this.anyMatch(base, end, isString<T>(), from)) return null;
    if (!this.machine().run(base, end, isString<T>(), from, false, false, true)) return null;
    return this.matchOf<T>(input);
  }

  /** The match of the whole text; null when the whole text does not match. */
  fullMatch<T>(input: T): Match | null {
    if (isNull<T>(input)) return null;
    const end = lengthOf<T>(input);
    if (!this.machine().run(baseOf<T>(input), end, isString<T>(), 0, true, true, true)) return null;
    return this.matchOf<T>(input);
  }

  /** Every match, left to right, without overlaps; after an empty match the search resumes one code point later. */
  matchAll<T>(input: T): Match[] {
    const out: Match[] = [];
    if (isNull<T>(input)) return out;
    const base = baseOf<T>(input);
    const end = lengthOf<T>(input);
    const vm = this.machine();
    let from = this.anyMatch(base, end, isString<T>(), 0) ? 0 : end + 1;
    while (from <= end && vm.run(base, end, isString<T>(), from, false, false, true)) {
      out.push(this.matchOf<T>(input));
      from = resumeAt(vm.found, base, end, isString<T>());
    }
    return out;
  }

  /** The text with the first match replaced by `replacement` (see docs/regex.md for `$1`, `$<name>`…). */
  replace<T>(input: T, replacement: string): T {
    return this.replaceWith<T>(input, replacement, false);
  }

  /** The text with every match replaced by `replacement`. */
  replaceAll<T>(input: T, replacement: string): T {
    return this.replaceWith<T>(input, replacement, true);
  }

  private replaceWith<T>(input: T, replacement: string, all: bool): T {
    if (isNull<T>(input)) return input;
    const template = new Template(replacement, this.program.names);
    const base = baseOf<T>(input);
    const end = lengthOf<T>(input);
    const wide = isString<T>();
    const vm = this.machine();
    const found = vm.found;
    // Strings collect pieces and join once; bytes are copied into a growing buffer.
    const parts: string[] = [];
    const sink = new ByteSink();
    const literalBytes: ArrayBuffer[] = [];
    if (!wide) for (let i = 0; i < template.literals.length; i++) literalBytes.push(String.UTF8.encode(template.literals[i]));
    // A string with no match comes back as it is (strings cannot change; bytes are always a copy).
    const any = this.anyMatch(base, end, wide, 0);
    if (!any && wide) return input;
    let from = any ? 0 : end + 1;
    let copied = 0;
    while (from <= end && vm.run(base, end, wide, from, false, false, true)) {
      const start = unchecked(found[0]);
      const stop = unchecked(found[1]);
      appendSpan(parts, sink, wide, base, copied, start);
      for (let p = 0; p < template.kinds.length; p++) {
        const kind = template.kinds[p];
        const value = template.values[p];
        if (kind == PIECE_LITERAL) {
          if (wide) parts.push(template.literals[value]);
          else sink.write(changetype<usize>(literalBytes[value]), literalBytes[value].byteLength);
        } else if (kind == PIECE_GROUP) {
          if (value >= 0 && found[value * 2] >= 0) appendSpan(parts, sink, wide, base, found[value * 2], found[value * 2 + 1]);
        } else if (kind == PIECE_BEFORE) {
          appendSpan(parts, sink, wide, base, 0, start);
        } else if (kind == PIECE_AFTER) {
          appendSpan(parts, sink, wide, base, stop, end);
        }
      }
      copied = stop;
      if (!all) break;
      from = resumeAt(found, base, end, wide);
    }
    appendSpan(parts, sink, wide, base, copied, end);
    if (isString<T>()) {
      return changetype<T>(parts.join(""));
    } else if (idof<T>() == idof<ArrayBuffer>()) {
      return changetype<T>(sink.take());
    } else {
      return changetype<T>(Uint8Array.wrap(sink.take()));
    }
  }

  /** Whether there is a match at `from` or later: the DFA's answer, or the Pike VM's past the DFA's cache bound. */
  private anyMatch(base: usize, end: i32, wide: bool, from: i32): bool {
    let dfa = this.dfa;
    if (dfa === null) {
      dfa = new LazyDFA(this.program, this.machine());
      this.dfa = dfa;
    }
    const answer = dfa.run(base, end, wide, from);
    if (answer >= 0) return answer == 1;
    return this.machine().run(base, end, wide, from, false, false, false);
  }

  private machine(): PikeVM {
    let vm = this.vm;
    if (vm === null) {
      vm = new PikeVM(this.program);
      this.vm = vm;
    }
    return vm;
  }

  private matchOf<T>(input: T): Match {
    const found = this.machine().found;
    const slots = new StaticArray<i32>(found.length);
    for (let i = 0; i < found.length; i++) unchecked(slots[i] = found[i]);
    if (isString<T>()) {
      return new Match(this.program.names, changetype<string>(input), null, slots);
    } else if (idof<T>() == idof<ArrayBuffer>()) {
      return new Match(this.program.names, null, Uint8Array.wrap(changetype<ArrayBuffer>(input)), slots);
    } else {
      return new Match(this.program.names, null, changetype<Uint8Array>(input), slots);
    }
  }
}

/** Where the next search starts after a match: its end, or one code point further for an empty match. */
function resumeAt(found: StaticArray<i32>, base: usize, end: i32, wide: bool): i32 {
  const start = unchecked(found[0]);
  const stop = unchecked(found[1]);
  if (stop > start) return stop;
  if (stop >= end) return end + 1;
  decodeAt(base, stop, end, wide);
  return stop + decodedWidth;
}

function appendSpan(parts: string[], sink: ByteSink, wide: bool, base: usize, from: i32, to: i32): void {
  if (to <= from) return;
  if (wide) parts.push(String.UTF16.decodeUnsafe(base + (<usize>from << 1), <usize>(to - from) << 1));
  else sink.write(base + <usize>from, to - from);
}

// The three kinds of text: strings, Uint8Array and ArrayBuffer (other types do
// not compile). A nullable one may be null: null has no match.

// @ts-ignore: decorator
@inline function isNull<T>(input: T): bool {
  return isNullable<T>() && changetype<usize>(input) == 0;
}

// @ts-ignore: decorator
@inline function baseOf<T>(input: T): usize {
  if (isString<T>()) {
    return changetype<usize>(input);
  } else if (idof<T>() == idof<Uint8Array>()) {
    return changetype<Uint8Array>(input).dataStart;
  } else if (idof<T>() == idof<ArrayBuffer>()) {
    return changetype<usize>(input);
  } else {
    ERROR("regex input must be a string, a Uint8Array or an ArrayBuffer");
    return 0;
  }
}

// @ts-ignore: decorator
@inline function lengthOf<T>(input: T): i32 {
  if (isString<T>()) {
    return changetype<string>(input).length;
  } else if (idof<T>() == idof<Uint8Array>()) {
    return changetype<Uint8Array>(input).length;
  } else {
    return changetype<ArrayBuffer>(input).byteLength;
  }
}
