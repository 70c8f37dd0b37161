import { CidrList, ParseError, formatAddress, hostOf, parseAddress, parseCidr } from "../index";
import { hex } from "../../encoding";

function contains(cidr: string, address: string): bool {
  const range = parseCidr(cidr);
  const parsed = parseAddress(address);
  if (range === null || parsed === null) return false;
  return range.contains(parsed);
}

function bytesOf(address: string): string {
  const parsed = parseAddress(address);
  return parsed === null ? "<null>" : hex.encode(parsed);
}

function reasonFor(text: string): string {
  const error = new ParseError();
  return parseCidr(text, error) === null ? error.reason : "<parsed>";
}

describe("parseAddress", () => {
  it("parses IPv4 and rejects malformed ones", () => {
    expect(bytesOf("192.0.2.7")).toBe("00000000000000000000ffffc0000207");
    expect(bytesOf("0.0.0.0")).toBe("00000000000000000000ffff00000000");
    expect(parseAddress("192.0.2")).toBeNull();
    expect(parseAddress("192.0.2.7.1")).toBeNull();
    expect(parseAddress("192.0.2.256")).toBeNull();
    expect(parseAddress("192.0.2.07")).toBeNull();
    expect(parseAddress("192.0..7")).toBeNull();
    expect(parseAddress("192.0.2.7.")).toBeNull();
    expect(parseAddress("a.b.c.d")).toBeNull();
    expect(parseAddress("")).toBeNull();
    expect(parseAddress(" 192.0.2.7")).toBeNull();
  });

  it("parses IPv6 forms, with \"::\" anywhere", () => {
    expect(bytesOf("2001:db8::1")).toBe("20010db8000000000000000000000001");
    expect(bytesOf("::1")).toBe("00000000000000000000000000000001");
    expect(bytesOf("::")).toBe("00000000000000000000000000000000");
    expect(bytesOf("1::")).toBe("00010000000000000000000000000000");
    expect(bytesOf("1:2:3:4:5:6:7:8")).toBe("00010002000300040005000600070008");
    expect(bytesOf("1:2:3:4:5:6:7::")).toBe("00010002000300040005000600070000");
    expect(bytesOf("::2:3:4:5:6:7:8")).toBe("00000002000300040005000600070008");
    expect(bytesOf("1:2::7:8")).toBe("00010002000000000000000000070008");
    expect(bytesOf("ABCD:ef01::")).toBe("abcdef01000000000000000000000000");
  });

  it("reads IPv4-mapped and embedded IPv4 forms", () => {
    expect(bytesOf("::ffff:192.0.2.7")).toBe(bytesOf("192.0.2.7"));
    expect(bytesOf("::ffff:c000:207")).toBe(bytesOf("192.0.2.7"));
    expect(bytesOf("64:ff9b::192.0.2.33")).toBe("0064ff9b0000000000000000c0000221");
    expect(bytesOf("1:2:3:4:5:6:1.2.3.4")).toBe("00010002000300040005000601020304");
    expect(parseAddress("1:2:3:4:5:6:7:1.2.3.4")).toBeNull();
    expect(parseAddress("::1.2.3.4:5")).toBeNull();
    expect(parseAddress("::ffff:1.2.3")).toBeNull();
  });

  it("rejects malformed IPv6", () => {
    expect(parseAddress("1:2:3:4:5:6:7")).toBeNull();
    expect(parseAddress("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(parseAddress("1:2:3:4:5:6:7:8::")).toBeNull();
    expect(parseAddress("::1:2:3:4:5:6:7:8")).toBeNull();
    expect(parseAddress("1::2::3")).toBeNull();
    expect(parseAddress(":::")).toBeNull();
    expect(parseAddress(":1::")).toBeNull();
    expect(parseAddress("1:")).toBeNull();
    expect(parseAddress("12345::1")).toBeNull();
    expect(parseAddress("g::1")).toBeNull();
    expect(parseAddress("fe80::1%eth0")).toBeNull();
    expect(parseAddress("[::1]")).toBeNull();
  });

  it("formats addresses back (RFC 5952 for IPv6)", () => {
    expect(formatAddress(parseAddress("192.0.2.7")!)).toBe("192.0.2.7");
    expect(formatAddress(parseAddress("2001:0db8:0000:0000:0000:0000:0000:0001")!)).toBe("2001:db8::1");
    expect(formatAddress(parseAddress("2001:db8:0:1:0:0:0:1")!)).toBe("2001:db8:0:1::1");
    expect(formatAddress(parseAddress("2001:db8:0:1:1:1:1:1")!)).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatAddress(parseAddress("::")!)).toBe("::");
    expect(formatAddress(parseAddress("::1")!)).toBe("::1");
    expect(formatAddress(parseAddress("1::")!)).toBe("1::");
  });
});

describe("parseCidr", () => {
  it("matches IPv4 ranges", () => {
    expect(contains("10.0.0.0/8", "10.200.3.4")).toBe(true);
    expect(contains("10.0.0.0/8", "11.0.0.1")).toBe(false);
    expect(contains("192.0.2.0/25", "192.0.2.127")).toBe(true);
    expect(contains("192.0.2.0/25", "192.0.2.128")).toBe(false);
    expect(contains("0.0.0.0/0", "203.0.113.9")).toBe(true);
    expect(contains("192.0.2.7", "192.0.2.7")).toBe(true);
    expect(contains("192.0.2.7", "192.0.2.8")).toBe(false);
    expect(contains("192.0.2.7/32", "192.0.2.7")).toBe(true);
  });

  it("matches IPv6 ranges and keeps the families apart", () => {
    expect(contains("2001:db8::/32", "2001:db8:ffff::1")).toBe(true);
    expect(contains("2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(contains("2001:db8::/33", "2001:db8:7fff::1")).toBe(true);
    expect(contains("2001:db8::/33", "2001:db8:8000::1")).toBe(false);
    expect(contains("::1/128", "::1")).toBe(true);
    expect(contains("::1/128", "::2")).toBe(false);
    expect(contains("0.0.0.0/0", "2001:db8::1")).toBe(false);
    expect(contains("::ffff:10.0.0.0/104", "10.1.2.3")).toBe(true);
  });

  it("never matches (or traps on) bytes that are not a 16-byte address", () => {
    expect(parseCidr("0.0.0.0/0")!.contains(new Uint8Array(4))).toBe(false);
    expect(parseCidr("::/0")!.contains(new Uint8Array(0))).toBe(false);
    expect(parseCidr("::/0")!.contains(new Uint8Array(16))).toBe(true);
  });

  it("matches IPv4-mapped IPv6 addresses against IPv4 ranges", () => {
    expect(contains("10.0.0.0/8", "::ffff:10.9.8.7")).toBe(true);
    expect(contains("10.0.0.0/8", "::ffff:11.9.8.7")).toBe(false);
  });

  it("clears host bits and prints the network", () => {
    expect(parseCidr("10.1.2.3/8")!.toString()).toBe("10.0.0.0/8");
    expect(parseCidr("2001:db8::1/32")!.toString()).toBe("2001:db8::/32");
    expect(parseCidr("192.0.2.7")!.toString()).toBe("192.0.2.7/32");
    expect(parseCidr("192.0.2.7")!.isIPv4).toBe(true);
    expect(parseCidr("::1")!.isIPv4).toBe(false);
    expect(contains("10.1.2.3/8", "10.9.9.9")).toBe(true);
  });

  it("rejects bad prefixes with a reason", () => {
    expect(parseCidr("10.0.0.0/33")).toBeNull();
    expect(parseCidr("::/129")).toBeNull();
    expect(parseCidr("10.0.0.0/")).toBeNull();
    expect(parseCidr("10.0.0.0/x")).toBeNull();
    expect(parseCidr("10.0.0.0/08")).toBeNull();
    expect(parseCidr("10.0.0.0/-1")).toBeNull();
    expect(parseCidr("10.0.0.0/8/8")).toBeNull();
    expect(reasonFor("10.0.0.0/33")).toBe("prefix length \"33\" must be a number from 0 to 32");
    expect(reasonFor("::/200")).toBe("prefix length \"200\" must be a number from 0 to 128");
    expect(reasonFor("10.0.0.256/8")).toBe("IPv4 part \"256\" is not a number from 0 to 255 without leading zeros");
    expect(reasonFor("10.0.0/8")).toBe("an IPv4 address has four dot-separated parts");
    expect(reasonFor("1::2::3/64")).toBe("an IPv6 address can use \"::\" only once");
    expect(reasonFor("1:2:3/64")).toBe("an IPv6 address without \"::\" has eight groups");
    expect(reasonFor("fe80::1%eth0/64")).toBe("IPv6 zone indexes (%…) are not supported");
    expect(reasonFor("12345::/16")).toBe("IPv6 group \"12345\" must have one to four hex digits");
    expect(reasonFor("10.0.0.0/8")).toBe("<parsed>");
  });
});

describe("CidrList", () => {
  it("matches any range and reports the first bad entry", () => {
    const list = CidrList.parse(["10.0.0.0/8", "2001:db8::/32"])!;
    expect(list.length).toBe(2);
    expect(list.containsText("10.1.1.1")).toBe(true);
    expect(list.containsText("2001:db8::5")).toBe(true);
    expect(list.containsText("192.0.2.1")).toBe(false);
    expect(list.containsText("not an address")).toBe(false);
    const error = new ParseError();
    expect(CidrList.parse(["10.0.0.0/8", "10.0.0.0/40"], error)).toBeNull();
    expect(error.reason).toBe("\"10.0.0.0/40\": prefix length \"40\" must be a number from 0 to 32");
  });
});

describe("hostOf", () => {
  it("strips the port from Envoy socket addresses", () => {
    expect(hostOf("10.1.2.3:5555")).toBe("10.1.2.3");
    expect(hostOf("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(hostOf("2001:db8::1")).toBe("2001:db8::1");
    expect(hostOf("10.1.2.3")).toBe("10.1.2.3");
  });
});
