/**
 * Container networking: network namespaces, the CNI plugins (bridge, host-local, portmap, firewall, tuning)
 * executed per the CNI spec, user-defined networks, published ports and the daemon's embedded DNS server.
 */
package dev.berth.network;
