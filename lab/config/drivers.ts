// The drivers lab knows by name: the in-tree device drivers and the default service provider.
// A leaf module: everything may import it.
export const STRONGSWAN_DEVICE_DRIVER = 'neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec.StrongSwanDriver';
export const LIBRESWAN_DEVICE_DRIVER = 'neutron_vpnaas.services.vpn.device_drivers.libreswan_ipsec.LibreSwanDriver';
export const DEFAULT_SERVICE_PROVIDER =
  'VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default';
export const DEVICE_DRIVER_FOR_PACKAGE = {
  strongswan: STRONGSWAN_DEVICE_DRIVER,
  libreswan: LIBRESWAN_DEVICE_DRIVER,
} as const;
export type IpsecPackage = keyof typeof DEVICE_DRIVER_FOR_PACKAGE;
