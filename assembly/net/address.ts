// IPv4 and IPv6 addresses as 16 bytes, IPv4 held as IPv4-mapped IPv6
// (::ffff:a.b.c.d), so one comparison serves both families and a mapped
// address from a dual-stack socket matches an IPv4 range. See docs/crypto.md.

/** Why a parse failed; pass one to a parser to learn the reason. */
export class ParseError {
  reason: string = "";
}

function fail(error: ParseError | null, reason: string): void {
  if (error !== null) error.reason = reason;
}

/** The value of a decimal field of 1–`maxDigits` digits without leading zeros, or -1. */
function decimal(text: string, start: i32, end: i32, maxDigits: i32): i32 {
  const length = end - start;
  if (length == 0 || length > maxDigits) return -1;
  if (length > 1 && text.charCodeAt(start) == 0x30) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Parses a dotted quad between start and end into out[at..at+4]. */
function parseIPv4(text: string, start: i32, end: i32, out: Uint8Array, at: i32, error: ParseError | null): bool {
  let field = 0;
  let fieldStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) != 0x2e) continue;
    if (field == 4) {
      fail(error, "an IPv4 address has four dot-separated parts");
      return false;
    }
    const value = decimal(text, fieldStart, i, 3);
    if (value < 0 || value > 255) {
      fail(error, "IPv4 part \"" + text.substring(fieldStart, i) + "\" is not a number from 0 to 255 without leading zeros");
      return false;
    }
    out[at + field++] = <u8>value;
    fieldStart = i + 1;
  }
  if (field != 4) {
    fail(error, "an IPv4 address has four dot-separated parts");
    return false;
  }
  return true;
}

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** Parses IPv6 text (RFC 4291 §2.2: groups, one "::", an optional IPv4 tail) into out. */
function parseIPv6(text: string, out: Uint8Array, error: ParseError | null): bool {
  const length = text.length;
  if (text.indexOf("%") >= 0) {
    fail(error, "IPv6 zone indexes (%…) are not supported");
    return false;
  }
  const groups = new StaticArray<i32>(8);
  let count = 0;
  let gap = -1; // index in groups where "::" stands
  let i = 0;
  if (text.startsWith("::")) {
    gap = 0;
    i = 2;
  } else if (text.startsWith(":")) {
    fail(error, "an IPv6 address cannot start with a single ':'");
    return false;
  }
  while (i < length) {
    let end = i;
    while (end < length && text.charCodeAt(end) != 0x3a) end++;
    const piece = text.substring(i, end);
    if (piece.indexOf(".") >= 0) {
      // An IPv4 tail fills the last two groups and must end the text.
      if (end != length || count > 6) {
        fail(error, "an embedded IPv4 address must be the last 32 bits");
        return false;
      }
      const v4 = new Uint8Array(4);
      if (!parseIPv4(text, i, end, v4, 0, error)) return false;
      groups[count++] = (<i32>v4[0] << 8) | v4[1];
      groups[count++] = (<i32>v4[2] << 8) | v4[3];
      i = end;
      break;
    }
    if (piece.length == 0 || piece.length > 4) {
      fail(error, "IPv6 group \"" + piece + "\" must have one to four hex digits");
      return false;
    }
    let value = 0;
    for (let j = 0; j < piece.length; j++) {
      const digit = hexDigit(piece.charCodeAt(j));
      if (digit < 0) {
        fail(error, "IPv6 group \"" + piece + "\" is not hexadecimal");
        return false;
      }
      value = (value << 4) | digit;
    }
    if (count == 8) {
      fail(error, "an IPv6 address has at most eight groups");
      return false;
    }
    groups[count++] = value;
    i = end;
    if (i < length) {
      i++; // the ':'
      if (i < length && text.charCodeAt(i) == 0x3a) {
        if (gap >= 0) {
          fail(error, "an IPv6 address can use \"::\" only once");
          return false;
        }
        gap = count;
        i++;
      } else if (i == length) {
        fail(error, "an IPv6 address cannot end with a single ':'");
        return false;
      }
    }
  }
  if (gap < 0 ? count != 8 : count > 7) {
    fail(error, gap < 0 ? "an IPv6 address without \"::\" has eight groups" : "\"::\" must stand for at least one group");
    return false;
  }
  // Groups after the gap go to the end; the gap is zeros.
  const tail = gap < 0 ? 0 : count - gap;
  for (let g = 0; g < count; g++) {
    const slot = gap >= 0 && g >= gap ? 8 - tail + (g - gap) : g;
    out[slot << 1] = <u8>(groups[g] >> 8);
    out[(slot << 1) + 1] = <u8>groups[g];
  }
  return true;
}

/** Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as ::ffff:a.b.c.d); null when malformed. */
export function parseAddress(text: string, error: ParseError | null = null): Uint8Array | null {
  const out = new Uint8Array(16);
  if (text.length == 0) {
    fail(error, "empty address");
    return null;
  }
  if (text.indexOf(":") < 0) {
    out[10] = 0xff;
    out[11] = 0xff;
    return parseIPv4(text, 0, text.length, out, 12, error) ? out : null;
  }
  return parseIPv6(text, out, error) ? out : null;
}

/** True when 16 address bytes are an IPv4-mapped address. */
export function isIPv4Mapped(address: Uint8Array): bool {
  for (let i = 0; i < 10; i++) if (address[i] != 0) return false;
  return address[10] == 0xff && address[11] == 0xff;
}

/** Dotted quad for IPv4-mapped bytes, RFC 5952 text (longest zero run as "::") otherwise. */
export function formatAddress(address: Uint8Array): string {
  if (isIPv4Mapped(address)) {
    return address[12].toString() + "." + address[13].toString() + "." + address[14].toString() + "." + address[15].toString();
  }
  let bestStart = -1, bestLength = 1; // a single zero group is not compressed
  for (let g = 0; g < 8; ) {
    let end = g;
    while (end < 8 && address[end << 1] == 0 && address[(end << 1) + 1] == 0) end++;
    if (end - g > bestLength) {
      bestStart = g;
      bestLength = end - g;
    }
    g = end > g ? end : g + 1;
  }
  let text = "";
  for (let g = 0; g < 8; g++) {
    if (g == bestStart) {
      text += "::";
      g += bestLength - 1;
      continue;
    }
    if (g > 0 && g != bestStart + bestLength) text += ":";
    text += ((<u32>address[g << 1] << 8) | address[(g << 1) + 1]).toString(16);
  }
  return text;
}

/** The address part of Envoy's "ip:port" / "[ipv6]:port" socket address text. */
export function hostOf(socketAddress: string): string {
  if (socketAddress.startsWith("[")) {
    const end = socketAddress.indexOf("]");
    return end > 0 ? socketAddress.substring(1, end) : socketAddress;
  }
  const colon = socketAddress.lastIndexOf(":");
  return colon > 0 && socketAddress.indexOf(":") == colon ? socketAddress.substring(0, colon) : socketAddress;
}
