package dev.berth.runtime.cgroup;

/**
 * A cgroup operation failed. The message names the file (or directory) and, for writes, the value, e.g.
 * {@code cgroup /sys/fs/cgroup/memory/berth/x/memory.limit_in_bytes: cannot write "12": Device or resource busy}.
 */
public class CgroupException extends RuntimeException {
    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
