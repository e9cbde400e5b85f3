package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.relationship.VolumeRoute;
import dev.flashcopy.engine.relationship.VolumeRoute.Borrowing;
import dev.flashcopy.engine.relationship.VolumeRoute.CascadeMiddle;
import dev.flashcopy.engine.relationship.VolumeRoute.ExtentMember;
import dev.flashcopy.engine.relationship.VolumeRoute.Source;
import dev.flashcopy.engine.relationship.VolumeRoute.Target;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each role a volume can have gets its route, decided when membership changes: plain, source, target k of a
 * chain, a cascade's middle, a borrowing source after a fast reverse, a member of extent relationships; and a
 * change republishes exactly the routes it changes.
 */
class VolumeRouteTest {
    private static final int G = 4096;
    private static final int N = 8;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    private EngineFixture fixture(String... volumes) throws Exception {
        EngineFixture fx = EngineFixture.withLetteredVolume(dir, volumes[0], N, G);
        for (int i = 1; i < volumes.length; i++) {
            fx.store.create(volumes[i], (long) N * G);
        }
        return fx;
    }

    private static VolumeRoute route(EngineFixture fx, String volume) {
        return fx.engine.routeOf(volume);
    }

    @Test
    void aVolumeInNoRelationshipReadsAndWritesItsOwnImage() throws Exception {
        try (EngineFixture fx = fixture("v")) {
            assertSame(VolumeRoute.PLAIN, route(fx, "v"));
            assertTrue(route(fx, "v").readsOwnImage());
            assertNull(route(fx, "v").chainLock(), "nothing to enter");
            assertNull(route(fx, "v").targetOf());
        }
    }

