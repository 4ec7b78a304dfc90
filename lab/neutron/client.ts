// The one client of lab's own calls to the Neutron API, through the port q-svc publishes on
// 127.0.0.1 (noauth: Neutron acts as an admin of the project `fake_project_id`), for
// lab stack's networks and waits, lab check and lab vpn demo. The user's calls go through
// the real client instead: `lab openstack`. Every request is bounded.
import { OperationError } from '../errors.js';
import { request } from '../http.js';

export type Resource = Record<string, unknown> & { id: string; name?: string; status?: string };

export interface Bound {
  /** How long one request may go unanswered. */
  timeoutMs: number;
  /** How many times a GET is asked in all when it goes unanswered (1: never again). */
  readAttempts: number;
}

/**
 * lab's own steps (stack's networks, the demo): seen once in CI, neutron-server answered
 * nothing for 15 s just after a VPN service delete through an out-of-tree service driver;
 * so 30 s, and a read is asked again once (nothing is lost by reading twice).
 */
export const STEP_BOUND: Bound = { timeoutMs: 30_000, readAttempts: 2 };
/** A round of a readiness wait: short, the poll asks again itself. */
export const PROBE_BOUND: Bound = { timeoutMs: 3000, readAttempts: 1 };
/** lab check: an answer soon, also when Neutron is down (the checks say why). */
export const CHECK_BOUND: Bound = { timeoutMs: 4000, readAttempts: 1 };

/** Any status is an answer: `body` is the JSON, or the text when it is not JSON. */
export interface NeutronAnswer {
  status: number;
  text: string;
  body: unknown;
}

export class NeutronClient {
  /** `url`: the API's root, http://127.0.0.1:PORT. */
  constructor(
    readonly url: string,
    private readonly bound: Bound = STEP_BOUND,
  ) {}

  static forPort(port: number, bound: Bound = STEP_BOUND): NeutronClient {
    return new NeutronClient(`http://127.0.0.1:${port}`, bound);
  }

  /**
   * One request to `pathname` (from the root: /v2.0/agents), within the bound; a GET left
   * unanswered is asked again up to the bound's attempts. No answer at all throws the
   * last failure as it came ("no answer within 4 s", "connect ECONNREFUSED ...").
   */
  async answer(method: string, pathname: string, body?: unknown): Promise<NeutronAnswer> {
    const attempts = method === 'GET' ? this.bound.readAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const { status, text } = await request(method, `${this.url}${pathname}`, body, this.bound.timeoutMs);
        return { status, text, body: parsed(text) };
      } catch (error) {
        if (attempt >= attempts) throw error;
      }
    }
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
  async action(
    collection: string,
    id: string,
    action: string,
    fields: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return this.call('PUT', `${collection}/${id}/${action}`, fields);
  }

  async get(path: string): Promise<Record<string, unknown>> {
    return this.call('GET', path);
  }

  /** A call of lab's own steps: one that fails or is refused throws, saying which. */
  private async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const url = `${this.url}/v2.0/${path}`;
    let answer;
    try {
      answer = await this.answer(method, `/v2.0/${path}`, body);
    } catch (error) {
      throw new OperationError(
        `Neutron did not answer ${method} ${url}: ${(error as Error).message}; is q-svc running? (lab status, lab logs q-svc)`,
      );
    }
    if (answer.status >= 400)
      throw new OperationError(`Neutron refused ${method} ${url}: ${answer.status} ${neutronMessage(answer.text)}`);
    return answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {};
  }
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
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
