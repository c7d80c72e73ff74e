package dev.berth.api;

import dev.berth.api.http.Router;
import dev.berth.engine.ContainerNetworks;
import dev.berth.engine.Engine;
import dev.berth.network.Network;
import dev.berth.network.Networks;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The network endpoints of the Docker Engine API, mapped onto {@link ContainerNetworks}. */
public final class NetworkRoutes {
    private NetworkRoutes() {}

    public static void register(Router router, Engine engine) {
        ContainerNetworks nets = engine.networks();
        Routes r = new Routes(router);
        r.get("/networks", (q, s) -> {
            Map<String, List<String>> f = q.filters();
            List<Object> out = new ArrayList<>();
            for (Network n : nets.list()) {
                if (!matches(nets, n, f)) continue;
                Map<String, Object> m = n.inspect();
                m.put("Containers", Map.of());
                out.add(m);
            }
            s.json(200, out);
        });
        r.get("/networks/{id}", (q, s) -> s.json(200, nets.inspect(nets.find(q.param("id")))));
        r.post("/networks/create", (q, s) -> {
            JsonObject b = q.json();
            String subnet = null, gateway = null;
            JsonObject ipam = b.object("IPAM");
            if (ipam != null) {
                List<JsonObject> configs = ipam.objects("Config");
                if (configs.size() > 1) throw new IllegalArgumentException("IPAM.Config: only one subnet per network is supported");
                if (!configs.isEmpty()) {
                    subnet = configs.getFirst().string("Subnet");
                    gateway = configs.getFirst().string("Gateway");
                    if (configs.getFirst().has("IPRange")) throw new IllegalArgumentException("IPAM.Config.IPRange is not supported");
                }
            }
            if (b.bool("EnableIPv6")) throw new IllegalArgumentException("EnableIPv6: IPv6 networks are not supported");
            s.json(201, nets.create(new Networks.CreateRequest(b.string("Name"), b.string("Driver"), subnet, gateway, b.bool("Internal"),
                    b.bool("Attachable"), b.stringMap("Labels"), b.stringMap("Options"))));
        });
        r.delete("/networks/{id}", (q, s) -> {
            nets.remove(q.param("id"));
            s.empty(204);
        });
        r.post("/networks/{id}/connect", (q, s) -> {
            JsonObject b = q.json();
            JsonObject ep = b.object("EndpointConfig");
            nets.connect(q.param("id"), container(b), ep == null ? List.of() : ep.strings("Aliases"));
            s.empty(200);
        });
        r.post("/networks/{id}/disconnect", (q, s) -> {
            nets.disconnect(q.param("id"), container(q.json()));
            s.empty(200);
        });
        r.post("/networks/prune", (q, s) -> {
            Map<String, List<String>> f = q.filters();
            s.json(200, Json.obj("NetworksDeleted", nets.prune(n -> Filters.labels(n.labels(), f.getOrDefault("label", List.of())))));
        });
    }

    private static String container(JsonObject b) {
        String c = b.string("Container", "");
        if (c.isEmpty()) throw new IllegalArgumentException("Container is required");
        return c;
    }

    /** docker network ls filters: name (substring), id (prefix), label, driver, type (custom|builtin), dangling. */
    private static boolean matches(ContainerNetworks nets, Network n, Map<String, List<String>> filters) throws IOException {
        for (var f : filters.entrySet()) {
            if (f.getKey().equals("label")) {
                if (!Filters.labels(n.labels(), f.getValue())) return false;
                continue;
            }
            boolean any = false;
            for (String v : f.getValue()) {
                any |= switch (f.getKey()) {
                    case "name" -> n.name().contains(v);
                    case "id" -> n.id().startsWith(v);
                    case "driver" -> n.driver().equals(v);
                    case "type" -> v.equals(n.predefined() ? "builtin" : "custom");
                    case "dangling" -> Boolean.parseBoolean(v) == (!n.predefined() && nets.users(n).isEmpty());
                    default -> true;
                };
            }
            if (!any) return false;
        }
        return true;
    }
}
