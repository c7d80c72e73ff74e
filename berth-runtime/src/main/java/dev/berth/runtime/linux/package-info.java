/**
 * Linux system calls made from Java through java.lang.foreign: only those that are safe in a multi-threaded
 * JVM (pipes, poll, posix_spawn, kill, waitpid, fifos). Namespace and mount work is the C shim's
 * (src/main/c), because it must happen in a single-threaded process between clone and execve.
 */
package dev.berth.runtime.linux;
