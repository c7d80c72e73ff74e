package dev.berth.oci.json;

/** Malformed JSON, or a field of the wrong type; the message names the file and the field path. */
public class JsonException extends IllegalArgumentException {
    public JsonException(String message) {
        super(message);
    }
}
