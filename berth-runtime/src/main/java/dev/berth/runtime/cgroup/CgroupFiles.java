package dev.berth.runtime.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads and writes cgroup control files. Every write is one {@code write(2)} on a file opened without
 * {@code O_CREAT} (a missing control file is an error, never a new regular file), and every failure becomes a
 * {@link CgroupException} naming the file and the value. Tests subclass this to record or veto writes.
 */
class CgroupFiles {
    static final CgroupFiles REAL = new CgroupFiles();

    /** Writes value as the whole content of file, in a single write. */
    void write(Path file, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            int n = ch.write(ByteBuffer.wrap(bytes));
            if (n != bytes.length) {
                throw new CgroupException("cgroup " + file + ": cannot write \"" + value + "\": short write ("
                        + n + " of " + bytes.length + " bytes)");
            }
        } catch (IOException e) {
            throw new CgroupException("cgroup " + file + ": cannot write \"" + value + "\": " + reason(e), e);
        }
    }

    /** The file's content with surrounding whitespace removed. */
    String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new CgroupException("cgroup " + file + ": cannot read: " + reason(e), e);
        }
    }

    /** The file's stripped content, or empty when the file does not exist. */
    Optional<String> readIfExists(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CgroupException("cgroup " + file + ": cannot read: " + reason(e), e);
        }
    }

    boolean exists(Path file) {
        return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
    }

    /** A single-number file ("max" counts as absent); empty when the file is missing. */
    OptionalLong readLong(Path file) {
        Optional<String> s = readIfExists(file);
        if (s.isEmpty() || s.get().isEmpty() || s.get().equals("max")) return OptionalLong.empty();
        return OptionalLong.of(parse(file, s.get()));
    }

    /**
     * The value of {@code key} in a flat-keyed file ("key value" lines: memory.events, cpu.stat,
     * memory.oom_control, cgroup.events); empty when the file or the key is missing.
     */
    OptionalLong readKeyed(Path file, String key) {
        Optional<String> s = readIfExists(file);
        if (s.isEmpty()) return OptionalLong.empty();
        for (String line : s.get().split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && f[0].equals(key)) return OptionalLong.of(parse(file, f[1]));
        }
        return OptionalLong.empty();
    }

    static long parse(Path file, String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            // Some counters are u64 and may exceed a long: saturate rather than fail.
            if (s.strip().matches("\\d+")) return Long.MAX_VALUE;
            throw new CgroupException("cgroup " + file + ": not a number: \"" + s + "\"", e);
        }
    }

    /** The operating system's words for an I/O failure ("Device or resource busy"). */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
        if (e instanceof FileSystemException fse && fse.getReason() != null) return fse.getReason();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
