package dev.berth.runtime;

/** No container with this id exists under the runtime's root. */
public class ContainerNotFoundException extends IllegalArgumentException {
    public ContainerNotFoundException(String id) {
        super("container \"" + id + "\" does not exist");
    }
}
