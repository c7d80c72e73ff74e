package dev.berth.build.dockerfile;

import java.util.Objects;

/**
 * One {@code key=value} of ENV, LABEL or ARG, as written: quotes and {@code $var} references are still in both
 * parts ({@code ENV k2="v 2"} gives key {@code k2}, value {@code "v 2"}); {@link Substitution#expand} removes
 * the quotes and expands the variables when the builder reaches the instruction.
 *
 * @param value null only for an ARG without a default ({@code ARG VERSION})
 */
public record KeyValue(String key, String value) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
    }
}
