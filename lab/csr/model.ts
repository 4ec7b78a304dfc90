// The state and REST semantics of a Cisco CSR 1000v as the historical Neutron VPNaaS Cisco
// driver used it (paths under /api/v1/, fields, defaults, value ranges, status codes,
// Location headers, error bodies). Pure: a request and a clock in, a response out, the
// state changed in place; the HTTPS server (server.ts) adds transport, tokens and storage.
// Written for lab from the REST contract; no code of the driver or its mock is reused.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, Json>;

export interface Tunnel {
  body: Obj;
  enabled: boolean;
  /** When the tunnel was created or last enabled: negotiation starts there. */
  since: number;
}

export interface CsrState {
  ikePolicies: Record<string, Obj>;
  ipsecPolicies: Record<string, Obj>;
  keyrings: Record<string, Obj>;
  tunnels: Record<string, Tunnel>;
  routes: Record<string, Obj>;
  keepalive: Obj | null;
}

export function emptyState(): CsrState {
  return { ikePolicies: {}, ipsecPolicies: {}, keyrings: {}, tunnels: {}, routes: {}, keepalive: null };
}

export interface CsrRequest {
  method: string;
  /** Path below /api/v1/, without a leading slash or query. */
  path: string;
  body: Json | undefined;
  /** The URL prefix for Location headers, e.g. https://127.0.0.1:55443/api/v1 */
  base: string;
  now: number;
}

export interface CsrResponse {
  status: number;
  body?: Json;
  location?: string;
  /** Why a request was refused, for the simulator's log. */
  reason?: string;
}

export interface CsrOptions {
  /** How long a new or re-enabled tunnel reports DOWN-NEGOTIATING before UP-ACTIVE. */
  negotiationMs: number;
}

const IKE_ENCRYPTION = ['des', '3des', 'aes', 'aes192', 'aes256'];
const IKE_HASH = ['sha', 'sha256', 'sha384', 'sha512', 'md5'];
const DH_GROUPS = [1, 2, 5, 14, 15, 16];
const ESP_ENCRYPTION = ['esp-des', 'esp-3des', 'esp-aes', 'esp-192-aes', 'esp-256-aes', 'esp-null'];
const ESP_AUTH = ['esp-sha-hmac', 'esp-md5-hmac', 'esp-sha256-hmac'];
const PFS = ['group1', 'group2', 'group5', 'group14', 'Disable'];
/**
 * The interface names a static route may leave by: plain ASCII names as IOS writes them,
 * with a sub-interface number after a dot. Anything else is refused: the name becomes part
 * of the route's id, which goes into a URL and the Location header.
 */
const INTERFACE_NAME =
  /^(?:GigabitEthernet|TenGigabitEthernet|Loopback|Tunnel|Port-channel|BDI|VirtualPortGroup)\d{1,5}(?:\.\d{1,4})?$|^Null0$/;

export function error(status: number, message: string, detail = message): CsrResponse {
  return { status, body: { 'error-code': -1, 'error-message': message, detail }, reason: message };
}

