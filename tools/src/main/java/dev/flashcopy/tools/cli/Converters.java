package dev.flashcopy.tools.cli;

import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.engine.catalog.VolumeNames;
import dev.flashcopy.tools.serve.HostPort;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters for the value types of our options, turning the engine's checks into usage
 * errors (exit 2) whose message states the expected form. Stateless, hence thread-safe.
 */
final class Converters {
    private Converters() {
    }

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
}
