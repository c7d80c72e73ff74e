package dev.berth.runtime.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Syscall name to number, for one of the x86 ABIs a seccomp filter on an x86_64 host can see. The tables are
 * generated from the kernel headers ({@code asm/unistd_64.h}, {@code unistd_32.h}, {@code unistd_x32.h}) and kept as
 * resources {@code syscalls-<abi>.txt} next to this class, one {@code name number} a line; each file's header says
 * how to regenerate it. x32 numbers already include {@code __X32_SYSCALL_BIT}. Each table is read on first use.
 */
enum SyscallTable {
    X86_64("syscalls-x86_64.txt"),
    I386("syscalls-i386.txt"),
    X32("syscalls-x32.txt");

    private final String resource;
    private volatile Map<String, Integer> numbers;

    SyscallTable(String resource) {
        this.resource = resource;
    }

    /** The syscall's number on this ABI, or -1 when the ABI has no syscall of that name. */
    int number(String name) {
        Integer n = table().get(name);
        return n == null ? -1 : n;
    }

    /** The names the table knows. */
    Set<String> names() {
        return table().keySet();
    }

    private Map<String, Integer> table() {
        Map<String, Integer> t = numbers;
        if (t == null) {
            synchronized (this) {
                t = numbers;
                if (t == null) numbers = t = load();
            }
        }
        return t;
    }

    private Map<String, Integer> load() {
        Map<String, Integer> t = new HashMap<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource + " next to " + SyscallTable.class.getName());
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] f = line.split("\\s+");
                if (f.length != 2) throw new IllegalStateException(resource + ":" + lineNo + ": expected \"name number\"");
                t.put(f[0], Integer.parseInt(f[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
        return Map.copyOf(t);
    }
}
