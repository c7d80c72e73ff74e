package dev.berth.build;

/** A build step failed; the message says which step and why, as docker's classic builder words it. */
public class BuildException extends RuntimeException {
    public BuildException(String message) {
        super(message);
    }
}
