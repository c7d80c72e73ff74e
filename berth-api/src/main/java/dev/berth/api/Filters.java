package dev.berth.api;

import java.util.List;
import java.util.Map;

/** docker's list filters: AND across keys, OR within a key except labels (every one must match); a label filter is "k" or "k=v". */
final class Filters {
    private Filters() {}

    static boolean container(Map<String, Object> c, Map<String, List<String>> filters) {
        Map<?, ?> config = (Map<?, ?>) c.get("Config");
        for (var f : filters.entrySet()) {
            if (f.getKey().equals("label")) {
                if (!labels((Map<?, ?>) config.get("Labels"), f.getValue())) return false;
                continue;
            }
            boolean any = false;
            for (String v : f.getValue()) {
                any |= switch (f.getKey()) {
                    case "status" -> v.equals(((Map<?, ?>) c.get("State")).get("Status"));
                    case "name" -> String.valueOf(c.get("Name")).contains(v);
                    case "id" -> String.valueOf(c.get("Id")).startsWith(v);
                    case "ancestor" -> v.equals(config.get("Image")) || String.valueOf(c.get("Image")).contains(v);
                    case "volume" -> String.valueOf(c.get("Mounts")).contains(v);
                    case "health" -> v.equals(((Map<?, ?>) c.get("State")).get("Health") instanceof Map<?, ?> h ? h.get("Status") : "none");
                    default -> true;
                };
            }
            if (!any) return false;
        }
        return true;
    }

    /** Every label filter matches, as moby ANDs them (compose finds a service's containers by two labels). */
    static boolean labels(Map<?, ?> labels, List<String> filters) {
        return filters.stream().allMatch(l -> label(labels, l));
    }

    static boolean label(Map<?, ?> labels, String filter) {
        if (labels == null) return false;
        int eq = filter.indexOf('=');
        if (eq < 0) return labels.containsKey(filter);
        return filter.substring(eq + 1).equals(String.valueOf(labels.get(filter.substring(0, eq))));
    }
}
