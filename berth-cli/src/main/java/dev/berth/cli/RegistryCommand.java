package dev.berth.cli;

import dev.berth.image.Image;
import dev.berth.image.Images;
import dev.berth.image.registry.Credentials;
import dev.berth.image.registry.ProgressListener;
import dev.berth.image.registry.RegistryClient;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.Platform;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** pull, push, login, logout: the registry commands, with docker's progress lines. */
final class RegistryCommand {
    private final PrintStream out;
    private final Path dataRoot;

    RegistryCommand(PrintStream out, Path dataRoot) {
        this.out = out;
        this.dataRoot = dataRoot;
    }

    int run(String cmd, Args a) throws IOException {
        return switch (cmd) {
            case "pull" -> pull(a);
            case "push" -> push(a);
            case "login" -> login(a);
            case "logout" -> logout(a);
            default -> throw new Args.UsageException("unknown command " + cmd);
        };
    }

    /** Prints one line per blob as it finishes, as docker does when not on a terminal. */
    private ProgressListener lines(String verb) {
        Map<Digest, Long> sizes = new HashMap<>();
        return new ProgressListener() {
            @Override
            public synchronized void started(Digest d, long size) {
                sizes.put(d, size);
            }

            @Override
            public void progress(Digest d, long bytes) {
            }

            @Override
            public synchronized void done(Digest d) {
                out.println(d.shortHex() + ": " + (verb.equals("Pull") ? "Pull complete" : "Pushed"));
            }

            @Override
            public synchronized void exists(Digest d, long size) {
                out.println(d.shortHex() + ": " + (verb.equals("Pull") ? "Already exists" : "Layer already exists"));
            }

            @Override
            public synchronized void mounted(Digest d, String from) {
                out.println(d.shortHex() + ": Mounted from " + from);
            }
        };
    }

    private int pull(Args a) throws IOException {
        Platform platform = null;
        boolean quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--platform" -> platform = Platform.parse(a.value(f));
                case "-q", "--quiet" -> quiet = true;
                case "-a", "--all-tags" -> throw new Args.UsageException("--all-tags is not supported");
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String name = a.required("image name");
        a.end();
        ImageReference ref = ImageReference.parse(name);
        if (!quiet && !name.contains(":") && !name.contains("@")) out.println("Using default tag: latest");
        Images images = new Images(dataRoot.resolve("images"));
        try (RegistryClient client = RegistryClient.create(ref.registry())) {
            if (!quiet) out.println((ref.tag() != null ? ref.tag() : ref.digest().toString()) + ": Pulling from " + ref.repository());
            RegistryClient.Pulled p = client.pull(ref, platform, images.content(), quiet ? ProgressListener.NONE : lines("Pull"));
            Descriptor named = p.manifest().withAnnotations(Map.of(Images.REPO_DIGEST, p.top().digest().toString()));
            boolean had = images.names().get(ref).map(e -> e.target().digest().equals(p.manifest().digest())).orElse(false);
            images.names().put(ref, named);
            if (!quiet) {
                out.println("Digest: " + p.top().digest());
                out.println("Status: " + (had ? "Image is up to date for " : "Downloaded newer image for ") + ref.familiar());
            }
            out.println(ref);
        }
        return 0;
    }

    private int push(Args a) throws IOException {
        boolean quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-q", "--quiet" -> quiet = true;
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String name = a.required("image name");
        a.end();
        ImageReference ref = ImageReference.parse(name);
        Images images = new Images(dataRoot.resolve("images"));
        Image img = images.get(name);
        if (!quiet) out.println("The push refers to repository [" + ref.familiarRepository() + "]");
        try (RegistryClient client = RegistryClient.create(ref.registry())) {
            Descriptor plain = new Descriptor(img.target().mediaType(), img.target().digest(), img.target().size());
            RegistryClient.Pushed p = client.push(ref, plain, images.content(), quiet ? ProgressListener.NONE : lines("Push"));
            images.names().put(ref, plain.withAnnotations(Map.of(Images.REPO_DIGEST, p.top().digest().toString())));
            out.println(quiet ? ref.toString() : (ref.tag() + ": digest: " + p.top().digest() + " size: " + p.top().size()));
        }
        return 0;
    }

    private int login(Args a) throws IOException {
        String user = null, password = null;
        boolean stdin = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-u", "--username" -> user = a.value(f);
                case "-p", "--password" -> password = a.value(f);
                case "--password-stdin" -> stdin = true;
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String server = a.hasNext() ? a.next() : ImageReference.DOCKER_HUB;
        a.end();
        if (stdin) password = new BufferedReader(new InputStreamReader(System.in)).readLine();
        if (user == null || password == null) {
            var console = System.console();
            if (console == null) throw new Args.UsageException("login needs -u USER and -p PASSWORD or --password-stdin when not on a terminal");
            if (user == null) user = console.readLine("Username: ");
            if (password == null) password = new String(console.readPassword("Password: "));
        }
        Credentials creds = Credentials.load();
        creds.login(server, user, password);
        out.println("Login Succeeded");
        return 0;
    }

    private int logout(Args a) throws IOException {
        String server = a.hasNext() ? a.next() : ImageReference.DOCKER_HUB;
        a.end();
        Credentials creds = Credentials.load();
        if (creds.logout(server)) out.println("Removing login credentials for " + server);
        else out.println("Not logged in to " + server);
        return 0;
    }
}
