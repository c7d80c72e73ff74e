package dev.berth.runtime.cgroup;

import dev.berth.oci.runtime.RuntimeSpec.Device;
import dev.berth.oci.runtime.RuntimeSpec.DeviceRule;
import dev.berth.oci.runtime.RuntimeSpec.Resources;

import java.util.ArrayList;
import java.util.List;

/**
 * The device cgroup rules a container gets: the config's own rules, then runc's defaults (mknod of any node; use
 * of null, zero, full, random, urandom, tty, ptmx, the pty slaves and /dev/net/tun), then each configured
 * linux.devices node. Without these a "deny all" rule would keep the runtime from creating /dev/null itself.
 */
public final class DefaultDevices {
    private static final List<DeviceRule> ALLOWED = List.of(
            new DeviceRule(true, "c", null, null, "m"), new DeviceRule(true, "b", null, null, "m"),
            new DeviceRule(true, "c", 1L, 3L, "rwm"), new DeviceRule(true, "c", 1L, 8L, "rwm"),
            new DeviceRule(true, "c", 1L, 7L, "rwm"), new DeviceRule(true, "c", 5L, 0L, "rwm"),
            new DeviceRule(true, "c", 1L, 5L, "rwm"), new DeviceRule(true, "c", 1L, 9L, "rwm"),
            new DeviceRule(true, "c", 136L, null, "rwm"), new DeviceRule(true, "c", 5L, 2L, "rwm"),
            new DeviceRule(true, "c", 10L, 200L, "rwm"));

    private DefaultDevices() {}

    public static Resources withDefaults(Resources r, List<Device> devices) {
        Resources base = r == null ? Resources.NONE : r;
        List<DeviceRule> rules = new ArrayList<>(base.devices());
        rules.addAll(ALLOWED);
        for (Device d : devices) rules.add(new DeviceRule(true, d.type().equals("p") ? "c" : d.type(), d.major(), d.minor(), "rwm"));
        return new Resources(base.memory(), base.cpu(), base.pids(), base.blockIO(), List.copyOf(rules), base.unified());
    }
}
