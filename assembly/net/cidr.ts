// CIDR ranges over 16-byte addresses (see address.ts). See docs/crypto.md.
import { ParseError, formatAddress, isIPv4Mapped, parseAddress } from "./address";

/** A network: 16 address bytes with the host bits cleared, and a prefix length in bits of the 128. */
export class Cidr {
  constructor(public readonly bytes: Uint8Array, public readonly prefix: i32) {}

  /** True for an IPv4 range (held as ::ffff:a.b.c.d/96+n). */
  get isIPv4(): bool {
    return this.prefix >= 96 && isIPv4Mapped(this.bytes);
  }

  /** True when the 16-byte `address` (from parseAddress) lies in this range; false for any other length. */
  contains(address: Uint8Array): bool {
    if (address.length != 16) return false;
    let bits = this.prefix;
    for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
      const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((address[i] & mask) != this.bytes[i]) return false;
    }
    return true;
  }

  /** True when `text` is an address in this range; false when it is not an address. */
  containsText(text: string): bool {
    const address = parseAddress(text);
    return address !== null && this.contains(address);
  }

  /** "a.b.c.d/n" or "x::y/n". */
  toString(): string {
    const ipv4 = this.isIPv4;
    return formatAddress(this.bytes) + "/" + (ipv4 ? this.prefix - 96 : this.prefix).toString();
  }
}

/**
 * Parses "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128); null when malformed, with the
 * reason in `error`. Host bits below the prefix are cleared ("10.1.2.3/8" is 10.0.0.0/8), as Envoy does.
 */
export function parseCidr(text: string, error: ParseError | null = null): Cidr | null {
  const slash = text.indexOf("/");
  const address = parseAddress(slash >= 0 ? text.substring(0, slash) : text, error);
  if (address === null) return null;
  const ipv4 = text.substring(0, slash >= 0 ? slash : text.length).indexOf(":") < 0;
  const limit = ipv4 ? 32 : 128;
  let prefix = limit;
  if (slash >= 0) {
    const digits = text.substring(slash + 1);
    prefix = -1;
    if (digits.length > 0 && digits.length <= 3 && !(digits.length > 1 && digits.charCodeAt(0) == 0x30)) {
      prefix = 0;
      for (let i = 0; i < digits.length && prefix >= 0; i++) {
        const digit = digits.charCodeAt(i) - 0x30;
        prefix = digit < 0 || digit > 9 ? -1 : prefix * 10 + digit;
      }
    }
    if (prefix < 0 || prefix > limit) {
      if (error !== null) error.reason = "prefix length \"" + digits + "\" must be a number from 0 to " + limit.toString();
      return null;
    }
  }
  const bits = ipv4 ? prefix + 96 : prefix;
  for (let i = 0; i < 16; i++) {
    const keep = bits - i * 8;
    const mask: i32 = keep >= 8 ? 0xff : keep <= 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    address[i] = address[i] & <u8>mask;
  }
  return new Cidr(address, bits);
}

/** A list of ranges matched in order; built from configuration text. */
export class CidrList {
  readonly ranges: Cidr[] = [];

  /** Parses every entry; null on the first malformed one, with "<entry>: <reason>" in `error`. */
  static parse(texts: string[], error: ParseError | null = null): CidrList | null {
    const list = new CidrList();
    const problem = new ParseError();
    for (let i = 0; i < texts.length; i++) {
      const cidr = parseCidr(texts[i], problem);
      if (cidr === null) {
        if (error !== null) error.reason = "\"" + texts[i] + "\": " + problem.reason;
        return null;
      }
      list.ranges.push(cidr);
    }
    return list;
  }

  get length(): i32 {
    return this.ranges.length;
  }

  /** True when any range holds the 16-byte `address`. */
  contains(address: Uint8Array): bool {
    for (let i = 0; i < this.ranges.length; i++) if (this.ranges[i].contains(address)) return true;
    return false;
  }

  /** True when `text` is an address in any range; false when it is not an address. */
  containsText(text: string): bool {
    const address = parseAddress(text);
    return address !== null && this.contains(address);
  }
}
