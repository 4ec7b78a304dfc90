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
export function splitPublicRange(floatingRange: string): { docker: string; neutronPool: { start: string; end: string } } {
  const { base, prefix, size } = parts(floatingRange);
  const half = size / 2;
  return {
    docker: `${fromInt(base)}/${prefix + 1}`,
    neutronPool: { start: fromInt(base + half), end: fromInt(base + size - 2) },
  };
}
