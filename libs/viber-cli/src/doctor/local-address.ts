import { BlockList, isIP } from 'node:net';

/** Address ranges Viber's servers cannot reach: loopback, private, link-local, shared (CGNAT). */
const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6');
}

/** Host names that only mean something on this machine or its local network. */
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.lan', '.home.arpa', '.test'];

/** Strips the brackets of an IPv6 URL host (`[::1]` → `::1`). */
export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** True for loopback, private, link-local and shared addresses (IPv4, IPv6, IPv4-mapped IPv6). */
export function isPrivateAddress(address: string): boolean {
  const ip = unbracket(address);
  const family = isIP(ip);
  if (family === 4) return PRIVATE_RANGES.check(ip, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return PRIVATE_RANGES.check(mapped[1]!, 'ipv4');
  return PRIVATE_RANGES.check(ip, 'ipv6');
}

/**
 * True when a URL's host can only be reached from this machine or its network: `localhost`,
 * names under local-only suffixes (`.local`, `.internal`, …), names without a dot, and private
 * addresses.
 */
export function isLocalHost(host: string): boolean {
  const name = unbracket(host).toLowerCase().replace(/\.$/, '');
  if (isIP(name) !== 0) return isPrivateAddress(name);
  if (name === 'localhost' || !name.includes('.')) return true;
  return LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}
