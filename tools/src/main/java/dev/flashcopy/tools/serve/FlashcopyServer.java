package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.flash.FlashEngine;
import dev.flashcopy.engine.storage.DataDirectoryLock;
import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.tls.TlsCredentials;
import dev.flashcopy.nbd.tls.TlsMode;
import dev.flashcopy.rbd.lease.LeaseTerms;
import dev.flashcopy.tools.admin.AdminFile;
import dev.flashcopy.tools.admin.AdminServer;
import dev.flashcopy.tools.admin.AdminTokens;
import dev.flashcopy.tools.admin.BearerToken;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.metrics.NbdMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A running {@code flashcopy serve}. Start order: data-directory lock, volume store and engine (on a shared store:
 * the Ceph connection, the server's name and its {@link StoreRoles}), NBD server, admin API, {@code admin.json}, then
 * on a shared store the store's ownership (as a standby meanwhile); {@link #close()} stops them in reverse, so
 * {@code admin.json} exists exactly while the server answers and the lock is the last thing let go. Thread-safe:
 * {@link #close()} is idempotent and may race a shutdown hook.
 */
public final class FlashcopyServer implements AutoCloseable {
    private final Path dataDir;
    /** The term that serves the store: fixed on a file store; on a shared store the roles' current one. */
    private final Supplier<OwnerTerm> term;

    private final OwnerTerm first;
    private final NbdExport nbd;
    private final AdminServer admin;
    private final AdminFile adminFile;
    private final Deque<AutoCloseable> stack;
    private final PrintWriter log;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean closing;
    private final OwnershipLoss loss = new OwnershipLoss();

    private FlashcopyServer(
            Path dataDir,
            Supplier<OwnerTerm> term,
            OwnerTerm first,
            NbdExport nbd,
            AdminServer admin,
            AdminFile adminFile,
            Deque<AutoCloseable> stack,
            PrintWriter log) {
        this.dataDir = dataDir;
        this.term = term;
        this.first = first;
        this.nbd = nbd;
        this.admin = admin;
        this.adminFile = adminFile;
        this.stack = stack;
        this.log = log;
    }

    /**
     * Starts everything or nothing: on failure whatever was started is stopped again. On a shared store a standby
     * listens for NBD and answers its admin API at once, and this returns once it owns the store.
     */
    public static FlashcopyServer start(ServeSettings settings, PrintWriter log) throws StartupException {
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new StartupException(
                    "--data " + dataDir + " is not a directory (expected: a directory for"
                            + " flashcopy's volumes and metadata; it is created when missing)",
                    null);
        }
        // Named here, with their option, before anything starts: a bind would only say "unresolved address".
        for (Endpoint e : settings.nbd()) {
            if (e instanceof Endpoint.Tcp tcp) {
                resolvable("--listen", new HostPort(tcp.host(), tcp.port()));
            }
        }
        InetSocketAddress adminBind = resolvable("--admin", settings.admin());
        boolean created = !Files.exists(dataDir);
        Deque<AutoCloseable> stack = new ArrayDeque<>();
        try {
            stack.push(DataDirectoryLock.acquire(dataDir));
            ServeSecurity security = settings.security();
            AdminGuard.checkExposure(adminBind, security);
            TlsCredentials credentials = security.hasCertificate()
                    ? TlsCredentials.load(security.certificate(), security.key(), security.clientCa())
                    : null;
            NbdSecurity nbdSecurity =
                    new NbdSecurity(security.tlsMode(), credentials, security.access(), security.handshakeTimeout());
            NbdMetrics requests = new NbdMetrics();
            BearerToken token = BearerToken.generate();
            BearerToken readToken = BearerToken.generate();
            String scheme = credentials == null ? "http://" : "https://";
            Running running = switch (settings.store()) {
                case StoreChoice.Files files -> {
                    OwnerTerm t = OwnerTerm.open(VolumeStore.open(dataDir), settings.demo());
                    stack.push(t);
                    AdminResources resources = new AdminResources(settings, dataDir, requests, scheme, null);
                    SwitchableDevices devices = new SwitchableDevices(t.flash().devices());
                    Running r = listen(
                            settings,
                            nbdSecurity,
                            devices,
                            requests,
                            adminBind,
                            token,
                            readToken,
                            credentials,
                            resources,
                            resources.owner(t, List.of()),
                            stack,
                            log,
                            t::releaseFreezes);
                    yield new Running(r.nbd(), r.admin(), r.adminFile(), () -> t, t, null, null);
                }
                case StoreChoice.Rbd rbd -> {
                    if (credentials != null && !credentials.allowsClientAuthentication()) {
                        // Said at start, in one line: otherwise only the owner's log says why forwards fail.
                        log.println("flashcopy: warning: --tls-cert " + security.certificate() + " is not valid for"
                                + " TLS client authentication (its extendedKeyUsage lacks clientAuth): an owner"
                                + " started with --tls-ca will refuse this server's forwards to it; give servers"
                                + " that share a pool certificates with serverAuth,clientAuth");
                        log.flush();
                    }
                    CephStore ceph = CephStore.open(rbd);
                    stack.push(ceph);
                    String name = settings.effectiveServerName(
                            hostName(), ProcessHandle.current().pid());
                    StoreOwnership ownership = StoreOwnership.register(ceph, name, LeaseTerms.DEFAULT, log);
                    // Popped after the engine and the store closed: the last checkpoint is written while
                    // still owner.
                    stack.push(ownership);
                    AdminResources resources = new AdminResources(settings, dataDir, requests, scheme, ownership);
                    SwitchableDevices devices = new SwitchableDevices(SwitchableDevices.NONE, true);
                    StoreRoles roles = new StoreRoles(
                            dataDir,
                            ceph,
                            ownership,
                            devices,
                            resources,
                            readToken.value(),
                            credentials,
                            security.tlsMode() != TlsMode.OFF,
                            log);
                    stack.push(roles);
                    Running r = listen(
                            settings,
                            nbdSecurity,
                            devices,
                            requests,
                            adminBind,
                            token,
                            readToken,
                            credentials,
                            resources,
                            List.of(),
                            stack,
                            log,
                            roles::releaseFreezes);
                    roles.attach(r.nbd(), r.admin());
                    OwnerTerm t = roles.ownFirst(rbd.pool(), settings.demo());
                    yield new Running(r.nbd(), r.admin(), r.adminFile(), roles::term, t, ownership, roles);
                }
            };
            FlashcopyServer server = new FlashcopyServer(
                    dataDir,
                    running.term(),
                    running.first(),
                    running.nbd(),
                    running.admin(),
                    running.adminFile(),
                    stack,
                    log);
            if (running.ownership() != null) {
                running.ownership().onLost(server::leaseLost);
                running.roles().onFailure(server::leaseLost);
                if (!running.ownership().owns()) {
                    // Lost between the claim and here (a long recovery under a pause): nothing was served yet.
                    server.leaseLost("the lease lapsed while the server was starting");
                }
            }
            return server;
        } catch (StartupException e) {
            unwind(stack, log);
            removeIfCreated(created, dataDir, log);
            throw e;
        } catch (IOException | RuntimeException e) {
            unwind(stack, log);
            removeIfCreated(created, dataDir, log);
            throw new StartupException(StartFailures.inWords(e, settings.store()), e);
        }
    }

    /** What opening an empty file store writes in a new data directory, besides empty directories. */
    private static final Set<String> FRESH_FILES =
            Set.of(DataDirectoryLock.FILE_NAME, "flash/journal", "flash/checkpoint");

    /**
     * A start that failed leaves no data directory it created: a wrong pool or address must not leave one behind for
     * the next try to mistake for a server's. Removed only if it holds nothing but empty directories, the lock and
     * what opening an empty file store writes (no volume, no relationship).
     */
    private static void removeIfCreated(boolean created, Path dataDir, PrintWriter log) {
        if (!created) {
            return;
        }
        try {
            if (EmptyTree.removeIfOnly(dataDir, FRESH_FILES)) {
                return;
            }
            log.println("flashcopy: kept " + dataDir + ", created by this start: it holds more than an empty store");
        } catch (IOException e) {
            log.println("flashcopy: could not remove " + dataDir + ", created by this start: " + e.getMessage());
        }
        log.flush();
    }

    /** What {@link #start} built, for the constructor; {@code ownership} and {@code roles} null on a file store. */
    private record Running(
            NbdExport nbd,
            AdminServer admin,
            AdminFile adminFile,
            Supplier<OwnerTerm> term,
            OwnerTerm first,
            StoreOwnership ownership,
            StoreRoles roles) {}

    /**
     * Starts NBD and the admin API and writes {@code admin.json}, pushing each on {@code stack} (so {@code admin.json}
     * exists exactly while the admin API answers); the file store's term (its only one) is already on it.
     */
    private static Running listen(
            ServeSettings settings,
            NbdSecurity nbdSecurity,
            SwitchableDevices devices,
            NbdMetrics requests,
            InetSocketAddress adminBind,
            BearerToken token,
            BearerToken readToken,
            TlsCredentials credentials,
            AdminResources resources,
            List<Resource> initial,
            Deque<AutoCloseable> stack,
            PrintWriter log,
            Runnable releaseFreezes)
            throws IOException {
        NbdExport nbd = NbdExport.start(settings.nbd(), nbdSecurity, devices, requests);
        stack.push(nbd);
        // Popped before the NBD server closes: writes held by a freeze complete (and are answered) first.
        stack.push(releaseFreezes::run);
        AdminServer admin = AdminServer.start(
                adminBind,
                new AdminTokens(token, readToken),
                initial,
                log,
                credentials == null ? null : credentials.httpsContext());
        stack.push(admin);
        resources.attach(nbd, admin);
        AdminFile adminFile = new AdminFile(
                resources.adminUrl(),
                token.value(),
                ProcessHandle.current().pid(),
                NbdAddresses.format(NbdAddresses.primary(nbd.addresses())),
                readToken.value(),
                credentials == null ? null : credentials.fingerprint());
        adminFile.write(settings.dataDir().toAbsolutePath().normalize());
        stack.push(() -> AdminFile.delete(settings.dataDir().toAbsolutePath().normalize()));
        return new Running(nbd, admin, adminFile, null, null, null, null);
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * The store's lease is gone (another server took it over, or renewals failed), or a takeover failed: from here on
     * a write could only be refused (the new owner fenced this one) or, worse, race it. So the engine stops where it
     * is without writing any more metadata, and the server closes every connection; the new owner recovers from the
     * cluster. Both may wait on a cluster that does not answer, hence their own thread and {@link #awaitStopped}'s
     * bound.
     */
    private void leaseLost(String reason) {
        if (!loss.record(reason)) {
            return;
        }
        Thread.ofPlatform().daemon().name("flashcopy-lease-lost").start(() -> {
            OwnerTerm t = term.get();
            if (t != null) {
                try {
                    t.abandon();
                } catch (IOException | RuntimeException e) {
                    log.println("flashcopy: while stopping the engine: " + e.getMessage());
                    log.flush();
                }
            }
            close();
        });
    }

    /** Why the server stopped by itself (it lost ownership of its store), or null when it was told to stop. */
    public String stoppedBecause() {
        return loss.reason();
    }

    private static InetSocketAddress resolvable(String option, HostPort address) throws StartupException {
        try {
            return address.resolve();
        } catch (IllegalArgumentException e) {
            throw new StartupException(option + " " + address + ": " + e.getMessage(), null);
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The store this server serves now; after it handed the store over, the one it served first (closed). */
    public VolumeStore store() {
        OwnerTerm t = term.get();
        return (t != null ? t : first).store();
    }

    /**
     * What FlashCopy recovery did at start, one line per pass; empty when there were no relationships
     * to recover, so a new data directory starts with a short banner.
     */
    public List<String> recoveryReport() {
        FlashEngine flash = first.flash();
        return flash.relationships().list().isEmpty() ? List.of() : flash.recoveryReport();
    }

    /** The engine NBD's TLS runs on ({@code openssl (BoringSSL)}, {@code jdk}), null without TLS. */
    public String nbdTlsProvider() {
        return nbd.tlsProvider();
    }

    /** The first TCP address NBD listens on; null when it listens on unix sockets only. */
    public InetSocketAddress nbdAddress() {
        return nbdAddresses().stream()
                .filter(a -> a instanceof InetSocketAddress)
                .map(InetSocketAddress.class::cast)
                .findFirst()
                .orElse(null);
    }

    /** Every address NBD listens on, TCP and unix, in the order they were asked for. */
    public List<SocketAddress> nbdAddresses() {
        return nbd.addresses();
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    /** What was published in {@code admin.json}, token included. */
    public AdminFile adminFile() {
        return adminFile;
    }

    /** Whether {@code --demo} created the demo volume now (false when it was kept from an earlier run). */
    public boolean demoCreated() {
        return first.demoCreated();
    }

    /** Blocks until {@link #close()} has finished; after a lost lease, at most {@link OwnershipLoss#STOP_BOUND}. */
    public void awaitStopped() throws InterruptedException {
        while (!closed.await(100, TimeUnit.MILLISECONDS)) {
            if (loss.pastStopBound()) {
                return;
            }
        }
    }

    /**
     * Stops admin.json, admin API, freezes (held writes go on), NBD, store and lock, in that order; errors are
     * logged and skipped.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        try {
            unwind(stack, log);
        } finally {
            closed.countDown();
        }
    }

    private static void unwind(Deque<AutoCloseable> stack, PrintWriter log) {
        while (!stack.isEmpty()) {
            AutoCloseable c = stack.pop();
            try {
                c.close();
            } catch (Exception e) {
                // Keep stopping the rest: a failed step must not leave the lock or the ports held.
                log.println("flashcopy: while stopping: " + e.getMessage());
                log.flush();
            }
        }
    }
}
