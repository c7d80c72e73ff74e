package dev.berth.engine;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** Container ids (64 hex, as docker's) and names (given, or docker-style "adjective_scientist"). */
final class Names {
    static final Pattern VALID = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> LEFT = List.of("admiring", "bold", "brave", "clever", "eager", "elated", "festive", "gentle",
            "happy", "jolly", "keen", "lucid", "modest", "nifty", "quirky", "relaxed", "serene", "sharp", "stoic", "vibrant");
    private static final List<String> RIGHT = List.of("babbage", "curie", "darwin", "einstein", "euler", "feynman", "galileo", "hopper",
            "hypatia", "kepler", "lovelace", "meitner", "newton", "noether", "pascal", "ritchie", "shannon", "tesla", "turing", "wozniak");

    private Names() {}

    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String generate() {
        return LEFT.get(RANDOM.nextInt(LEFT.size())) + "_" + RIGHT.get(RANDOM.nextInt(RIGHT.size()));
    }

    /** "/web" from "web" or "/web"; 400 for names docker refuses. */
    static String canonical(String name) {
        if (!VALID.matcher(name).matches()) {
            throw new EngineException(400, "Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        return name.startsWith("/") ? name : "/" + name;
    }
}
