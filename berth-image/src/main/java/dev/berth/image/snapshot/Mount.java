package dev.berth.image.snapshot;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A mount to make, as containerd describes one: type ("overlay" or "bind"), source and options. Options that
 * are mount flags ("ro", "bind") are applied as flags; the others form the filesystem's data string.
 */
public record Mount(String type, String source, List<String> options) {
    /** The kernel copies at most one page of mount data, NUL included. */
    public static final int MAX_DATA = 4095;

    public Mount {
        options = List.copyOf(options);
    }

    public boolean readOnly() {
        return options.contains("ro");
    }

    /** The data string given to mount(2): the options that are not flags, comma-separated. */
    public String data() {
        return options.stream().filter(o -> !o.equals("ro") && !o.equals("rw") && !o.equals("bind")).collect(Collectors.joining(","));
    }

    /** The lower directories, topmost first (overlay only). */
    public List<String> lowerDirs() {
        return options.stream().filter(o -> o.startsWith("lowerdir=")).findFirst()
                .map(o -> List.of(o.substring("lowerdir=".length()).split(":"))).orElse(List.of());
    }
}
