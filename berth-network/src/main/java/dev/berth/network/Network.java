package dev.berth.network;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network record as berth keeps it. Drivers: "bridge" (the default bridge and user-defined ones: a Linux
 * bridge, containers attached by the CNI bridge plugin), "host" (the host's namespace) and "null" (--network
 * none: only the loopback).
 *
 * @param isDefault the predefined "bridge" network (docker's default: no name resolution, resolv.conf from the host)
 */
public record Network(String id, String name, String driver, Cidr subnet, String gateway, String bridge, boolean internal,
                      boolean attachable, boolean isDefault, Map<String, String> labels, Map<String, String> options, String created) {

    public boolean isBridge() {
        return driver.equals("bridge");
    }

    /** Predefined networks (bridge, host, none) cannot be removed. */
    public boolean predefined() {
        return isDefault || driver.equals("host") || driver.equals("null");
    }

    /** The name the CNI plugins know it by: it names the IPAM directory and appears in iptables comments. */
    public String cniName() {
        return "berth-" + id.substring(0, 12);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", id);
        m.put("Name", name);
        m.put("Driver", driver);
        m.put("Subnet", subnet == null ? null : subnet.toString());
        m.put("Gateway", gateway);
        m.put("Bridge", bridge);
        m.put("Internal", internal);
        m.put("Attachable", attachable);
        m.put("Default", isDefault);
        m.put("Labels", labels);
        m.put("Options", options);
        m.put("Created", created);
        return m;
    }

    public static Network fromJson(JsonObject j) {
        String subnet = j.string("Subnet");
        return new Network(j.requireString("Id"), j.requireString("Name"), j.requireString("Driver"), subnet == null ? null : Cidr.parse(subnet),
                j.string("Gateway"), j.string("Bridge"), j.bool("Internal"), j.bool("Attachable"), j.bool("Default"),
                j.stringMap("Labels"), j.stringMap("Options"), j.string("Created", ""));
    }

    /** docker's network inspect shape, without Containers (the engine adds them). */
    public Map<String, Object> inspect() {
        List<Object> ipam = subnet == null ? List.of() : List.of(Json.obj("Subnet", subnet.toString(), "Gateway", gateway));
        Map<String, Object> opts = new LinkedHashMap<>(options);
        if (bridge != null) opts.putIfAbsent("com.docker.network.bridge.name", bridge);
        return Json.obj("Name", name, "Id", id, "Created", created, "Scope", "local", "Driver", driver, "EnableIPv6", false,
                "IPAM", Json.obj("Driver", "default", "Options", Map.of(), "Config", ipam), "Internal", internal, "Attachable", attachable,
                "Ingress", false, "ConfigFrom", Json.obj("Network", ""), "ConfigOnly", false, "Options", opts, "Labels", labels);
    }
}