    @Test
    void aChainRoutesItsSourceToTheFamilyAndEachTargetToItsOwnRelationship() throws Exception {
        try (EngineFixture fx = fixture("s", "t", "u")) {
            fx.establish("s", "t", NOCOPY);
            fx.establish("s", "u", NOCOPY);

            Source s = assertInstanceOf(Source.class, route(fx, "s"));
            Target t = assertInstanceOf(Target.class, route(fx, "t"));
            Target u = assertInstanceOf(Target.class, route(fx, "u"));
            assertSame(s.family(), t.family());
            assertSame(s.family(), u.family());
            assertEquals("t", t.relationship().target().name());
            assertEquals("u", u.relationship().target().name());
            assertEquals(0, s.family().indexOf(t.relationship()), "t is the older target");
            assertEquals(1, s.family().indexOf(u.relationship()));
            assertTrue(route(fx, "s").readsOwnImage(), "a source that borrows nothing reads its own image");
            assertFalse(route(fx, "t").readsOwnImage(), "a target's grains may be in its source");
            assertSame(t.relationship(), route(fx, "t").targetOf());
            assertSame(s.family().chainLock(), route(fx, "t").chainLock());

            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());

            assertSame(VolumeRoute.PLAIN, route(fx, "t"));
            assertSame(u, route(fx, "u"), "a route the withdraw did not change stays the published object");
        }
    }

    @Test
    void aCascadesMiddleIsTheTargetAboveAndTheSourceBelowUntilTheLinkAboveGoes() throws Exception {
        try (EngineFixture fx = fixture("s", "t", "u")) {
            fx.establish("s", "t", NOCOPY);
            fx.establish("t", "u", NOCOPY);

            CascadeMiddle m = assertInstanceOf(CascadeMiddle.class, route(fx, "t"));
            assertEquals("s", m.above().source().name());
            assertEquals("t", m.below().source().name());
            assertEquals("s", m.asTarget().source().name());
            assertSame(m.asTarget(), route(fx, "t").targetOf());
            assertSame(m.above().chainLock(), m.below().chainLock(), "one cascade, one lock domain");
            Target u = assertInstanceOf(Target.class, route(fx, "u"));
            assertSame(m.below(), u.family());
            assertInstanceOf(Source.class, route(fx, "s"));

            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());

            Source t = assertInstanceOf(Source.class, route(fx, "t"));
            assertSame(m.below(), t.family(), "t stays the source of its own family, now at the top");
            assertSame(VolumeRoute.PLAIN, route(fx, "s"));
        }
    }

    @Test
    void aFastReverseMakesTheRestoredSourceBorrowUntilItsGrainsAreHome() throws Exception {
        try (EngineFixture fx = fixture("s", "t")) {
            fx.establish("s", "t", NOCOPY.withRecording(true));
            fx.fill("s", 0, G, 'X'); // grain 0 copied to t: the rest of t still lives in s's file

            fx.engine.reverse("s", "t", new ReverseOptions(true, true, true));

            Borrowing b = assertInstanceOf(Borrowing.class, route(fx, "t"));
            assertEquals("s", b.lender().target().name());
            assertTrue(b.borrowing());
            assertFalse(route(fx, "t").readsOwnImage(), "borrowed grains are in s's file");
            assertInstanceOf(Target.class, route(fx, "s"));
            assertNull(route(fx, "t").targetOf());

            fx.fill("t", 0, N * G, 'Y'); // a write brings each grain home first

            assertSame(b, route(fx, "t"), "no change of membership, so the same route");
            assertFalse(b.borrowing());
            assertTrue(route(fx, "t").readsOwnImage(), "nothing borrowed: its own image again");
        }
    }

    @Test
    void extentRelationshipsRouteBothVolumesToTheirGroup() throws Exception {
        try (EngineFixture fx = fixture("a", "b")) {
            fx.engine.establish(List.of(new PairSpec("a", "b", List.of(new Extent(0, 2L * G, 2L * G)))), NOCOPY);

            ExtentMember a = assertInstanceOf(ExtentMember.class, route(fx, "a"));
            ExtentMember b = assertInstanceOf(ExtentMember.class, route(fx, "b"));
            assertSame(a.group(), b.group());
            assertNull(route(fx, "b").targetOf(), "an extent target is inhibited only inside its ranges");
            assertFalse(route(fx, "a").readsOwnImage());

            fx.engine.withdraw("a", "b", false, true, OptionalLong.empty());

            assertSame(VolumeRoute.PLAIN, route(fx, "a"));
            assertSame(VolumeRoute.PLAIN, route(fx, "b"));
        }
    }

    @Test
    void aResyncRepublishesTheTargetsRouteWithTheNextGeneration() throws Exception {
        try (EngineFixture fx = fixture("s", "t", "x", "y")) {
            fx.establish("s", "t", NOCOPY.withRecording(true));
            Target before = assertInstanceOf(Target.class, route(fx, "t"));
            VolumeRoute source = route(fx, "s");

            fx.establish("x", "y", NOCOPY); // another family: s's and t's routes stay as they are
            assertSame(before, route(fx, "t"));
            assertSame(source, route(fx, "s"));

            fx.engine.resync(List.of(new PairSpec("s", "t")), ResyncOptions.recordAgain());

            Target after = assertInstanceOf(Target.class, route(fx, "t"));
            assertNotSame(before.relationship(), after.relationship());
            assertEquals(before.relationship().id(), after.relationship().id(), "the same pair, next generation");
            assertEquals(1, after.relationship().record().generation());
        }
    }

    @Test
    void enteringARouteThatChangedBeforeItsLockWasHadTakesThePublishedOne() throws Exception {
        try (EngineFixture fx = fixture("s", "t", "x", "y")) {
            fx.establish("s", "t", NOCOPY);
            fx.establish("x", "y", NOCOPY);
            VolumeRoute stale = route(fx, "t");
            VolumeRoute now = route(fx, "y");
            int[] looks = {0};

            // The first look finds the stale route; by the time its lock is held, "now" is published.
            VolumeRoute entered = VolumeRoute.enter("v", v -> looks[0]++ == 0 ? stale : now);

            assertSame(now, entered);
            assertEquals(1, now.chainLock().getReadHoldCount(), "the published route's lock is held");
            assertEquals(0, stale.chainLock().getReadHoldCount(), "the stale one's is given back");
            entered.exit();
            assertEquals(0, now.chainLock().getReadHoldCount());
            assertSame(VolumeRoute.PLAIN, VolumeRoute.enter("v", v -> VolumeRoute.PLAIN), "plain: no lock to take");
        }
    }

    @Test
    void anInhibitedTargetIsReadOnlyThroughItsRoute() throws Exception {
        try (EngineFixture fx = fixture("s", "t")) {
            fx.establish("s", "t", NOCOPY.withTargetWriteInhibit(true));

            assertTrue(route(fx, "t").targetOf().targetWriteInhibit());
            assertTrue(fx.dev("t").readOnly());
            assertFalse(fx.dev("s").readOnly());

            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());

            assertFalse(fx.dev("t").readOnly());
        }
    }
}
