"""A small REST client for the CSR: token login, X-auth-token, one re-login on 401."""
import requests
import urllib3

# The CSR's certificate is self-signed; like the Cisco client, this one does not verify it.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


class CsrError(Exception):
    def __init__(self, method, resource, status, body):
        super().__init__('%s %s -> %s %s' % (method, resource, status, body))
        self.status = status


class CsrClient(object):
    def __init__(self, base_url, username, password, timeout=10):
        self.base_url = base_url.rstrip('/')
        self.auth = (username, password)
        self.timeout = timeout
        self.token = None

    def login(self):
        response = requests.post(self.base_url + '/auth/token-services', auth=self.auth, verify=False, timeout=self.timeout)
        if response.status_code != 200:
            raise CsrError('POST', 'auth/token-services', response.status_code, response.text)
        self.token = response.json()['token-id']
        return self.token

    def request(self, method, resource, body=None, expect=(200,)):
        """The JSON answer (or the Location of a create); a 401 logs in again once."""
        for attempt in (1, 2):
            if self.token is None:
                self.login()
            response = requests.request(method, '%s/%s' % (self.base_url, resource), json=body, headers={'X-auth-token': self.token}, verify=False, timeout=self.timeout)
            if response.status_code == 401 and attempt == 1:
                self.token = None
                continue
            break
        if response.status_code not in expect:
            raise CsrError(method, resource, response.status_code, response.text)
        if response.status_code == 201:
            return response.headers.get('location')
        return response.json() if response.content else None

    def create(self, resource, body):
        return self.request('POST', resource, body, expect=(201,))

    def get(self, resource):
        return self.request('GET', resource)

    def delete(self, resource):
        # 404 counts as removed: a rollback may delete what was never made.
        return self.request('DELETE', resource, expect=(204, 404))

    def set_enabled(self, tunnel, enabled):
        return self.request('PUT', 'vpn-svc/site-to-site/%s/state' % tunnel, {'vpn-interface-name': tunnel, 'enabled': enabled}, expect=(204,))

    def session_statuses(self):
        items = self.get('vpn-svc/site-to-site/active/sessions').get('items', [])
        return {item['vpn-interface-name']: item['status'] for item in items}
