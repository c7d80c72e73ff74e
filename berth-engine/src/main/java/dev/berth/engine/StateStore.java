package dev.berth.engine;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The engine's durable state: one row per container (its name unique, enforced by SQLite, so two creates with
 * one name cannot both win) holding a JSON document, in WAL mode so a crash at any point loses no committed
 * change. Kept small on purpose: the documents are the records' JSON form.
 */
public final class StateStore implements AutoCloseable {
    private final Connection db;

    public StateStore(Path root) throws IOException {
        Files.createDirectories(root);
        try {
            db = DriverManager.getConnection("jdbc:sqlite:" + root.resolve("berth.db"));
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS volumes (name TEXT PRIMARY KEY, doc TEXT NOT NULL)");
            }
        } catch (SQLException e) {
            throw new IOException("state database " + root.resolve("berth.db") + ": " + e.getMessage(), e);
        }
    }

    /** Inserts a new container; false if its name is taken. */
    public synchronized boolean insert(String id, String name, String doc) throws IOException {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO containers (id, name, doc) VALUES (?, ?, ?)")) {
            p.setString(1, id);
            p.setString(2, name);
            p.setString(3, doc);
            p.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("UNIQUE")) return false;
            throw new IOException("state database: insert container " + id + ": " + e.getMessage(), e);
        }
    }

    public synchronized void update(String id, String name, String doc) throws IOException {
        try (PreparedStatement p = db.prepareStatement("UPDATE containers SET name = ?, doc = ? WHERE id = ?")) {
            p.setString(1, name);
            p.setString(2, doc);
            p.setString(3, id);
            if (p.executeUpdate() != 1) throw new IOException("state database: container " + id + " is gone");
        } catch (SQLException e) {
            throw new IOException("state database: update container " + id + ": " + e.getMessage(), e);
        }
    }

    public synchronized void delete(String id) throws IOException {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM containers WHERE id = ?")) {
            p.setString(1, id);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IOException("state database: delete container " + id + ": " + e.getMessage(), e);
        }
    }

    public synchronized List<JsonObject> all() throws IOException {
        List<JsonObject> out = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT doc FROM containers")) {
            while (r.next()) out.add(Json.parseObject(r.getString(1), "state database"));
        } catch (SQLException e) {
            throw new IOException("state database: list containers: " + e.getMessage(), e);
        }
        return out;
    }

    public synchronized Optional<JsonObject> get(String id) throws IOException {
        try (PreparedStatement p = db.prepareStatement("SELECT doc FROM containers WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(Json.parseObject(r.getString(1), "state database")) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IOException("state database: get container " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }
}
