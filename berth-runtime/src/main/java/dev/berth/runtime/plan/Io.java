package dev.berth.runtime.plan;

import java.nio.file.Path;

/**
 * Managed stdio: the container's monitor owns its streams (shim.h: P_LOG, P_ATTACH, P_STDIN, P_CONTROL), so logging
 * and attaching keep working after the Java process that created the container is gone, as conmon does for Podman.
 *
 * @param log           the json-file log (docker's format), or null for none
 * @param maxSize       bytes per log file before it is rotated; 0 never rotates
 * @param maxFiles      log files kept (PATH, PATH.1, ...); 1 truncates PATH instead of rotating, as docker does
 * @param attachSocket  a Unix socket for attach clients ({@link dev.berth.runtime.Attach}), or null for none
 * @param controlSocket a Unix socket for resizing the terminal ({@link dev.berth.runtime.Attach#resize}), or null
 * @param openStdin     the container's stdin is fed by attach clients (docker's OpenStdin); else /dev/null
 * @param stdinOnce     an attach client's half-close closes the container's stdin (docker's StdinOnce)
 */
public record Io(Path log, long maxSize, int maxFiles, Path attachSocket, Path controlSocket, boolean openStdin, boolean stdinOnce) {
    /** docker's json-file defaults when rotation is asked for: 10 MiB, 3 files (docker itself defaults to no rotation). */
    public static final long DEFAULT_MAX_SIZE = 10L << 20;
    public static final int DEFAULT_MAX_FILES = 3;
    /** The longest path a Unix socket address holds (sun_path is 108 bytes with its NUL). */
    public static final int MAX_SOCKET_PATH = 107;

    public Io {
        if (log == null && attachSocket == null) throw new IllegalArgumentException("managed stdio needs a log or an attach socket");
        if (maxSize < 0) throw new IllegalArgumentException("log max size: " + maxSize + " is negative");
        if (maxFiles < 1) maxFiles = 1;
        for (Path p : new Path[] {log, attachSocket, controlSocket}) {
            if (p != null && !p.isAbsolute()) throw new IllegalArgumentException(p + ": not an absolute path");
        }
        for (Path p : new Path[] {attachSocket, controlSocket}) {
            if (p != null && p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                throw new IllegalArgumentException(p + ": a Unix socket path holds at most " + MAX_SOCKET_PATH + " bytes");
            }
        }
        if (openStdin && attachSocket == null) throw new IllegalArgumentException("an open stdin needs an attach socket to feed it");
    }

    /** Output to a log only, rotated at docker's defaults; stdin is /dev/null. */
    public static Io logTo(Path log) {
        return new Io(log, DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES, null, null, false, false);
    }

    /** Output to attach clients only (docker's log driver "none"). */
    public static Io attachOnly(Path attachSocket, Path controlSocket, boolean openStdin, boolean stdinOnce) {
        return new Io(null, 0, 1, attachSocket, controlSocket, openStdin, stdinOnce);
    }

    public Io withAttach(Path attachSocket, Path controlSocket, boolean openStdin, boolean stdinOnce) {
        return new Io(log, maxSize, maxFiles, attachSocket, controlSocket, openStdin, stdinOnce);
    }

    public Io withRotation(long maxSize, int maxFiles) {
        return new Io(log, maxSize, maxFiles, attachSocket, controlSocket, openStdin, stdinOnce);
    }
}
