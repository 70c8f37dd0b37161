// proxy-wasm-as/crypto: SHA-256, HMAC-SHA256, constant-time comparison and
// RS256 / ES256 signature verification. Costs nothing unless imported.
// See docs/crypto.md.
export { Sha256, sha256, sha256String, SHA256_DIGEST_LENGTH, SHA256_BLOCK_LENGTH } from "./sha256";
export { HmacSha256, hmacSha256 } from "./hmac";
export { constantTimeEqual } from "./compare";
export { RsaPublicKey, RSA_MIN_BITS, RSA_MAX_BITS } from "./rsa";
export { P256PublicKey } from "./p256";
