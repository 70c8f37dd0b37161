// proxy-wasm-as/net: IPv4/IPv6 addresses and CIDR ranges. Costs nothing unless imported.
// See docs/crypto.md.
export { ParseError, formatAddress, hostOf, isIPv4Mapped, parseAddress } from "./address";
export { Cidr, CidrList, parseCidr } from "./cidr";
