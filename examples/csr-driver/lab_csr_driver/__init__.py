"""A VPNaaS driver pair for a Cisco CSR 1000v over its REST API, written for lab.

service_driver.LabCsrIPsecVPNDriver runs in neutron-server; device_driver.LabCsrIPsecDriver
runs in the VPN agent (the L3 agent with the vpnaas extension). They talk over RPC topics
of their own, as the historical Cisco CSR driver pair did.
"""
