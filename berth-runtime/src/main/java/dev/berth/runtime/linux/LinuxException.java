package dev.berth.runtime.linux;

/** A failed system call: {@code call: strerror (subject)}, with the errno kept for callers that branch on it. */
public class LinuxException extends RuntimeException {
    private final int errno;

    public LinuxException(String call, int errno, String subject) {
        super(call + ": " + Libc.strerror(errno) + (subject == null ? "" : " (" + subject + ")"));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
