// The lab's own calls to the Neutron API, through the port q-svc publishes on 127.0.0.1
// (noauth: Neutron acts as an admin of the project `fake_project_id`). The user's calls go
// through the real client instead: `lab openstack`.
import { OperationError } from '../errors.js';
import { request } from '../http.js';

export type Resource = Record<string, unknown> & { id: string; name?: string; status?: string };

export class NeutronApi {
  constructor(private readonly base: string) {}

  static forPort(port: number): NeutronApi {
    return new NeutronApi(`http://127.0.0.1:${port}/v2.0`);
  }

  /** `collection` as in the URL: networks, subnets, routers, vpn/vpnservices... */
  async list(collection: string, query: Record<string, string> = {}): Promise<Resource[]> {
    const search = new URLSearchParams(query).toString();
    const body = await this.call('GET', `${collection}${search ? `?${search}` : ''}`);
    return (body[lastSegment(collection)] as Resource[] | undefined) ?? [];
  }

  async findByName(collection: string, name: string): Promise<Resource | undefined> {
    return (await this.list(collection, { name }))[0];
  }

  async create(collection: string, fields: Record<string, unknown>): Promise<Resource> {
    const body = await this.call('POST', collection, { [singular(collection)]: fields });
    return body[singular(collection)] as Resource;
  }

  async update(collection: string, id: string, fields: Record<string, unknown>): Promise<Resource> {
    const body = await this.call('PUT', `${collection}/${id}`, { [singular(collection)]: fields });
    return body[singular(collection)] as Resource;
  }

  /** PUT routers/{id}/add_router_interface and friends. */
  async action(collection: string, id: string, action: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.call('PUT', `${collection}/${id}/${action}`, fields);
  }

  async get(path: string): Promise<Record<string, unknown>> {
    return this.call('GET', path);
  }

  private async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const url = `${this.base}/${path}`;
    let answer;
    // Seen once in CI: neutron-server answered nothing for 15 s just after a VPN service
    // delete through an out-of-tree service driver. A read is asked again; nothing is lost.
    const attempts = method === 'GET' ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        answer = await request(method, url, body, 30_000);
        break;
      } catch (error) {
        if (attempt < attempts) continue;
        throw new OperationError(`Neutron did not answer ${method} ${url}: ${(error as Error).message}; is q-svc running? (lab status, lab logs q-svc)`);
      }
    }
    if (answer.status >= 400) throw new OperationError(`Neutron refused ${method} ${url}: ${answer.status} ${neutronMessage(answer.text)}`);
    return answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {};
  }
}

/** The JSON key of a collection: vpn/ipsec-site-connections -> ipsec_site_connections. */
function lastSegment(collection: string): string {
  return (collection.split('/').pop() ?? collection).replace(/-/g, '_');
}

function singular(collection: string): string {
  const last = lastSegment(collection);
  if (last === 'ikepolicies' || last === 'ipsecpolicies') return last.replace(/ies$/, 'y');
  return last.replace(/s$/, '');
}

function neutronMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { NeutronError?: { message?: string } };
    return parsed.NeutronError?.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
