// Which IP addresses the gateway may connect to when it fetches a URL a client gave it.
// Default deny: only global unicast passes. Range tables come from ipaddr.js (IANA special
// purpose registries, kept up to date by a package with hundreds of millions of downloads);
// what it treats as plain unicast but must not pass (IPv4 hidden inside IPv6, cloud metadata
// endpoints, IPv6 outside 2000::/3) is handled here.
import ipaddr from "ipaddr.js";

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

/** Instance metadata services: credentials live there, so they get a reason of their own. */
const METADATA = new Set([
  "169.254.169.254", // AWS, GCP, Azure, Oracle, DigitalOcean
  "169.254.170.2", // AWS ECS task credentials
  "100.100.100.200", // Alibaba Cloud
  "fd00:ec2::254", // AWS IMDS over IPv6
]);

const V4_REASONS: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a shared (CGNAT) address",
  private: "a private address",
  reserved: "a reserved address",
};

const V6_REASONS: Record<string, string> = {
  unspecified: "an unspecified address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  uniqueLocal: "a private (unique-local) address",
  deprecatedSiteLocal: "a private (site-local) address",
  "6to4": "a tunnelled (6to4) address",
  teredo: "a tunnelled (Teredo) address",
  reserved: "a reserved address",
};

const SPECIAL = "a special-purpose address";

export function checkAddress(ip: string): AddressVerdict {
  // Only canonical forms: "0177.0.0.1" or "127.1" must never be read one way here and
  // another way by whatever connects.
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return checkV4(ipaddr.IPv4.parse(ip));
  if (!ip.includes(":")) return { ok: false, reason: "not an IP address" };
  if (ip.includes("%")) return { ok: false, reason: "a scoped (zone) address" };
  const canonical = canonicalV6(ip);
  return canonical ? checkV6(ipaddr.IPv6.parse(canonical)) : { ok: false, reason: "not an IP address" };
}

/**
 * The WHATWG URL parser's reading of an IPv6 address, all hex. ipaddr.js reads a dotted
 * tail its own way ("::1.2.3.4" as ::ffff:1.2.3.4), so it only ever sees this form.
 */
function canonicalV6(ip: string): string | null {
  try {
    const host = new URL(`http://[${ip}]/`).hostname;
    return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : null;
  } catch {
    return null;
  }
}

function checkV4(addr: ipaddr.IPv4): AddressVerdict {
  if (METADATA.has(addr.toString())) return { ok: false, reason: "a cloud metadata address" };
  const range = addr.range();
  if (range === "unicast") return { ok: true };
  return { ok: false, reason: V4_REASONS[range] ?? SPECIAL };
}

function checkV6(addr: ipaddr.IPv6): AddressVerdict {
  if (METADATA.has(addr.toNormalizedString()) || METADATA.has(addr.toRFC5952String())) {
    return { ok: false, reason: "a cloud metadata address" };
  }
  const p = addr.parts;
  const range = addr.range();
  // ::ffff:a.b.c.d reaches a.b.c.d on any dual-stack socket; judge the IPv4 inside.
  if (range === "ipv4Mapped") return embedded(p, "IPv4-mapped IPv6");
  // ::ffff:0:a.b.c.d (SIIT) likewise carries an IPv4 address.
  if (range === "rfc6145") return embedded(p, "IPv4-translated IPv6");
  // 64:ff9b::/96 is the well-known NAT64 prefix: the gateway's NAT64 box connects to the
  // IPv4 in the low 32 bits. 64:ff9b:1::/48 is for local networks only.
  if (range === "rfc6052") {
    return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0
      ? embedded(p, "NAT64")
      : { ok: false, reason: "a local-use NAT64 address" };
  }
  if (range !== "unicast") return { ok: false, reason: V6_REASONS[range] ?? SPECIAL };
  // ::a.b.c.d (IPv4-compatible, deprecated): ipaddr.js calls it unicast; nothing routes it.
  if (p.slice(0, 6).every((x) => x === 0)) {
    const inner = checkV4(v4Of(p));
    return { ok: false, reason: inner.ok ? "a deprecated IPv4-compatible address" : `${inner.reason} (IPv4-compatible IPv6)` };
  }
  // Global unicast is 2000::/3; everything else is unassigned.
  if ((p[0]! & 0xe000) !== 0x2000) return { ok: false, reason: "a reserved address" };
  return { ok: true };
}

function v4Of(parts: number[]): ipaddr.IPv4 {
  const hi = parts[6]!;
  const lo = parts[7]!;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function embedded(parts: number[], how: string): AddressVerdict {
  const inner = checkV4(v4Of(parts));
  return inner.ok ? inner : { ok: false, reason: `${inner.reason} (${how})` };
}
