package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeNames;
import dev.flashcopy.nbd.access.AddressRange;
import dev.flashcopy.nbd.access.ExportAccess;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@code serve --allow NAME=CIDR,...} and {@code --export-ro NAME} into {@link ExportAccess}.
 * {@code NAME} is a volume name or {@code *} for every volume without its own {@code --allow}.
 * Repeating {@code --allow} for one name adds ranges. Stateless.
 */
public final class ExportRules {
    private ExportRules() {}

    /** @throws IllegalArgumentException naming the bad value and the expected form */
    public static ExportAccess parse(List<String> allow, List<String> readOnly) {
        Map<String, List<AddressRange>> ranges = new LinkedHashMap<>();
        for (String rule : allow) {
            int eq = rule.indexOf('=');
            if (eq <= 0 || eq == rule.length() - 1) {
                throw new IllegalArgumentException("--allow '" + rule + "' is not valid (expected: NAME=CIDR[,CIDR...]"
                        + " such as backup=10.0.0.0/8,192.168.1.7, NAME may be * for every volume)");
            }
            String name = name(rule.substring(0, eq), "--allow");
            for (String cidr : rule.substring(eq + 1).split(",")) {
                ranges.computeIfAbsent(name, n -> new ArrayList<>()).add(AddressRange.parse(cidr));
            }
        }
        Set<String> ro = new HashSet<>();
        for (String name : readOnly) {
            ro.add(name(name, "--export-ro"));
        }
        return new ExportAccess(ranges, ro);
    }

    private static String name(String name, String option) {
        String n = name.trim();
        if (n.equals(ExportAccess.ANY_EXPORT)) {
            return n;
        }
        try {
            return VolumeNames.check(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }
}
