// IPv4 and IPv6 addresses and CIDR ranges, parsed into 16 bytes (IPv4 as
// ::ffff:a.b.c.d) so one comparison serves both families.

/** An address or network in 16 bytes plus a prefix length (in bits of the 128). */
export class Cidr {
  constructor(public readonly bytes: Uint8Array, public readonly prefix: i32) {}

  contains(address: Uint8Array): bool {
    let bits = this.prefix;
    for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
      const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((address[i] & mask) != (this.bytes[i] & mask)) return false;
    }
    return true;
  }
}

function parseIPv4(text: string, out: Uint8Array, at: i32): bool {
  const parts = text.split(".");
  if (parts.length != 4) return false;
  for (let i = 0; i < 4; i++) {
    const part = parts[i];
    if (part.length == 0 || part.length > 3) return false;
    let value = 0;
    for (let j = 0; j < part.length; j++) {
      const c = part.charCodeAt(j) - 0x30;
      if (c < 0 || c > 9) return false;
      value = value * 10 + c;
    }
    if (value > 255 || (part.length > 1 && part.charCodeAt(0) == 0x30)) return false;
    out[at + i] = <u8>value;
  }
  return true;
}

function parseHexGroup(group: string): i32 {
  if (group.length == 0 || group.length > 4) return -1;
  let value = 0;
  for (let i = 0; i < group.length; i++) {
    const c = group.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
    if (digit < 0) return -1;
    value = (value << 4) | digit;
  }
  return value;
}

/** Parses an IPv4 or IPv6 address into 16 bytes; null when it is not one. */
export function parseAddress(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  if (text.indexOf(":") < 0) {
    out[10] = 0xff;
    out[11] = 0xff;
    return parseIPv4(text, out, 12) ? out : null;
  }
  // IPv6: up to one "::"; an embedded IPv4 tail takes the last two groups.
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0].length > 0 ? halves[0].split(":") : new Array<string>();
  const tail = halves.length == 2 && halves[1].length > 0 ? halves[1].split(":") : new Array<string>();
  const groups = new Array<i32>();
  const all = head.concat(tail);
  let tailIPv4 = false;
  for (let i = 0; i < all.length; i++) {
    const group = all[i];
    if (i == all.length - 1 && group.indexOf(".") >= 0) {
      const v4 = new Uint8Array(16);
      if (!parseIPv4(group, v4, 0)) return null;
      groups.push((<i32>v4[0] << 8) | v4[1]);
      groups.push((<i32>v4[2] << 8) | v4[3]);
      tailIPv4 = true;
      continue;
    }
    const value = parseHexGroup(group);
    if (value < 0) return null;
    groups.push(value);
  }
  const tailGroups = tail.length + (tailIPv4 && tail.length > 0 ? 1 : 0);
  const headGroups = groups.length - tailGroups;
  if (halves.length == 1 ? groups.length != 8 : groups.length > 7) return null;
  for (let i = 0; i < headGroups; i++) {
    out[i * 2] = <u8>(groups[i] >> 8);
    out[i * 2 + 1] = <u8>groups[i];
  }
  for (let i = 0; i < tailGroups; i++) {
    const slot = 8 - tailGroups + i;
    out[slot * 2] = <u8>(groups[headGroups + i] >> 8);
    out[slot * 2 + 1] = <u8>groups[headGroups + i];
  }
  return out;
}

/** Parses "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128); null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const address = parseAddress(slash >= 0 ? text.substring(0, slash) : text);
  if (address === null) return null;
  const v4 = text.indexOf(":") < 0;
  let prefix = v4 ? 32 : 128;
  if (slash >= 0) {
    const digits = text.substring(slash + 1);
    if (digits.length == 0 || digits.length > 3) return null;
    prefix = 0;
    for (let i = 0; i < digits.length; i++) {
      const c = digits.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) return null;
      prefix = prefix * 10 + c;
    }
    if (prefix > (v4 ? 32 : 128)) return null;
  }
  return new Cidr(address, v4 ? prefix + 96 : prefix);
}

/** The address part of Envoy's "ip:port" / "[ipv6]:port" socket address. */
export function hostOf(socketAddress: string): string {
  if (socketAddress.startsWith("[")) {
    const end = socketAddress.indexOf("]");
    return end > 0 ? socketAddress.substring(1, end) : socketAddress;
  }
  const colon = socketAddress.lastIndexOf(":");
  return colon > 0 && socketAddress.indexOf(":") == colon ? socketAddress.substring(0, colon) : socketAddress;
}
