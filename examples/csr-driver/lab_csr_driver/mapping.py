"""Neutron VPN resources to CSR REST bodies, as the CSR's API names things."""

IKE_ENCRYPTION = {'3des': '3des', 'aes-128': 'aes', 'aes-192': 'aes192', 'aes-256': 'aes256'}
IKE_HASH = {'sha1': 'sha'}
ESP_ENCRYPTION = {'3des': 'esp-3des', 'aes-128': 'esp-aes', 'aes-192': 'esp-192-aes', 'aes-256': 'esp-256-aes'}
ESP_AUTH = {'sha1': 'esp-sha-hmac'}

# CSR session status -> Neutron connection status.
SESSION_STATUS = {
    'UP-ACTIVE': 'ACTIVE',
    'UP-IDLE': 'ACTIVE',
    'UP-NO-IKE': 'ACTIVE',
    'DOWN': 'DOWN',
    'DOWN-NEGOTIATING': 'DOWN',
    'ERROR': 'ERROR',
}


class UnsupportedValue(ValueError):
    """A Neutron value the CSR cannot express."""


def _pick(table, value, what):
    if value not in table:
        raise UnsupportedValue('%s %r is not supported by the CSR' % (what, value))
    return table[value]


def _lifetime(policy):
    # The agent gets the policies as database rows (base_ipsec make_vpnservice_dict):
    # lifetime_value and lifetime_units, not the API's {'lifetime': {'units', 'value'}}.
    if policy.get('lifetime_units', 'seconds') != 'seconds':
        raise UnsupportedValue('lifetime units %r are not supported by the CSR' % policy['lifetime_units'])
    return int(policy['lifetime_value'])


def _group(pfs):
    return int(pfs.replace('group', ''))


def ike_policy_body(policy_id, ikepolicy):
    return {
        'priority-id': str(policy_id),
        'version': ikepolicy.get('ike_version', 'v1'),
        'local-auth-method': 'pre-share',
        'encryption': _pick(IKE_ENCRYPTION, ikepolicy['encryption_algorithm'], 'IKE encryption'),
        'hash': _pick(IKE_HASH, ikepolicy['auth_algorithm'], 'IKE hash'),
        'dhGroup': _group(ikepolicy['pfs']),
        'lifetime': _lifetime(ikepolicy),
    }


def ipsec_policy_body(policy_id, ipsecpolicy):
    suite = {
        'esp-encryption': _pick(ESP_ENCRYPTION, ipsecpolicy['encryption_algorithm'], 'ESP encryption'),
        'esp-authentication': _pick(ESP_AUTH, ipsecpolicy['auth_algorithm'], 'ESP authentication'),
    }
    if ipsecpolicy.get('transform_protocol') in ('ah', 'ah-esp'):
        suite['ah'] = 'ah-sha-hmac'
    return {
        'policy-id': str(policy_id),
        'mode': 'tunnel',
        'protection-suite': suite,
        'lifetime-sec': _lifetime(ipsecpolicy),
        'pfs': ipsecpolicy['pfs'],
        'anti-replay-window-size': 'disable',
    }


def keyring_body(connection):
    return {
        'keyring-name': connection['id'],
        'pre-shared-key-list': [{'key': connection['psk'], 'encrypted': False, 'peer-address': connection['peer_address']}],
    }


def tunnel_body(tunnel, policy_id, local_ip, tunnel_ip, connection):
    return {
        'vpn-interface-name': tunnel,
        'ipsec-policy-id': str(policy_id),
        'remote-device': {'tunnel-ip-address': connection['peer_address']},
        'local-device': {'ip-address': local_ip, 'tunnel-ip-address': tunnel_ip},
        'mtu': int(connection.get('mtu', 1500)),
        'vpn-type': 'site-to-site',
        'ip-version': 'ipv4',
    }


def route_body(cidr, tunnel):
    return {'destination-network': cidr, 'outgoing-interface': tunnel}


def route_id(cidr, tunnel):
    network, prefix = cidr.split('/')
    return '%s_%s_%s' % (network, prefix, tunnel)


def neutron_status(csr_status):
    """The Neutron status of a session; an unknown CSR status is an ERROR, not a crash."""
    return SESSION_STATUS.get(csr_status, 'ERROR')
