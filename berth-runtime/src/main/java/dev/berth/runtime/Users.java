package dev.berth.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** USER values ("app", "1000", "app:staff", "1000:50") resolved against the image's /etc/passwd and /etc/group. */
public final class Users {
    private Users() {}

    /** {uid, gid} for a USER value; an unknown name is an IllegalArgumentException saying which file lacked it. */
    public static long[] resolve(Path rootfs, String user) throws IOException {
        if (user == null || user.isEmpty()) return new long[]{0, 0};
        String[] ug = user.split(":", 2);
        long uid;
        long gid = -1;
        if (ug[0].matches("\\d+")) {
            uid = Long.parseLong(ug[0]);
            String[] pw = find(rootfs.resolve("etc/passwd"), 2, ug[0]);
            if (pw != null) gid = Long.parseLong(pw[3]);
        } else {
            String[] pw = find(rootfs.resolve("etc/passwd"), 0, ug[0]);
            if (pw == null) throw new IllegalArgumentException("unable to find user " + ug[0] + ": no matching entries in passwd file");
            uid = Long.parseLong(pw[2]);
            gid = Long.parseLong(pw[3]);
        }
        if (ug.length > 1) {
            if (ug[1].matches("\\d+")) {
                gid = Long.parseLong(ug[1]);
            } else {
                String[] gr = find(rootfs.resolve("etc/group"), 0, ug[1]);
                if (gr == null) throw new IllegalArgumentException("unable to find group " + ug[1] + ": no matching entries in group file");
                gid = Long.parseLong(gr[2]);
            }
        }
        return new long[]{uid, gid < 0 ? 0 : gid};
    }

    private static String[] find(Path file, int field, String value) throws IOException {
        if (!Files.isRegularFile(file)) return null;
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(":", -1); // -1: a group line's member list may be empty
            if (f.length > 3 && f[field].equals(value)) return f;
        }
        return null;
    }
}
