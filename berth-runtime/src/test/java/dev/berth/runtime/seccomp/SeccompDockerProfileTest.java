package dev.berth.runtime.seccomp;

import dev.berth.oci.runtime.RuntimeSpec.Seccomp;
import dev.berth.oci.runtime.RuntimeSpec.Syscall;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_AARCH64;
import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_I386;
import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_X86_64;
import static dev.berth.runtime.seccomp.BpfInterpreter.X32;
import static dev.berth.runtime.seccomp.SeccompProfiles.ALLOW;
import static dev.berth.runtime.seccomp.SeccompProfiles.KILL_PROCESS;
import static dev.berth.runtime.seccomp.SeccompProfiles.errno;
import static org.assertj.core.api.Assertions.assertThat;

/** Docker's default profile (moby profiles/seccomp/default.json) as Docker applies it to a default amd64 container. */
class SeccompDockerProfileTest {
    private static final int EPERM = errno(1);
    private static final long SIGCHLD = 17, CLONE_NEWUSER = 0x1000_0000L, CLONE_NEWNS = 0x2_0000L,
            CLONE_THREAD_FLAGS = 0x3d0f00L; // what glibc's pthread_create passes
    private static final Seccomp DOCKER = DockerProfile.dockerDefault();
    private static final byte[] PROGRAM = SeccompCompiler.compile(DOCKER);

    private static int x64(String name, long... args) {
        return BpfInterpreter.run(PROGRAM, AUDIT_ARCH_X86_64, SyscallTable.X86_64.number(name), args);
    }

    @Test
    void committedConfigResourceIsTheConversionOfDockersProfile() throws IOException {
        String expected = DockerProfile.convertedText(DockerProfile.resource(DockerProfile.DOCKER_RESOURCE));
        if (Boolean.getBoolean("berth.seccomp.regenerate")) {
            Files.writeString(Path.of("src/main/resources/dev/berth/runtime/seccomp", DockerProfile.CONVERTED_RESOURCE), expected);
        }
        assertThat(DockerProfile.resource(DockerProfile.CONVERTED_RESOURCE)).isEqualTo(expected);
    }

    @Test
    void conversionKeepsWhatDockerKeepsForAnAmd64DefaultContainer() {
        assertThat(DOCKER.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(DOCKER.defaultErrnoRet()).isEqualTo(1);
        assertThat(DOCKER.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        Set<String> named = new HashSet<>();
        for (Syscall s : DOCKER.syscalls()) named.addAll(s.names());
        assertThat(named).contains("read", "clone", "clone3", "arch_prctl", "modify_ldt", "chroot", "ptrace", "personality")
                .doesNotContain("mount", "unshare", "reboot", "setns", "kexec_load", "bpf", "open_by_handle_at",
                        "s390_runtime_instr", "cacheflush", "init_module");
        assertThat(DOCKER.syscalls().stream().filter(s -> s.names().equals(List.of("clone"))).toList())
                .singleElement().satisfies(c -> assertThat(c.args()).singleElement().satisfies(a -> {
                    assertThat(a.index()).isZero();
                    assertThat(a.op()).isEqualTo("SCMP_CMP_MASKED_EQ");
                    assertThat(a.value()).isEqualTo(0x7E02_0000L);
                }));
    }

    @Test
    void compilesWellUnderTheKernelLimit() {
        int n = BpfInterpreter.length(PROGRAM);
        System.out.println("Docker default seccomp profile: " + n + " BPF instructions");
        assertThat(n).isLessThan(1024);
        BpfInterpreter.check(PROGRAM);
        if (Boolean.getBoolean("berth.seccomp.dump")) System.out.print(BpfInterpreter.disassemble(PROGRAM));
    }

    @Test
    void allowsOrdinaryCalls() {
        for (String name : List.of("read", "write", "exit_group", "openat", "mmap", "futex", "arch_prctl", "chroot", "ptrace", "rseq")) {
            assertThat(x64(name)).as(name).isEqualTo(ALLOW);
        }
        assertThat(x64("clone", SIGCHLD)).isEqualTo(ALLOW);
        assertThat(x64("clone", CLONE_THREAD_FLAGS)).isEqualTo(ALLOW);
        assertThat(x64("socket", 2)).as("AF_INET").isEqualTo(ALLOW);
        assertThat(x64("personality", 0xFFFF_FFFFL)).isEqualTo(ALLOW);
        assertThat(x64("personality", 8)).isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_I386, 3)).as("i386 read").isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_I386, 102)).as("i386 socketcall").isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_I386, 120, SIGCHLD)).as("i386 clone").isEqualTo(ALLOW);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_X86_64, X32)).as("x32 read").isEqualTo(ALLOW);
    }

    @Test
    void deniesPrivilegedCallsWithEperm() {
        for (String name : List.of("mount", "umount2", "reboot", "kexec_load", "unshare", "setns", "bpf", "init_module",
                "open_by_handle_at", "pivot_root", "swapon", "keyctl", "add_key", "userfaultfd", "move_mount")) {
            assertThat(x64(name)).as(name).isEqualTo(EPERM);
        }
        assertThat(x64("clone", CLONE_NEWUSER | SIGCHLD)).isEqualTo(EPERM);
        assertThat(x64("clone", CLONE_NEWNS | SIGCHLD)).isEqualTo(EPERM);
        assertThat(x64("clone3")).as("ENOSYS, so libcs fall back to clone").isEqualTo(errno(38));
        assertThat(x64("socket", 40)).as("AF_VSOCK").isEqualTo(EPERM);
        assertThat(x64("personality", 1)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_I386, 21)).as("i386 mount").isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_I386, 120, CLONE_NEWUSER)).as("i386 clone").isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_X86_64, X32 | 165)).as("x32 mount").isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(PROGRAM, AUDIT_ARCH_AARCH64, 63)).isEqualTo(KILL_PROCESS);
    }

    /** Every number each ABI can see, with a few argument vectors, against the reference semantics; and speed. */
    @Test
    void everySyscallNumberMatchesTheReferenceQuickly() {
        long[][] argVectors = {{}, {SIGCHLD}, {CLONE_NEWUSER}, {40}, {0xFFFF_FFFFL}, {0x1_0000_0000L}, {8, 1, 2}};
        int maxSteps = 0;
        for (int[] abi : new int[][] {{AUDIT_ARCH_X86_64, 0}, {AUDIT_ARCH_X86_64, X32}, {AUDIT_ARCH_I386, 0}}) {
            for (int i = 0; i < 600; i++) {
                int nr = abi[1] | i;
                for (long[] args : argVectors) {
                    BpfInterpreter.Result r = BpfInterpreter.exec(PROGRAM, abi[0], nr, args);
                    assertThat(r.ret()).as("arch %x nr %x", abi[0], nr).isEqualTo(SeccompReference.decide(DOCKER, abi[0], nr, args));
                    maxSteps = Math.max(maxSteps, r.steps());
                }
            }
        }
        System.out.println("Docker default seccomp profile: at most " + maxSteps + " instructions run per syscall");
        assertThat(maxSteps).isLessThanOrEqualTo(40); // the worst: personality's five rules, none holding
    }
}
