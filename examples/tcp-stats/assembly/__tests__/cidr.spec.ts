import { hostOf, parseAddress, parseCidr } from "../cidr";

function contains(cidr: string, address: string): bool {
  const range = parseCidr(cidr);
  const parsed = parseAddress(address);
  if (range === null || parsed === null) return false;
  return range.contains(parsed);
}

describe("parseAddress", () => {
  it("parses IPv4 and rejects malformed ones", () => {
    expect(parseAddress("192.0.2.7")).not.toBeNull();
    expect(parseAddress("192.0.2")).toBeNull();
    expect(parseAddress("192.0.2.256")).toBeNull();
    expect(parseAddress("192.0.2.07")).toBeNull();
    expect(parseAddress("a.b.c.d")).toBeNull();
  });

  it("parses IPv6 forms", () => {
    expect(parseAddress("2001:db8::1")).not.toBeNull();
    expect(parseAddress("::1")).not.toBeNull();
    expect(parseAddress("::")).not.toBeNull();
    expect(parseAddress("::ffff:192.0.2.7")).not.toBeNull();
    expect(parseAddress("1:2:3:4:5:6:7:8")).not.toBeNull();
    expect(parseAddress("1:2:3:4:5:6:7")).toBeNull();
    expect(parseAddress("1::2::3")).toBeNull();
    expect(parseAddress("12345::1")).toBeNull();
    expect(parseAddress("g::1")).toBeNull();
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
  });

  it("matches IPv6 ranges and keeps the families apart", () => {
    expect(contains("2001:db8::/32", "2001:db8:ffff::1")).toBe(true);
    expect(contains("2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(contains("::1/128", "::1")).toBe(true);
    expect(contains("0.0.0.0/0", "2001:db8::1")).toBe(false);
    expect(contains("::ffff:10.0.0.0/104", "10.1.2.3")).toBe(true);
  });

  it("rejects bad prefixes", () => {
    expect(parseCidr("10.0.0.0/33")).toBeNull();
    expect(parseCidr("::/129")).toBeNull();
    expect(parseCidr("10.0.0.0/")).toBeNull();
    expect(parseCidr("10.0.0.0/x")).toBeNull();
  });
});

describe("hostOf", () => {
  it("strips the port from Envoy socket addresses", () => {
    expect(hostOf("10.1.2.3:5555")).toBe("10.1.2.3");
    expect(hostOf("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(hostOf("2001:db8::1")).toBe("2001:db8::1");
  });
});
