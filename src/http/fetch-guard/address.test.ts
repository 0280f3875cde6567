import { describe, expect, test } from "bun:test";
import { checkAddress } from "./address.ts";

const REFUSED: [string, string][] = [
  ["127.0.0.1", "a loopback address"],
  ["127.255.255.254", "a loopback address"],
  ["10.0.0.1", "a private address"],
  ["172.16.0.1", "a private address"],
  ["172.31.255.255", "a private address"],
  ["192.168.1.1", "a private address"],
  ["169.254.169.254", "a cloud metadata address"],
  ["169.254.170.2", "a cloud metadata address"],
  ["100.100.100.200", "a cloud metadata address"],
  ["169.254.10.10", "a link-local address"],
  ["100.64.0.1", "a shared (CGNAT) address"],
  ["100.127.255.255", "a shared (CGNAT) address"],
  ["224.0.0.251", "a multicast address"],
  ["239.255.255.250", "a multicast address"],
  ["0.0.0.0", "an unspecified address"],
  ["0.1.2.3", "an unspecified address"],
  ["255.255.255.255", "a broadcast address"],
  ["240.0.0.1", "a reserved address"],
  ["192.0.2.10", "a reserved address"],
  ["198.51.100.10", "a reserved address"],
  ["203.0.113.10", "a reserved address"],
  ["198.18.0.1", "a reserved address"],
  ["192.0.0.8", "a reserved address"],
  ["::1", "a loopback address"],
  ["::", "an unspecified address"],
  ["fe80::1", "a link-local address"],
  ["febf::1", "a link-local address"],
  ["fc00::1", "a private (unique-local) address"],
  ["fd12:3456::1", "a private (unique-local) address"],
  ["fd00:ec2::254", "a cloud metadata address"],
  ["ff02::1", "a multicast address"],
  ["fec0::1", "a private (site-local) address"],
  ["::ffff:127.0.0.1", "a loopback address (IPv4-mapped IPv6)"],
  ["::ffff:7f00:1", "a loopback address (IPv4-mapped IPv6)"],
  ["::ffff:10.1.2.3", "a private address (IPv4-mapped IPv6)"],
  ["::ffff:169.254.169.254", "a cloud metadata address (IPv4-mapped IPv6)"],
  ["::ffff:0:7f00:1", "a loopback address (IPv4-translated IPv6)"],
  ["::127.0.0.1", "a loopback address (IPv4-compatible IPv6)"],
  ["::7f00:1", "a loopback address (IPv4-compatible IPv6)"],
  ["::8.8.8.8", "a deprecated IPv4-compatible address"],
  ["64:ff9b::10.0.0.1", "a private address (NAT64)"],
  ["64:ff9b::7f00:1", "a loopback address (NAT64)"],
  ["64:ff9b::a9fe:a9fe", "a cloud metadata address (NAT64)"],
  ["64:ff9b:1::a00:1", "a local-use NAT64 address"],
  ["2002:7f00:1::1", "a tunnelled (6to4) address"],
  ["2001:0:4136:e378::1", "a tunnelled (Teredo) address"],
  ["2001:db8::1", "a reserved address"],
  ["100::1", "a special-purpose address"],
  ["4000::1", "a reserved address"],
  ["fe80::1%eth0", "a scoped (zone) address"],
  // Only canonical text: other spellings must be normalised (by URL parsing) before they get here.
  ["0177.0.0.1", "not an IP address"],
  ["0x7f.0.0.1", "not an IP address"],
  ["2130706433", "not an IP address"],
  ["127.1", "not an IP address"],
  ["[::1]", "not an IP address"],
  ["localhost", "not an IP address"],
  ["", "not an IP address"],
];

const ACCEPTED = ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"];

describe("checkAddress", () => {
  test.each(REFUSED)("%s is refused as %s", (ip, reason) => {
    expect(checkAddress(ip)).toEqual({ ok: false, reason });
  });
  test.each(ACCEPTED)("%s is a public address", (ip) => {
    expect(checkAddress(ip)).toEqual({ ok: true });
  });
});
