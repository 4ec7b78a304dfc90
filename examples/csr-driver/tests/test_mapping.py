import unittest

from lab_csr_driver import mapping


class MappingTest(unittest.TestCase):
    def test_ike_policy(self):
        body = mapping.ike_policy_body(2, {'ike_version': 'v1', 'encryption_algorithm': 'aes-256', 'auth_algorithm': 'sha1', 'pfs': 'group14', 'lifetime_units': 'seconds', 'lifetime_value': 3600})
        self.assertEqual(body, {'priority-id': '2', 'version': 'v1', 'local-auth-method': 'pre-share', 'encryption': 'aes256', 'hash': 'sha', 'dhGroup': 14, 'lifetime': 3600})

    def test_ipsec_policy_with_ah(self):
        body = mapping.ipsec_policy_body(3, {'encryption_algorithm': 'aes-128', 'auth_algorithm': 'sha1', 'pfs': 'group5', 'transform_protocol': 'ah-esp', 'lifetime_value': 3600})
        self.assertEqual(body['protection-suite'], {'esp-encryption': 'esp-aes', 'esp-authentication': 'esp-sha-hmac', 'ah': 'ah-sha-hmac'})

    def test_unsupported_value(self):
        with self.assertRaises(mapping.UnsupportedValue):
            mapping.ike_policy_body(1, {'encryption_algorithm': 'aes-128', 'auth_algorithm': 'sha512', 'pfs': 'group5', 'lifetime_value': 60})

    def test_statuses(self):
        self.assertEqual([mapping.neutron_status(s) for s in ('UP-ACTIVE', 'UP-IDLE', 'UP-NO-IKE', 'DOWN', 'DOWN-NEGOTIATING', 'ERROR', 'SOMETHING-NEW')], ['ACTIVE', 'ACTIVE', 'ACTIVE', 'DOWN', 'DOWN', 'ERROR', 'ERROR'])
        self.assertEqual(mapping.route_id('10.2.0.0/24', 'Tunnel1'), '10.2.0.0_24_Tunnel1')


if __name__ == '__main__':
    unittest.main()
