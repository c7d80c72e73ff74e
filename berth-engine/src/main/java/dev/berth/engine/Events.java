package dev.berth.engine;

import dev.berth.oci.json.Json;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * docker events: every change is published to live subscribers and kept in a ring of the last 1024 for
 * {@code since}. Events carry the current fields and the legacy {@code status}, {@code id}, {@code from} that
 * docker-compose 1.29 still reads.
 */
public final class Events {
    private static final int KEEP = 1024;
    private final Deque<Map<String, Object>> ring = new ArrayDeque<>();
    private final List<BlockingQueue<Map<String, Object>>> subscribers = new CopyOnWriteArrayList<>();

    public void publish(String type, String action, String id, Map<String, String> attributes) {
        long nanos = System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L;
        Map<String, Object> e = Json.obj("Type", type, "Action", action, "Actor", Json.obj("ID", id, "Attributes", attributes),
                "scope", "local", "time", nanos / 1_000_000_000L, "timeNano", nanos);
        if (type.equals("container")) {
            e.put("status", action);
            e.put("id", id);
            if (attributes.containsKey("image")) e.put("from", attributes.get("image"));
        }
        synchronized (ring) {
            ring.addLast(e);
            if (ring.size() > KEEP) ring.removeFirst();
        }
        for (BlockingQueue<Map<String, Object>> q : subscribers) q.offer(e);
    }

    /** Events since a unix time (seconds), oldest first. */
    public List<Map<String, Object>> since(long sinceSeconds) {
        synchronized (ring) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Map<String, Object> e : ring) if (((Number) e.get("time")).longValue() >= sinceSeconds) out.add(e);
            return out;
        }
    }

    public BlockingQueue<Map<String, Object>> subscribe() {
        BlockingQueue<Map<String, Object>> q = new LinkedBlockingQueue<>();
        subscribers.add(q);
        return q;
    }

    public void unsubscribe(BlockingQueue<Map<String, Object>> q) {
        subscribers.remove(q);
    }
}
