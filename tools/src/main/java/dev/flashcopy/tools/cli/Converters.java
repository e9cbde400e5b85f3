package dev.flashcopy.tools.cli;

import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.engine.catalog.VolumeNames;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.relationship.OnFull;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.tools.serve.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for the value types of our options, turning the engine's checks into usage
 * errors (exit 2) whose message states the expected form. Stateless, hence thread-safe.
 */
final class Converters {
    private Converters() {}

    /** {@code 10G}, {@code 512M}, {@code 1048576}: binary suffixes K, M, G, T, P. */
    static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return ByteSize.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A new volume's size: a {@link Size} that is a positive multiple of 512 bytes, checked before any request. */
    static final class VolumeSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return VolumeStore.checkSize(ByteSize.parse(value));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A volume name, checked by the engine's one rule before any request is sent. */
    static final class VolumeName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return VolumeNames.check(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code SOURCE:TARGET}, both valid volume names. */
    static final class Pair implements ITypeConverter<PairSpec> {
        @Override
        public PairSpec convert(String value) {
            try {
                var pair = PairSpec.parse(value);
                VolumeNames.check(pair.source());
                VolumeNames.check(pair.target());
                return pair;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code VOL} or {@code SRC:TGT} (lsflash's filter): a pair by the same rule as mkflash's, else a volume name. */
    static final class VolumeOrPair implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return value.contains(":") ? new Pair().convert(value).toString() : new VolumeName().convert(value);
        }
    }

    /** mkflash --on-full: checked here, as the server would only name its admin API field. */
    static final class OnFullPolicy implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return OnFull.parse(value).label();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a policy (expected: fail or inhibit-source)");
            }
        }
    }

    /** mkflash --extent: the form only; alignment and bounds need the volumes, so the server checks those. */
    static final class ExtentForm implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                Extent.parse(value);
                return value;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --timeout SECONDS} of wait and --wait: a whole number, 0 or more (0: look once). */
    static final class Seconds implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long n = Long.parseLong(value.trim());
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
            throw new TypeConversionException(
                    "'" + value + "' is not a number of seconds (expected: a whole number >= 0, e.g. 600)");
        }
    }

    /** A FlashCopy sequence number as the DS CLI writes it: hexadecimal, 0 to FFFFFFFF ({@code 0x} optional). */
    static final class Seqnum implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String hex = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
            try {
                long n = Long.parseLong(hex, 16);
                if (n >= 0 && n <= 0xFFFF_FFFFL && !hex.isEmpty() && hex.length() <= 8) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
            throw new TypeConversionException(
                    "seqnum '" + value + "' is not valid (expected: hexadecimal 0 to FFFFFFFF)");
        }
    }

    /** {@code HOST:PORT}. */
    static final class Address implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return HostPort.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** An NBD listen address: {@code HOST:PORT} or {@code unix:PATH}, a unix socket file. */
    static final class Listen implements ITypeConverter<Endpoint> {
        static final String UNIX = "unix:";

        @Override
        public Endpoint convert(String value) {
            if (value.startsWith(UNIX)) {
                String path = value.substring(UNIX.length());
                if (path.isBlank()) {
                    throw new TypeConversionException("'" + value + "' names no socket file (expected: unix:PATH such"
                            + " as unix:/run/flashcopy/nbd.sock)");
                }
                return new Endpoint.Unix(Path.of(path));
            }
            try {
                HostPort address = HostPort.parse(value);
                return new Endpoint.Tcp(address.host(), address.port());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage().replace(")", "; or unix:PATH for a unix socket)"));
            }
        }
    }

    /** A duration: {@code 120} or {@code 120s} seconds, {@code 500ms}, {@code 2m}, {@code 1h}. */
    static final class Timeout implements ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.trim());
            if (m.matches() && Long.parseLong(m.group(1)) > 0) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofSeconds(n);
                };
            }
            throw new TypeConversionException("duration '" + value + "' is not valid (expected: a positive number with"
                    + " an optional unit ms, s, m or h, e.g. 120s)");
        }
    }
}
