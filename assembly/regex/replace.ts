// Replacement templates: `$1`…`$99`, `$<name>`, `$&`, `` $` ``, `$'` and `$$`,
// read the way JavaScript's String.prototype.replace reads them.

export const PIECE_LITERAL: i32 = 0;
export const PIECE_GROUP: i32 = 1;
export const PIECE_BEFORE: i32 = 2;
export const PIECE_AFTER: i32 = 3;

export class Template {
  /** PIECE_… of each piece. */
  kinds: i32[] = [];
  /** Group number (PIECE_GROUP) or index into `literals` (PIECE_LITERAL). */
  values: i32[] = [];
  literals: string[] = [];

  constructor(text: string, names: string[]) {
    const groups = names.length;
    let hasNames = false;
    for (let i = 1; i < groups; i++) if (names[i].length > 0) hasNames = true;
    let literalFrom = 0;
    let i = 0;
    const n = text.length;
    while (i < n) {
      if (text.charCodeAt(i) != 0x24 || i + 1 >= n) {
        i++;
        continue;
      }
      const c = text.charCodeAt(i + 1);
      let kind = -1, value = 0, width = 2;
      if (c == 0x24) {
        // `$$`: the literal up to and including one `$`.
        this.literal(text, literalFrom, i + 1);
        literalFrom = i + 2;
        i += 2;
        continue;
      } else if (c == 0x26) {
        kind = PIECE_GROUP;
      } else if (c == 0x60) {
        kind = PIECE_BEFORE;
      } else if (c == 0x27) {
        kind = PIECE_AFTER;
      } else if (c >= 0x30 && c <= 0x39) {
        const one = c - 0x30;
        const d = i + 2 < n ? text.charCodeAt(i + 2) : -1;
        const two = d >= 0x30 && d <= 0x39 ? one * 10 + d - 0x30 : -1;
        if (two >= 1 && two < groups) {
          kind = PIECE_GROUP;
          value = two;
          width = 3;
        } else if (one >= 1 && one < groups) {
          kind = PIECE_GROUP;
          value = one;
        }
      } else if (c == 0x3c && hasNames) {
        const close = text.indexOf(">", i + 2);
        if (close >= 0) {
          const name = text.substring(i + 2, close);
          kind = PIECE_GROUP;
          value = -1; // an unknown name expands to nothing
          for (let g = 1; g < groups; g++) if (names[g] == name) value = g;
          width = close + 1 - i;
        }
      }
      if (kind < 0) {
        i++;
        continue;
      }
      this.literal(text, literalFrom, i);
      this.kinds.push(kind);
      this.values.push(value);
      i += width;
      literalFrom = i;
    }
    this.literal(text, literalFrom, n);
  }

  private literal(text: string, from: i32, to: i32): void {
    if (to <= from) return;
    this.kinds.push(PIECE_LITERAL);
    this.values.push(this.literals.length);
    this.literals.push(text.substring(from, to));
  }
}
