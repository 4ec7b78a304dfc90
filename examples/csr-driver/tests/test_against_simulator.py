"""The driver's REST sequence against the lab's CSR simulator (run in q-vpn, on the lab network):

    lab exec q-vpn env LAB_CSR_PASSWORD=... python3 -m unittest discover -s /opt/lab/plugins/lab-csr-driver
"""
import os
import unittest

from lab_csr_driver import csr_client
from lab_csr_driver import mapping

CONNECTION = {
    'id': 'c0ffee00-0000-4000-8000-000000000001',
    'psk': 'a-test-key',
    'peer_address': '172.24.4.10',
    'peer_cidrs': ['10.2.0.0/24', '10.3.0.0/24'],
    'mtu': 1500,
    'ikepolicy': {'ike_version': 'v1', 'encryption_algorithm': 'aes-128', 'auth_algorithm': 'sha1', 'pfs': 'group5', 'lifetime_value': 3600},
    'ipsecpolicy': {'encryption_algorithm': 'aes-128', 'auth_algorithm': 'sha1', 'pfs': 'group5', 'transform_protocol': 'esp', 'lifetime_value': 3600},
}


class AgainstSimulatorTest(unittest.TestCase):
    def setUp(self):
        if not os.environ.get('LAB_CSR_PASSWORD'):
            self.fail('run inside the lab with LAB_CSR_PASSWORD set (see the module docstring)')
        self.csr = csr_client.CsrClient(os.environ.get('LAB_CSR_URL', 'https://csr:55443/api/v1'), os.environ.get('LAB_CSR_USERNAME', 'stack'), os.environ['LAB_CSR_PASSWORD'])

    def test_create_status_delete(self):
        made = []
        steps = [
            ('vpn-svc/ike/keyrings', mapping.keyring_body(CONNECTION), 'vpn-svc/ike/keyrings/' + CONNECTION['id']),
            ('vpn-svc/ike/policies', mapping.ike_policy_body(901, CONNECTION['ikepolicy']), 'vpn-svc/ike/policies/901'),
            ('vpn-svc/ipsec/policies', mapping.ipsec_policy_body(901, CONNECTION['ipsecpolicy']), 'vpn-svc/ipsec/policies/901'),
            ('vpn-svc/site-to-site', mapping.tunnel_body('Tunnel901', 901, '10.1.0.1/24', '172.24.4.2', CONNECTION), 'vpn-svc/site-to-site/Tunnel901'),
        ] + [('routing-svc/static-routes', mapping.route_body(c, 'Tunnel901'), 'routing-svc/static-routes/' + mapping.route_id(c, 'Tunnel901')) for c in CONNECTION['peer_cidrs']]
        try:
            for collection, body, item in steps:
                location = self.csr.create(collection, body)
                self.assertTrue(location.endswith('/' + item), location)
                made.append(item)
            self.assertEqual(self.csr.get('vpn-svc/ike/policies/901')['encryption'], 'aes')
            self.assertIn(mapping.neutron_status(self.csr.session_statuses()['Tunnel901']), ('DOWN', 'ACTIVE'))
            self.csr.set_enabled('Tunnel901', False)
            self.assertEqual(self.csr.session_statuses()['Tunnel901'], 'DOWN')
        finally:
            for item in reversed(made):
                self.csr.delete(item)
        self.assertNotIn('Tunnel901', self.csr.session_statuses())
        with self.assertRaises(csr_client.CsrError) as refused:
            self.csr.get('vpn-svc/ike/policies/901')
        self.assertEqual(refused.exception.status, 404)

    def test_duplicate_is_refused(self):
        self.csr.create('vpn-svc/ike/policies', {'priority-id': '902'})
        try:
            with self.assertRaises(csr_client.CsrError) as duplicate:
                self.csr.create('vpn-svc/ike/policies', {'priority-id': '902'})
            self.assertEqual(duplicate.exception.status, 400)
        finally:
            self.csr.delete('vpn-svc/ike/policies/902')

    def test_logs_in_again_when_the_token_is_gone(self):
        self.csr.login()
        self.csr.token = 'expired'
        self.assertEqual(self.csr.get('global/host-name')['kind'], 'object#host-name')
        self.assertNotEqual(self.csr.token, 'expired')


if __name__ == '__main__':
    unittest.main()
