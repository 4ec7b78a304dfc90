"""The RPC topics of this driver pair: its own, so it never answers the in-tree IPsec driver."""

# neutron-server consumes this one: the agent asks for its VPN services and reports status.
DRIVER_TOPIC = 'lab_csr_ipsec_driver'
# The agent consumes '<AGENT_TOPIC>.<host>': the server tells it a VPN service changed.
AGENT_TOPIC = 'lab_csr_ipsec_agent'
RPC_VERSION = '1.0'
