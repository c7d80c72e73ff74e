/**
 * Control groups: the container's resource limits, membership, freezing, killing and usage counters.
 *
 * <h2>Three kinds of host</h2>
 * <ul>
 *   <li><b>v1</b> (legacy): one cgroupfs mount per hierarchy under /sys/fs/cgroup, each with one or more
 *       controllers ({@code memory}, {@code cpu,cpuacct} comounted, {@code net_cls,net_prio}, ...), plus named
 *       hierarchies without controllers such as {@code name=systemd}. A process is in one cgroup per hierarchy,
 *       so joining a cgroup means writing its pid into the cgroup.procs of every hierarchy.</li>
 *   <li><b>unified</b> (v2): one cgroup2 mount at /sys/fs/cgroup. A controller only shows files in a cgroup
 *       once every ancestor lists it in cgroup.subtree_control; the "no internal processes" rule means
 *       processes live in leaves. Core files (cgroup.procs, cgroup.events, cgroup.freeze, cgroup.kill,
 *       cpu.stat) exist in every non-root cgroup whatever is enabled.</li>
 *   <li><b>hybrid</b> (systemd's middle way): the v1 hierarchies as above, and a cgroup2 tree, usually at
 *       /sys/fs/cgroup/unified, that has few or no controllers because each controller can be bound to only one
 *       of the two. berth joins both: the pid goes into every v1 hierarchy and the v2 tree.</li>
 * </ul>
 *
 * <h2>One rule for all three</h2>
 * {@link dev.berth.runtime.cgroup.CgroupLayout} reads /proc/self/mountinfo and says, per controller, which
 * hierarchy owns it ({@link dev.berth.runtime.cgroup.CgroupLayout#ownerOf}): a v1 hierarchy that has it mounted,
 * else the v2 tree if its root offers it. {@link dev.berth.runtime.cgroup.Cgroup#apply} then writes each limit
 * in the owner's format (v1: memory.limit_in_bytes, cpu.shares, ...; v2: memory.max, cpu.weight, ...), so a
 * hybrid host with memory in v1 and hugetlb in v2 is handled without special cases. Choices on hybrid hosts:
 * <ul>
 *   <li>Freezing uses the v1 freezer when there is a v1 freezer hierarchy (what v1 tools and runc look at),
 *       the v2 core file cgroup.freeze otherwise.</li>
 *   <li>SIGKILL to all uses v2 cgroup.kill whenever the v2 tree has it, hybrid included: it needs no
 *       controller and cannot miss a process that forks meanwhile. Other signals: freeze, signal each pid, thaw.</li>
 *   <li>Process lists come from the v2 tree when there is one (every process has a v2 cgroup).</li>
 *   <li>{@code linux.resources.unified} keys are written into the v2 tree; on a v1-only host they are an error.</li>
 * </ul>
 *
 * <h2>Not done here</h2>
 * Device rules on cgroup v2 need an eBPF program attached to the cgroup; berth does not load one yet, so
 * {@code apply} ignores them there and returns a warning. Paths are cgroupfs paths ("/berth/&lt;id&gt;"); the
 * systemd driver form "slice:prefix:name" is refused. Libc's kill(2) is called through a small FFM helper
 * ({@code Signals}) until the runtime's Linux package owns libc calls.
 */
package dev.berth.runtime.cgroup;
