package dev.berth.api;

import java.nio.file.Path;

/** {@link TlsCerts} for tests in other packages. */
public final class TlsCertsAccess {
    private TlsCertsAccess() {
    }

    public static Path make(Path dir) throws Exception {
        return TlsCerts.make(dir);
    }
}
