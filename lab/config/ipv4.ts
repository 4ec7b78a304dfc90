// IPv4 arithmetic for the lab's two address plans: FIXED_RANGE (private) and
// FLOATING_RANGE (public). Pure, no dependencies.

export function isCidr(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  return match !== null && match.slice(1, 5).every((p) => Number(p) <= 255) && Number(match[5]) <= 32;
}

export function isAddress(value: string): boolean {
  return isCidr(`${value}/32`);
}

export function toInt(address: string): number {
  return address.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

export function fromInt(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function parts(cidr: string): { base: number; prefix: number; size: number } {
  const [address = '', prefix = '0'] = cidr.split('/');
  const size = 2 ** (32 - Number(prefix));
  return { base: Math.floor(toInt(address) / size) * size, prefix: Number(prefix), size };
}

/** The network a CIDR names, with its host bits cleared: 172.24.4.5/24 -> 172.24.4.0/24. */
export function networkOf(cidr: string): string {
  const { base, prefix } = parts(cidr);
  return `${fromInt(base)}/${prefix}`;
}

export function inNetwork(address: string, network: string): boolean {
  const { base, size } = parts(network);
  const n = toInt(address);
  return n >= base && n < base + size;
}

/** The n-th address of a network, from its start (1: the gateway) or from its end (-1: broadcast, -2: the last before it). */
export function nthAddress(network: string, n: number): string {
  const { base, size } = parts(network);
  return fromInt(n >= 0 ? base + n : base + size + n);
}

/**
 * The public network is shared by Docker (which hands out addresses to the peers and to
 * q-vpn's bridge port) and Neutron (router gateways). Each gets its own half, so neither
 * ever gives out an address the other holds: Docker the lower half, Neutron the upper.
 */
export function splitPublicRange(floatingRange: string): {
  docker: string;
  neutronPool: { start: string; end: string };
} {
  const { base, prefix, size } = parts(floatingRange);
  const half = size / 2;
  return {
    docker: `${fromInt(base)}/${prefix + 1}`,
    neutronPool: { start: fromInt(base + half), end: fromInt(base + size - 2) },
  };
}

/** Whether two networks share any address (one contains the other's start). */
export function overlaps(a: string, b: string): boolean {
  const x = parts(a);
  const y = parts(b);
  return x.base < y.base + y.size && y.base < x.base + x.size;
}

/** The private blocks (RFC 1918): a suggested network stays in the one it started in. */
const PRIVATE_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * A network of the same size as `wanted`, after it in its private block (or its /16),
 * that overlaps none of `taken`: what to suggest when another network holds `wanted`.
 */
export function freeNetworkLike(wanted: string, taken: string[]): string | undefined {
  const { base, prefix, size } = parts(wanted);
  const block = parts(PRIVATE_BLOCKS.find((b) => inNetwork(fromInt(base), b)) ?? `${fromInt(base)}/16`);
  for (let start = base + size; start + size <= block.base + block.size; start += size) {
    const candidate = `${fromInt(start)}/${prefix}`;
    if (!taken.some((t) => overlaps(candidate, t))) return candidate;
  }
  return undefined;
}