const isObj = (v: Json | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const intIn = (v: Json | undefined, min: number, max: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * A stored resource by id. Own properties only: ids like `constructor` or `__proto__` name
 * no resource (a plain lookup would find Object.prototype's).
 */
function find<T>(store: Record<string, T>, id: string): T | undefined {
  return Object.hasOwn(store, id) ? store[id] : undefined;
}

/** Stores under any id as an own property: an assignment to `__proto__` would set the prototype. */
function put<T>(store: Record<string, T>, id: string, value: T): void {
  Object.defineProperty(store, id, { value, enumerable: true, writable: true, configurable: true });
}

/** 201 with the new resource's URL; the id is encoded, as it may hold any character. */
function created(request: CsrRequest, collection: string, id: string): CsrResponse {
  return { status: 201, location: `${request.base}/${collection}/${encodeURIComponent(id)}` };
}

/** One path segment decoded, undefined for a malformed percent-encoding. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function ipv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function cidr(text: string): { address: string; prefix: number } | undefined {
  const [address = '', prefix, ...rest] = text.split('/');
  if (rest.length > 0 || !ipv4(address) || prefix === undefined || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32)
    return undefined;
  return { address, prefix: Number(prefix) };
}

function netmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 255).join('.');
}

/** Routes one request; returns the response and changes `state` for a successful write. */
export function handle(state: CsrState, request: CsrRequest, options: CsrOptions): CsrResponse {
  const { method, path } = request;
  const parts = path.split('/').filter((p) => p !== '');
  const key = parts.join('/');
  const decoded = parts.map(decodeSegment);
  if (decoded.includes(undefined)) return error(400, `the path /api/v1/${key} is not valid percent-encoding`);
  const segments = decoded as string[];
  const item = (prefix: string) =>
    key.startsWith(`${prefix}/`) && parts.length === prefix.split('/').length + 1 ? segments.at(-1) : undefined;
  const ikePolicy = item('vpn-svc/ike/policies');
  const ipsecPolicy = item('vpn-svc/ipsec/policies');
  const keyring = item('vpn-svc/ike/keyrings');
  const tunnelName = item('vpn-svc/site-to-site');
  const route = item('routing-svc/static-routes');

  if (key === 'vpn-svc/ike/policies' && method === 'POST') return createIkePolicy(state, request);
  if (ikePolicy !== undefined) return single(state.ikePolicies, ikePolicy, method, 'object#ike-policy', 'IKE policy');
  if (key === 'vpn-svc/ipsec/policies' && method === 'POST') return createIpsecPolicy(state, request);
  if (ipsecPolicy !== undefined)
    return single(state.ipsecPolicies, ipsecPolicy, method, 'object#ipsec-policy', 'IPsec policy', () =>
      usedPolicy(state, ipsecPolicy),
    );
  if (key === 'vpn-svc/ike/keyrings' && method === 'POST') return createKeyring(state, request);
  if (keyring !== undefined) return single(state.keyrings, keyring, method, 'object#ike-keyring', 'keyring');
  if (key === 'vpn-svc/site-to-site/active/sessions' && method === 'GET') return sessions(state, request.now, options);
  if (parts[0] === 'vpn-svc' && parts[1] === 'site-to-site' && parts.length === 4 && parts[3] === 'state')
    return tunnelState(state, segments[2] ?? '', request);
  if (key === 'vpn-svc/site-to-site' && method === 'POST') return createTunnel(state, request);
  if (tunnelName !== undefined) return tunnel(state, tunnelName, method);
  if (key === 'routing-svc/static-routes' && method === 'POST') return createRoute(state, request);
  if (route !== undefined) return single(state.routes, route, method, 'object#static-route', 'static route');
  if (key === 'vpn-svc/ike/keepalive') return keepalive(state, request);
  if (key === 'global/host-name' && method === 'GET')
    return { status: 200, body: { kind: 'object#host-name', 'host-name': 'lab-csr' } };
  return error(404, `no resource ${method} /api/v1/${key}`);
}

/** GET and DELETE of one stored resource (404 for an unknown id; DELETE answers 204). */
function single(
  store: Record<string, Obj>,
  id: string,
  method: string,
  kind: string,
  what: string,
  inUse?: () => string | undefined,
): CsrResponse {
  const found = find(store, id);
  if (method === 'GET')
    return found ? { status: 200, body: { kind, ...found } } : error(404, `${what} ${id} not found`);
  if (method === 'DELETE') {
    if (!found) return error(404, `${what} ${id} not found`);
    const user = inUse?.();
    if (user) return error(400, `${what} ${id} is in use by ${user}`);
    delete store[id];
    return { status: 204 };
  }
  return error(405, `${method} is not allowed on a ${what}`);
}

function createIkePolicy(state: CsrState, request: CsrRequest): CsrResponse {
  const body = request.body;
  if (!isObj(body)) return error(400, 'the body must be a JSON object');
  const id = body['priority-id'];
  if (typeof id !== 'string' || !/^\d+$/.test(id) || Number(id) < 1 || Number(id) > 2000)
    return error(400, `priority-id must be a string of a number from 1 to 2000, not ${JSON.stringify(id)}`);
  if (find(state.ikePolicies, id))
    return error(400, `policy ${id} exist, not allow to update policy using POST method`);
  const policy: Obj = {
    'priority-id': id,
    version: 'v1',
    'local-auth-method': 'pre-share',
    encryption: 'des',
    hash: 'sha',
    dhGroup: 1,
    lifetime: 86400,
  };
  const problem =
    check(body, 'version', (v) => v === 'v1' || v === 'v2', '"v1" or "v2"') ??
    check(body, 'local-auth-method', (v) => v === 'pre-share', '"pre-share"') ??
    check(body, 'encryption', (v) => IKE_ENCRYPTION.includes(String(v)), IKE_ENCRYPTION.join(', ')) ??
    check(body, 'hash', (v) => IKE_HASH.includes(String(v)), IKE_HASH.join(', ')) ??
    check(body, 'dhGroup', (v) => typeof v === 'number' && DH_GROUPS.includes(v), DH_GROUPS.join(', ')) ??
    check(body, 'lifetime', (v) => intIn(v, 60, 86400), 'a number of seconds from 60 to 86400') ??
    unknownFields(body, Object.keys(policy));
  if (problem) return error(400, problem);
  Object.assign(policy, body);
  put(state.ikePolicies, id, policy);
  return created(request, 'vpn-svc/ike/policies', id);
}

function createIpsecPolicy(state: CsrState, request: CsrRequest): CsrResponse {
  const body = request.body;
  if (!isObj(body)) return error(400, 'the body must be a JSON object');
  const id = body['policy-id'];
  if (typeof id !== 'string' || !/^\d+$/.test(id))
    return error(400, `policy-id must be a string of a number, not ${JSON.stringify(id)}`);
  if (find(state.ipsecPolicies, id))
    return error(400, `policy ${id} exist, not allow to update policy using POST method`);
  const suite = body['protection-suite'];
  const suiteProblem =
    suite === undefined
      ? undefined
      : !isObj(suite)
        ? 'protection-suite must be an object'
        : (check(suite, 'esp-encryption', (v) => ESP_ENCRYPTION.includes(String(v)), ESP_ENCRYPTION.join(', ')) ??
          check(suite, 'esp-authentication', (v) => ESP_AUTH.includes(String(v)), ESP_AUTH.join(', ')) ??
          check(suite, 'ah', (v) => v === 'ah-sha-hmac', '"ah-sha-hmac"') ??
          unknownFields(suite, ['esp-encryption', 'esp-authentication', 'ah']));
  const problem =
    suiteProblem ??
    check(body, 'mode', (v) => v === 'tunnel' || v === 'transport', '"tunnel" or "transport"') ??
    check(body, 'lifetime-sec', (v) => intIn(v, 120, 2592000), 'a number of seconds from 120 to 2592000') ??
    check(body, 'lifetime-kb', (v) => intIn(v, 2560, 4294967295), 'a number of kilobytes from 2560 to 4294967295') ??
    check(body, 'pfs', (v) => PFS.includes(String(v)), PFS.join(', ')) ??
    check(
      body,
      'anti-replay-window-size',
      (v) => ['disable', '64', '128', '256', '512', '1024'].includes(String(v)),
      'disable, 64, 128, 256, 512 or 1024',
    ) ??
    check(body, 'idle-time', (v) => intIn(v, 60, 86400), 'a number of seconds from 60 to 86400') ??
    unknownFields(body, [
      'policy-id',
      'mode',
      'protection-suite',
      'lifetime-sec',
      'lifetime-kb',
      'pfs',
      'anti-replay-window-size',
      'idle-time',
    ]);
  if (problem) return error(400, problem);
  const replay = body['anti-replay-window-size'];
  put(state.ipsecPolicies, id, {
    'policy-id': id,
    mode: 'tunnel',
    'protection-suite': {},
    'lifetime-sec': 3600,
    pfs: 'Disable',
    'lifetime-kb': 4608000,
    'idle-time': null,
    ...body,
    'anti-replay-window-size': replay === undefined ? 'None' : replay === 'disable' ? 'Disable' : String(replay),
  });
  return created(request, 'vpn-svc/ipsec/policies', id);
}

function createKeyring(state: CsrState, request: CsrRequest): CsrResponse {
  const body = request.body;
  if (!isObj(body)) return error(400, 'the body must be a JSON object');
  const name = body['keyring-name'];
  if (typeof name !== 'string' || name === '' || name.length > 64)
    return error(400, 'keyring-name must be a name of 1 to 64 characters');
  if (find(state.keyrings, name))
    return error(400, `keyring ${name} exist, not allow to update keyring using POST method`);
  const keys = body['pre-shared-key-list'];
  if (!Array.isArray(keys) || keys.length === 0) return error(400, 'pre-shared-key-list must list at least one key');
  const stored: Obj[] = [];
  for (const entry of keys) {
    if (!isObj(entry) || typeof entry.key !== 'string' || entry.key === '' || typeof entry['peer-address'] !== 'string')
      return error(400, 'each pre-shared key needs a key and a peer-address');
    const peer = entry['peer-address'];
    const network = cidr(peer);
    if (!network && !ipv4(peer)) return error(400, `peer-address ${peer} is not an IP address or network`);
    // The device shows a network the IOS way: address and mask.
    stored.push({
      key: entry.key,
      encrypted: entry.encrypted === true,
      'peer-address': network ? `${network.address} ${netmask(network.prefix)}` : peer,
    });
  }
  const problem = unknownFields(body, ['keyring-name', 'pre-shared-key-list']);
  if (problem) return error(400, problem);
  put(state.keyrings, name, { 'keyring-name': name, 'pre-shared-key-list': stored });
  return created(request, 'vpn-svc/ike/keyrings', name);
}

function createTunnel(state: CsrState, request: CsrRequest): CsrResponse {
  const body = request.body;
  if (!isObj(body)) return error(400, 'the body must be a JSON object');
  const name = body['vpn-interface-name'];
  if (typeof name !== 'string' || !/^Tunnel(\d{1,4})$/.test(name) || Number(name.slice(6)) > 9999)
    return error(400, `vpn-interface-name must be Tunnel0 to Tunnel9999, not ${JSON.stringify(name)}`);
  if (find(state.tunnels, name)) return error(400, `${name} exist, not allow to update a tunnel using POST method`);
  const policy = body['ipsec-policy-id'];
  if (typeof policy !== 'string' || !find(state.ipsecPolicies, policy))
    return error(400, `IPsec policy ${JSON.stringify(policy)} does not exist`);
  const local = body['local-device'];
  const remote = body['remote-device'];
  if (!isObj(local) || typeof local['ip-address'] !== 'string' || typeof local['tunnel-ip-address'] !== 'string')
    return error(400, 'local-device needs ip-address and tunnel-ip-address');
  if (!isObj(remote) || typeof remote['tunnel-ip-address'] !== 'string')
    return error(400, 'remote-device needs tunnel-ip-address');
  const localAddress = local['ip-address'];
  if (!cidr(localAddress) && !/^GigabitEthernet\d+$/.test(localAddress))
    return error(400, `local-device ip-address ${localAddress} is not an address/prefix or an interface`);
  for (const address of [local['tunnel-ip-address'], remote['tunnel-ip-address']])
    if (!ipv4(address)) return error(400, `tunnel-ip-address ${address} is not an IP address`);
  const mtu = body.mtu ?? 1500;
  if (!intIn(mtu, 1500, 9192)) return error(400, `mtu ${JSON.stringify(mtu)} is out of range (1500 to 9192)`);
  const problem =
    check(body, 'vpn-type', (v) => v === 'site-to-site', '"site-to-site"') ??
    check(body, 'ip-version', (v) => v === 'ipv4', '"ipv4"') ??
    unknownFields(body, [
      'vpn-interface-name',
      'ipsec-policy-id',
      'local-device',
      'remote-device',
      'mtu',
      'vpn-type',
      'ip-version',
      'ike-profile-id',
    ]);
  if (problem) return error(400, problem);
  put(state.tunnels, name, {
    body: {
      'vpn-interface-name': name,
      'ip-version': 'ipv4',
      'vpn-type': 'site-to-site',
      'ike-profile-id': null,
      ...body,
      mtu,
    },
    enabled: true,
    since: request.now,
  });
  return created(request, 'vpn-svc/site-to-site', name);
}

function tunnel(state: CsrState, name: string, method: string): CsrResponse {
  const found = find(state.tunnels, name);
  if (method === 'GET')
    return found
      ? { status: 200, body: { kind: 'object#vpn-site-to-site', ...found.body } }
      : error(404, `${name} not found`);
  if (method === 'DELETE') {
    if (!found) return error(404, `${name} not found`);
    const route = Object.keys(state.routes).find((id) => state.routes[id]?.['outgoing-interface'] === name);
    if (route) return error(400, `${name} is in use by static route ${route}`);
    delete state.tunnels[name];
    return { status: 204 };
  }
  return error(405, `${method} is not allowed on a tunnel`);
}

function tunnelState(state: CsrState, name: string, request: CsrRequest): CsrResponse {
  const found = find(state.tunnels, name);
  if (!found) return error(404, `${name} not found`);
  if (request.method === 'GET') {
    return {
      status: 200,
      body: {
        kind: 'object#vpn-site-to-site-state',
        'vpn-interface-name': name,
        'line-protocol-state': found.enabled ? 'up' : 'down',
        enabled: found.enabled,
      },
    };
  }
  if (request.method !== 'PUT') return error(405, `${request.method} is not allowed on a tunnel state`);
  const body = request.body;
  if (!isObj(body) || typeof body.enabled !== 'boolean')
    return error(400, 'the body must give enabled as true or false');
  if (body['vpn-interface-name'] !== undefined && body['vpn-interface-name'] !== name)
    return error(400, `vpn-interface-name ${JSON.stringify(body['vpn-interface-name'])} does not match ${name}`);
  if (body.enabled && !found.enabled) found.since = request.now;
  found.enabled = body.enabled;
  return { status: 204 };
}

/**
 * The session lifecycle: a tunnel negotiates (DOWN-NEGOTIATING) for `negotiationMs` after it
 * is created or enabled, then is UP-ACTIVE; an admin-disabled tunnel is DOWN. A tunnel whose
 * peer has no pre-shared key cannot authenticate: it stays DOWN-NEGOTIATING.
 */
export function sessionStatus(state: CsrState, name: string, now: number, options: CsrOptions): string {
  const found = find(state.tunnels, name);
  if (!found) return 'ERROR';
  if (!found.enabled) return 'DOWN';
  const peer = (found.body['remote-device'] as Obj | undefined)?.['tunnel-ip-address'];
  const hasKey = Object.values(state.keyrings).some((k) =>
    (k['pre-shared-key-list'] as Obj[]).some((e) => covers(String(e['peer-address']), String(peer))),
  );
  if (!hasKey || now - found.since < options.negotiationMs) return 'DOWN-NEGOTIATING';
  return 'UP-ACTIVE';
}

function covers(peerAddress: string, address: string): boolean {
  const [network = '', mask] = peerAddress.split(' ');
  if (mask === undefined) return network === address;
  const toInt = (ip: string) => ip.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
  const m = toInt(mask);
  return (toInt(network) & m) === (toInt(address) & m);
}

function sessions(state: CsrState, now: number, options: CsrOptions): CsrResponse {
  const items = Object.keys(state.tunnels).map((name) => ({
    'vpn-interface-name': name,
    status: sessionStatus(state, name, now, options),
  }));
  return { status: 200, body: { kind: 'collection#vpn-active-sessions', items } };
}

function createRoute(state: CsrState, request: CsrRequest): CsrResponse {
  const body = request.body;
  if (!isObj(body)) return error(400, 'the body must be a JSON object');
  const destination = typeof body['destination-network'] === 'string' ? cidr(body['destination-network']) : undefined;
  if (!destination)
    return error(
      400,
      `destination-network ${JSON.stringify(body['destination-network'])} is not a network like 10.1.0.0/24`,
    );
  const via = body['outgoing-interface'];
  if (typeof via !== 'string' || via === '') return error(400, 'outgoing-interface is required');
  if (!INTERFACE_NAME.test(via))
    return error(
      400,
      `outgoing-interface ${JSON.stringify(via)} is not an interface name: write one like Tunnel1, GigabitEthernet1 or GigabitEthernet1.100`,
    );
  if (via.startsWith('Tunnel') && !find(state.tunnels, via))
    return error(400, `outgoing-interface ${via} does not exist`);
  const problem =
    check(body, 'next-hop-router', (v) => v === null || (typeof v === 'string' && ipv4(v)), 'an IP address') ??
    check(body, 'admin-distance', (v) => intIn(v, 1, 255), 'a number from 1 to 255') ??
    unknownFields(body, ['destination-network', 'outgoing-interface', 'next-hop-router', 'admin-distance']);
  if (problem) return error(400, problem);
  const id = `${destination.address}_${destination.prefix}_${via}`;
  if (find(state.routes, id))
    return error(400, `static route ${id} exist, not allow to update a route using POST method`);
  put(state.routes, id, {
    'destination-network': `${destination.address}/${destination.prefix}`,
    'outgoing-interface': via,
    'next-hop-router': null,
    'admin-distance': 1,
    ...body,
  });
  return created(request, 'routing-svc/static-routes', id);
}

function keepalive(state: CsrState, request: CsrRequest): CsrResponse {
  if (request.method === 'GET')
    return state.keepalive
      ? { status: 200, body: { kind: 'object#ike-keepalive', ...state.keepalive } }
      : error(404, 'IKE keepalive is not configured');
  if (request.method !== 'PUT') return error(405, `${request.method} is not allowed on the IKE keepalive`);
  const body = request.body;
  if (!isObj(body)) return error(400, 'the body must be a JSON object');
  const problem =
    check(body, 'interval', (v) => intIn(v, 10, 3600), 'a number of seconds from 10 to 3600') ??
    check(body, 'retry', (v) => intIn(v, 2, 60), 'a number from 2 to 60') ??
    check(body, 'periodic', (v) => typeof v === 'boolean', 'true or false') ??
    unknownFields(body, ['interval', 'retry', 'periodic']);
  if (problem) return error(400, problem);
  state.keepalive = { interval: 10, retry: 2, periodic: false, ...body };
  return { status: 204 };
}

function usedPolicy(state: CsrState, id: string): string | undefined {
  return Object.keys(state.tunnels).find((name) => state.tunnels[name]?.body['ipsec-policy-id'] === id);
}

/** undefined when the field is absent or valid; else what is wrong. */
function check(body: Obj, field: string, valid: (value: Json) => boolean, expected: string): string | undefined {
  const value = body[field];
  if (value === undefined || valid(value)) return undefined;
  return `${field} ${JSON.stringify(value)} is invalid: expected ${expected}`;
}

function unknownFields(body: Obj, known: string[]): string | undefined {
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  return unknown.length > 0 ? `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` : undefined;
}
