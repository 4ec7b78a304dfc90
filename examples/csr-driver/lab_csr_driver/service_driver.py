"""The service driver: runs in neutron-server, chosen by

    [service_providers] service_provider = VPN:labcsr:lab_csr_driver.service_driver.LabCsrIPsecVPNDriver:default

It keeps Neutron's reference IPsec validation and database handling (BaseIPsecVPNDriver) and
talks to its device driver on its own topics.
"""
from neutron_lib import rpc as n_rpc
from oslo_log import log as logging

from neutron_vpnaas.services.vpn.service_drivers import base_ipsec
from neutron_vpnaas.services.vpn.service_drivers import ipsec_validator

from lab_csr_driver import topics

LOG = logging.getLogger(__name__)


class LabCsrIPsecVPNDriver(base_ipsec.BaseIPsecVPNDriver):
    """Casts vpnservice_updated to the agent hosting the router; answers its calls."""

    def __init__(self, service_plugin):
        super().__init__(service_plugin, ipsec_validator.IpsecVpnValidator(self))
        LOG.info("lab CSR service driver loaded; agent topic %s", topics.AGENT_TOPIC)

    def create_rpc_conn(self):
        # get_vpn_services_on_host and update_status, from the agent.
        self.endpoints = [base_ipsec.IPsecVpnDriverCallBack(self)]
        self.conn = n_rpc.Connection()
        self.conn.create_consumer(topics.DRIVER_TOPIC, self.endpoints, fanout=False)
        self.conn.consume_in_threads()
        self.agent_rpc = base_ipsec.IPsecVpnAgentApi(topics.AGENT_TOPIC, topics.RPC_VERSION, self)
