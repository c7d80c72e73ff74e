package dev.berth.runtime;

/** A container could not be set up or run; the message names the step and the cause. */
public class ContainerException extends RuntimeException {
    public ContainerException(String message) {
        super(message);
    }
}
