// Neutron's agents as GET /v2.0/agents lists them, and the question lab asks of them (its
// readiness wait and `lab check`): is this agent alive in its current life?

export interface Agent {
  agent_type: string;
  host: string;
  alive: boolean;
  /** UTC without a zone: "2026-12-01 15:10:12". */
  heartbeat_timestamp: string;
}

/** The agent of `type` on `host`, when it is registered. */
export function findAgent(agents: readonly Agent[], type: string, host: string): Agent | undefined {
  return agents.find((a) => a.agent_type === type && a.host === host);
}

/**
 * The agent of `type` on `host` when it shows alive with a heartbeat from `since` on (ms;
 * the start of the process that should be sending it), less a second for Neutron's
 * whole-second timestamps: a restarted agent still shows alive from its last life for a
 * while, so "alive" alone would pass too early.
 */
export function aliveSince(agents: readonly Agent[], type: string, host: string, since: number): Agent | undefined {
  const agent = findAgent(agents, type, host);
  return agent?.alive && heartbeatTime(agent) >= since - 1000 ? agent : undefined;
}

export function heartbeatTime(agent: Agent): number {
  return Date.parse(`${agent.heartbeat_timestamp.replace(' ', 'T')}Z`);
}
