package dev.berth.engine;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container that could not be started, told as docker tells it: the runtime's "exec: No such file or
 * directory (executable file "x" not found in $PATH)" becomes runc's {@code exec: "x": executable file not found
 * in $PATH}, which the docker CLI turns into exit code 127 (126 for a permission error); the exit code recorded
 * in the container's state follows the same rule, as dockerd's does.
 */
record StartFailure(String message, int exitCode) {
    private static final String PREFIX = "failed to create task for container: OCI runtime create failed: unable to start container process: ";
    private static final Pattern NOT_IN_PATH = Pattern.compile("exec: .*\\(executable file \"(.*)\" not found in \\$PATH\\)");
    private static final Pattern EXEC = Pattern.compile("exec: ([^(]*) \\((.*)\\)");

    static StartFailure of(String runtimeMessage) {
        String m = runtimeMessage == null ? "the runtime failed without a message" : runtimeMessage;
        Matcher notInPath = NOT_IN_PATH.matcher(m), exec = EXEC.matcher(m);
        if (notInPath.matches()) {
            return new StartFailure(PREFIX + "exec: \"" + notInPath.group(1) + "\": executable file not found in $PATH: unknown", 127);
        }
        if (exec.matches()) {
            String err = exec.group(1).toLowerCase(), path = exec.group(2);
            String how = err.contains("no such file") ? "stat " + path + ": no such file or directory" : err;
            return new StartFailure(PREFIX + "exec: \"" + path + "\": " + how + ": unknown",
                    err.contains("no such file") ? 127 : err.contains("permission denied") || err.contains("is a directory") ? 126 : 128);
        }
        String line = m.lines().findFirst().orElse(m);
        return new StartFailure(line, line.contains("not found") ? 127 : 128);
    }
}
