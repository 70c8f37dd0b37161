// A streaming scanner for e-mail addresses and payment card numbers in bytes.
// Hand-written rather than a regex: it must decide, at the end of every chunk,
// how many bytes are final and how many could still be the start of a match,
// and both limits below bound that tail. A regex answers "is there a match",
// not "could the bytes after the end still extend one".
//
// The rules, chosen so that every decision depends on a bounded window of
// bytes and so gives the same result however the body is split:
// - A card is a run of digits with single spaces or dashes between them that
//   neither starts nor ends next to a letter or digit, with 13 to 19 digits
//   and a valid Luhn check digit. Its digits are masked except the last
//   `keepLast`; the separators stay.
// - An e-mail address is a local part (up to 64 of `A-Z a-z 0-9 . _ % + -`
//   directly before the `@`, never reaching into an earlier match), an `@`,
//   and a domain of at least two labels (`A-Z a-z 0-9 -`, single dots between)
//   of at most 253 bytes whose last label is two or more letters. Every byte
//   but the `@` is masked.
// Masking replaces bytes one for one, so the body keeps its length.

export const LOCAL_MAX: i32 = 64;
export const DOMAIN_MAX: i32 = 253;
const CARD_MIN_DIGITS: i32 = 13;
const CARD_MAX_DIGITS: i32 = 19;
/** The longest tail a chunk can leave undecided: a local part, the `@`, a domain and its trailing dot. */
export const HOLD_MAX: i32 = LOCAL_MAX + 1 + DOMAIN_MAX + 1;

// @ts-ignore: decorator
@inline function isDigit(c: u32): bool { return c - 0x30 < 10; }
// @ts-ignore: decorator
@inline function isLetter(c: u32): bool { return ((c | 0x20) - 0x61) < 26; }
// @ts-ignore: decorator
@inline function isAlnum(c: u32): bool { return isDigit(c) || isLetter(c); }
// @ts-ignore: decorator
@inline function isSeparator(c: u32): bool { return c == 0x20 || c == 0x2D; }
function isLocal(c: u32): bool {
  return isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D;
}
// @ts-ignore: decorator
@inline function isLabel(c: u32): bool { return isAlnum(c) || c == 0x2D; }

/** Scans one window of the body and masks what it finds in place. */
export class Scanner {
  emails: bool = true;
  cards: bool = true;
  mask: u8 = 0x2A;
  keepLast: i32 = 4;
  /** Matches found by the last scan(). */
  emailsFound: i32 = 0;
  cardsFound: i32 = 0;

  // The window: `base` points at `length` bytes; the two bytes before it
  // (already sent) are kept in `before1` (nearest) and `before2`.
  private base: usize = 0;
  private length: i32 = 0;
  before1: u32 = 0;
  before2: u32 = 0;

  private at(i: i32): u32 {
    if (i >= 0) return <u32>load<u8>(this.base + <usize>i);
    return i == -1 ? this.before1 : this.before2;
  }

  /**
   * Masks every match in `length` bytes at `base` and returns how many
   * leading bytes are final. The rest (at most HOLD_MAX bytes) could still
   * become part of a match and must be scanned again with the next chunk;
   * with `last` set everything is final.
   */
  scan(base: usize, length: i32, last: bool): i32 {
    this.base = base;
    this.length = length;
    this.emailsFound = 0;
    this.cardsFound = 0;
    let floor = 0; // no match may start before the end of the previous one
    let cut = length;
    let i = 0;
    while (i < length) {
      const c = this.at(i);
      if (this.cards && isDigit(c) && this.cardStarts(i)) {
        const end = this.cardEnd(i);
        const digits = this.digitCount(i, end);
        if (!last && this.runsToEnd(end, true)) {
          if (digits <= CARD_MAX_DIGITS) { cut = i; break; }
          i = end; // too long to be a card, whatever follows
          continue;
        }
        if (digits >= CARD_MIN_DIGITS && digits <= CARD_MAX_DIGITS && (end == length || !isAlnum(this.at(end))) && this.luhn(i, end)) {
          this.maskCard(i, end, digits);
          this.cardsFound++;
          floor = end;
        }
        i = end;
        continue;
      }
      if (this.emails && c == 0x40) {
        let start = i;
        while (start > floor && i - start < LOCAL_MAX && isLocal(this.at(start - 1))) start--;
        if (start < i) {
          const end = this.domainEnd(i + 1);
          if (!last && this.runsToEnd(end, false)) {
            if (end - i - 1 <= DOMAIN_MAX) { cut = start; break; }
          } else if (this.validDomain(i + 1, end)) {
            this.maskEmail(start, end);
            this.emailsFound++;
            floor = end;
            i = end;
            continue;
          }
        }
      }
      i++;
    }
    if (last) return length;
    // A trailing run of local-part characters may yet be followed by an `@`.
    let tail = length;
    while (tail > floor && length - tail < LOCAL_MAX && isLocal(this.at(tail - 1))) tail--;
    return this.emails && tail < cut ? tail : cut;
  }

