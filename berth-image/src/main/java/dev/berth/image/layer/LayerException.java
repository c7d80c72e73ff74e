package dev.berth.image.layer;

import java.io.IOException;

/**
 * A layer that was refused or could not be applied, naming the entry and why, e.g.
 * {@code layer entry "../../etc/passwd": path escapes the layer root}. Nothing was written outside the target
 * directory; what was written inside it is the caller's to discard.
 */
public class LayerException extends IOException {
    private final String entry;

    public LayerException(String message) {
        super(message);
        this.entry = null;
    }

    public LayerException(String entry, String reason) {
        super("layer entry \"" + shown(entry) + "\": " + reason);
        this.entry = entry;
    }

    public LayerException(String entry, String reason, Throwable cause) {
        super("layer entry \"" + shown(entry) + "\": " + reason, cause);
        this.entry = entry;
    }

    /** Names are shown whole up to 200 characters (a hostile one may be megabytes long). */
    private static String shown(String entry) {
        return entry.length() <= 200 ? entry : entry.substring(0, 200) + "...(" + entry.length() + " characters)";
    }

    /** The entry's name as the tar stream gave it; null when the failure is not about one entry. */
    public String entry() {
        return entry;
    }
}
