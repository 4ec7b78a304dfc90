"""The device driver: runs in the VPN agent, chosen by

    [vpnagent] vpn_device_driver = lab_csr_driver.device_driver.LabCsrIPsecDriver

It asks neutron-server for the VPN services of its host, configures each IPsec site
connection on the CSR over REST (pre-shared key, IKE policy, IPsec policy, tunnel, one
static route per peer CIDR; undone in reverse when a step fails or the connection goes),
and polls the CSR's sessions to report ACTIVE / DOWN / ERROR back.
"""
import oslo_messaging
from neutron_lib import context as n_context
from neutron_lib import rpc as n_rpc
from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import loopingcall

from neutron_vpnaas.services.vpn import device_drivers

from lab_csr_driver import csr_client
from lab_csr_driver import mapping
from lab_csr_driver import topics

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.StrOpt('rest_url', default='https://csr:55443/api/v1', help='The CSR REST API'),
    cfg.StrOpt('username', default='stack'),
    cfg.StrOpt('password', secret=True, default=''),
    cfg.IntOpt('status_check_interval', default=10, help='Seconds between session polls'),
    cfg.StrOpt('local_ip', default='GigabitEthernet1', help='local-device ip-address of the tunnels'),
    cfg.StrOpt('tunnel_ip', default='172.24.4.2', help='the CSR side of the tunnels'),
]


class DriverApi(object):
    """Calls to the service driver, on its own topic."""

    def __init__(self):
        self.client = n_rpc.get_client(oslo_messaging.Target(topic=topics.DRIVER_TOPIC, version=topics.RPC_VERSION))

    def get_vpn_services_on_host(self, context, host):
        return self.client.prepare().call(context, 'get_vpn_services_on_host', host=host)

    def update_status(self, context, status):
        return self.client.prepare().call(context, 'update_status', status=status)


class LabCsrIPsecDriver(device_drivers.DeviceDriver):
    target = oslo_messaging.Target(version=topics.RPC_VERSION)

    def __init__(self, vpn_service, host):
        super().__init__(vpn_service, host)
        self.conf = vpn_service.conf
        self.conf.register_opts(OPTS, 'lab_csr')
        self.host = host
        self.context = n_context.get_admin_context_without_session()
        self.csr = csr_client.CsrClient(self.conf.lab_csr.rest_url, self.conf.lab_csr.username, self.conf.lab_csr.password)
        # connection id -> what was made on the CSR for it
        self.connections = {}
        self.next_id = 1
        self.agent_rpc = DriverApi()
        self.conn = n_rpc.Connection()
        self.conn.create_consumer('%s.%s' % (topics.AGENT_TOPIC, host), [self], fanout=False)
        self.conn.consume_in_threads()
        self.poller = loopingcall.FixedIntervalLoopingCall(self.report_status)
        self.poller.start(interval=self.conf.lab_csr.status_check_interval)
        LOG.info("lab CSR device driver ready on host %s, CSR at %s", host, self.conf.lab_csr.rest_url)

    # RPC from the service driver
    def vpnservice_updated(self, context, **kwargs):
        self.sync(context, [])

    # Called by the agent's VPN service
    def sync(self, context, processes):
        services = self.agent_rpc.get_vpn_services_on_host(context, self.host)
        wanted = {}
        for service in services:
            for connection in service.get('ipsec_site_connections', []):
                wanted[connection['id']] = (service, connection)
        for conn_id in list(self.connections):
            if conn_id not in wanted:
                self.delete_connection(conn_id)
        for conn_id, (service, connection) in wanted.items():
            if conn_id not in self.connections:
                self.create_connection(service, connection)

    def create_router(self, router_info):
        pass

    def destroy_router(self, process_id):
        pass

    def create_connection(self, service, connection):
        number = self.next_id
        self.next_id += 1
        tunnel = 'Tunnel%d' % number
        made = []
        record = {'service_id': service['id'], 'tunnel': tunnel, 'made': made, 'status': 'PENDING_CREATE'}
        try:
            steps = [
                ('vpn-svc/ike/keyrings', mapping.keyring_body(connection), 'vpn-svc/ike/keyrings/%s' % connection['id']),
                ('vpn-svc/ike/policies', mapping.ike_policy_body(number, connection['ikepolicy']), 'vpn-svc/ike/policies/%d' % number),
                ('vpn-svc/ipsec/policies', mapping.ipsec_policy_body(number, connection['ipsecpolicy']), 'vpn-svc/ipsec/policies/%d' % number),
                ('vpn-svc/site-to-site', mapping.tunnel_body(tunnel, number, self.conf.lab_csr.local_ip, self.conf.lab_csr.tunnel_ip, connection), 'vpn-svc/site-to-site/%s' % tunnel),
            ]
            steps += [('routing-svc/static-routes', mapping.route_body(cidr, tunnel), 'routing-svc/static-routes/%s' % mapping.route_id(cidr, tunnel)) for cidr in connection.get('peer_cidrs', [])]
            for collection, body, item in steps:
                self.csr.create(collection, body)
                made.append(item)
            LOG.info("lab CSR: connection %s created as %s", connection['id'], tunnel)
        except (csr_client.CsrError, mapping.UnsupportedValue) as error:
            LOG.error("lab CSR: creating connection %s failed, rolling back: %s", connection['id'], error)
            self.undo(made)
            record['status'] = 'ERROR'
        self.connections[connection['id']] = record

    def delete_connection(self, conn_id):
        record = self.connections.pop(conn_id)
        self.undo(record['made'])
        LOG.info("lab CSR: connection %s deleted", conn_id)

    def undo(self, made):
        for item in reversed(made):
            try:
                self.csr.delete(item)
            except csr_client.CsrError as error:
                LOG.warning("lab CSR: could not delete %s: %s", item, error)

    def report_status(self):
        if not self.connections:
            return
        try:
            sessions = self.csr.session_statuses()
        except Exception as error:  # the CSR unreachable: try again at the next poll
            LOG.warning("lab CSR: cannot read the sessions: %s", error)
            return
        by_service = {}
        for conn_id, record in self.connections.items():
            if record['status'] != 'ERROR':
                record['status'] = mapping.neutron_status(sessions.get(record['tunnel'], 'ERROR'))
            entry = by_service.setdefault(record['service_id'], {'id': record['service_id'], 'status': 'ACTIVE', 'updated_pending_status': True, 'ipsec_site_connections': {}})
            entry['ipsec_site_connections'][conn_id] = {'status': record['status'], 'updated_pending_status': True}
        self.agent_rpc.update_status(self.context, list(by_service.values()))
