package dev.flashcopy.tools.serve;

import dev.flashcopy.tools.Version;
import dev.flashcopy.tools.admin.AdminServer;
import dev.flashcopy.tools.admin.Resource;
import dev.flashcopy.tools.admin.resource.DashboardResource;
import dev.flashcopy.tools.admin.resource.FreezesResource;
import dev.flashcopy.tools.admin.resource.MonitorResource;
import dev.flashcopy.tools.admin.resource.RelationshipsResource;
import dev.flashcopy.tools.admin.resource.ServerResource;
import dev.flashcopy.tools.admin.resource.VolumesResource;
import dev.flashcopy.tools.metrics.MetricsPage;
import dev.flashcopy.tools.metrics.NbdMetrics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the admin API serves, as an owner (its engine's volumes, relationships, freezes, metrics) or as a standby (who
 * it is, the dashboard's files; the rest is passed on to the owner by {@link StandbyAdminApi}). One admin server
 * switches between the two ({@link AdminServer#serve}) as the store changes hands. Thread-safe once {@link #attach}ed.
 */
final class AdminResources {
    private final ServeSettings settings;
    private final Path dataDir;
    private final NbdMetrics requests;
    private final String scheme;
    private final Instant startedAt = Instant.now();
    /** Null on a file store. */
    private final StoreOwnership ownership;

    private volatile NbdExport nbd;
    private volatile AdminServer admin;

    AdminResources(ServeSettings settings, Path dataDir, NbdMetrics requests, String scheme, StoreOwnership ownership) {
        this.settings = settings;
        this.dataDir = dataDir;
        this.requests = requests;
        this.scheme = scheme;
        this.ownership = ownership;
    }

    void attach(NbdExport nbd, AdminServer admin) {
        this.nbd = nbd;
        this.admin = admin;
    }

    String adminUrl() {
        return scheme + HostPort.format(admin.address());
    }

    /** An owner's resources, and {@code extra} (the move, on a shared store). */
    List<Resource> owner(OwnerTerm term, List<Resource> extra) {
        List<Resource> all = new ArrayList<>(List.of(
                new ServerResource(() -> server(ownership == null ? null : "owner")),
                new VolumesResource(
                        term.store(),
                        term.flash().relationships()::roles,
                        term.flash().freezes()::frozenUntil,
                        settings.imageDirs(),
                        ownership == null ? null : ownership.serverName()),
                new RelationshipsResource(term.flash(), ownership == null ? null : ownership.serverName()),
                new FreezesResource(term.flash().freezes(), term.store()),
                new MonitorResource(
                        new MetricsPage(requests, term.flash().monitor()),
                        term.flash().monitor()),
                DashboardResource.load()));
        all.addAll(extra);
        return all;
    }

    /** A standby's own resources; {@link StandbyAdminApi} answers every other path. */
    List<Resource> standby() {
        return List.of(new ServerResource(() -> server("standby")), DashboardResource.load());
    }

    private ServerResource.ServerJson server(String role) {
        String owner = null;
        String ownerAdmin = null;
        if (ownership != null) {
            if (role.equals("owner")) {
                owner = ownership.serverName();
                ownerAdmin = adminUrl();
            } else {
                owner = ownership.storeOwner().orElse(null);
                Optional<OwnerAdmin> o = ownership.ownerAdmin();
                ownerAdmin = o.map(OwnerAdmin::url).orElse(null);
            }
        }
        return new ServerResource.ServerJson(
                Version.get(),
                ProcessHandle.current().pid(),
                dataDir.toString(),
                NbdAddresses.format(NbdAddresses.primary(nbd.addresses())),
                nbd.tlsProvider(),
                adminUrl(),
                startedAt.toString(),
                ownership == null ? null : ownership.serverName(),
                role,
                owner,
                ownerAdmin);
    }
}