  /** A card starts at a digit that does not continue a letter, a digit or a separated run of digits. */
  private cardStarts(i: i32): bool {
    const b1 = this.at(i - 1);
    if (isAlnum(b1)) return false;
    return !(isSeparator(b1) && isDigit(this.at(i - 2)));
  }

  /** The end of the run of digits with single separators starting at i (after its last digit). */
  private cardEnd(i: i32): i32 {
    const length = this.length;
    let j = i + 1;
    while (j < length) {
      const c = this.at(j);
      if (isDigit(c)) j++;
      else if (isSeparator(c) && j + 1 < length && isDigit(this.at(j + 1))) j += 2;
      else break;
    }
    return j;
  }

  /** Whether a run ending at `end` could continue into the next chunk (through a separator or a dot). */
  private runsToEnd(end: i32, card: bool): bool {
    if (end == this.length) return true;
    if (end + 1 != this.length) return false;
    const c = this.at(end);
    return card ? isSeparator(c) : c == 0x2E || isLabel(c);
  }

  private digitCount(i: i32, end: i32): i32 {
    let n = 0;
    for (let j = i; j < end; j++) if (isDigit(this.at(j))) n++;
    return n;
  }

  private luhn(i: i32, end: i32): bool {
    let sum: u32 = 0;
    let double = false;
    for (let j = end - 1; j >= i; j--) {
      const c = this.at(j);
      if (!isDigit(c)) continue;
      let d = c - 0x30;
      if (double) { d <<= 1; if (d > 9) d -= 9; }
      sum += d;
      double = !double;
    }
    return sum % 10 == 0;
  }

  private maskCard(i: i32, end: i32, digits: i32): void {
    let toMask = digits - this.keepLast;
    for (let j = i; j < end && toMask > 0; j++) {
      if (isDigit(this.at(j))) { store<u8>(this.base + <usize>j, this.mask); toMask--; }
    }
  }

  /** The end of the labels after an `@` at `from - 1`: single dots between labels, a trailing dot left out. */
  private domainEnd(from: i32): i32 {
    const length = this.length;
    let j = from;
    while (j < length && isLabel(this.at(j))) {
      while (j < length && isLabel(this.at(j))) j++;
      if (j + 1 < length && this.at(j) == 0x2E && isLabel(this.at(j + 1))) j++;
      else break;
    }
    return j;
  }

  private validDomain(from: i32, end: i32): bool {
    if (end - from > DOMAIN_MAX || end <= from) return false;
    let dot = -1;
    for (let j = from; j < end; j++) if (this.at(j) == 0x2E) dot = j;
    if (dot < 0 || end - dot - 1 < 2) return false;
    for (let j = dot + 1; j < end; j++) if (!isLetter(this.at(j))) return false;
    return true;
  }

  private maskEmail(start: i32, end: i32): void {
    for (let j = start; j < end; j++) if (this.at(j) != 0x40) store<u8>(this.base + <usize>j, this.mask);
  }
}
