// The one "agent alive in its current life" question, of lab stack's wait and lab check:
// pure over an agents list (as GET /v2.0/agents gives it) and the start of the process.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aliveSince, findAgent, heartbeatTime, type Agent } from '../lab/neutron/agents.js';

const l3 = (fields: Partial<Agent> = {}): Agent => ({
  agent_type: 'L3 agent',
  host: 'q-vpn',
  alive: true,
  heartbeat_timestamp: '2026-12-01 15:10:12',
  ...fields,
});
const at = (iso: string) => Date.parse(iso);

describe('an agent alive since a start', () => {
  it("reads Neutron's heartbeat as UTC without a zone", () => {
    assert.equal(heartbeatTime(l3()), at('2026-12-01T15:10:12Z'));
  });

  it('finds the agent of a type on a host, or none', () => {
    const agents = [l3({ agent_type: 'Linux bridge agent' }), l3(), l3({ host: 'other' })];
    assert.equal(findAgent(agents, 'L3 agent', 'q-vpn'), agents[1]);
    assert.equal(findAgent(agents, 'L3 agent', 'q-svc'), undefined);
    assert.equal(findAgent([], 'L3 agent', 'q-vpn'), undefined);
  });

  it('is alive with a heartbeat from the start on, or up to a second before it (whole seconds)', () => {
    const agent = l3();
    assert.equal(aliveSince([agent], 'L3 agent', 'q-vpn', at('2026-12-01T15:10:00Z')), agent);
    assert.equal(aliveSince([agent], 'L3 agent', 'q-vpn', at('2026-12-01T15:10:12.900Z')), agent);
    assert.equal(aliveSince([agent], 'L3 agent', 'q-vpn', at('2026-12-01T15:10:13Z')), agent);
    assert.equal(aliveSince([agent], 'L3 agent', 'q-vpn', 0), agent);
  });

  it('is not, with a heartbeat from its last life: "alive" lasts a while after an agent died', () => {
    assert.equal(aliveSince([l3()], 'L3 agent', 'q-vpn', at('2026-12-01T15:10:13.001Z')), undefined);
    assert.equal(aliveSince([l3()], 'L3 agent', 'q-vpn', at('2026-12-01T15:11:00Z')), undefined);
  });

  it('is not when Neutron says it is dead, or it is another agent or host', () => {
    const since = at('2026-12-01T15:10:00Z');
    assert.equal(aliveSince([l3({ alive: false })], 'L3 agent', 'q-vpn', since), undefined);
    assert.equal(aliveSince([l3({ agent_type: 'Linux bridge agent' })], 'L3 agent', 'q-vpn', since), undefined);
    assert.equal(aliveSince([l3({ host: 'other' })], 'L3 agent', 'q-vpn', since), undefined);
    assert.equal(aliveSince([], 'L3 agent', 'q-vpn', since), undefined);
  });
});
