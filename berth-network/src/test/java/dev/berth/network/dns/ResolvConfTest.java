package dev.berth.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {
    @Test
    void parsesNameserversAndTheLastSearchLine() {
        var conf = ResolvConf.parse("""
                # written by systemd-resolved
                nameserver 127.0.0.53
                nameserver   fd00::1   # trailing words are ignored
                nameserver dns.example.com
                ; a comment
                domain corp.example
                search Lab.Example. corp.example ; old
                options edns0 trust-ad
                nameserver 10.0.0.1
                """);

        assertThat(conf.nameservers()).containsExactly(InetAddress.ofLiteral("127.0.0.53"),
                InetAddress.ofLiteral("fd00::1"), InetAddress.ofLiteral("10.0.0.1"));
        assertThat(conf.search()).containsExactly("lab.example", "corp.example");
        assertThat(conf.upstreams()).first().isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.53"), 53));
    }

    @Test
    void aMissingFileHasNoUpstreams(@TempDir Path dir) throws IOException {
        assertThat(ResolvConf.read(dir.resolve("nope")).upstreams()).isEmpty();
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
        assertThat(ResolvConf.read(dir.resolve("resolv.conf")).nameservers())
                .isEqualTo(List.of(InetAddress.ofLiteral("192.0.2.53")));
    }
}
