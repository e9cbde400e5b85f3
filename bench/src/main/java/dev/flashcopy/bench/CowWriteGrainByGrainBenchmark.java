package dev.flashcopy.bench;

import org.openjdk.jmh.annotations.Fork;

/** {@link CowWriteBenchmark} copying grain by grain ({@code -Dflashcopy.cowBatch=false}), for comparison. */
@Fork(value = 1, jvmArgsAppend = "-Dflashcopy.cowBatch=false")
public class CowWriteGrainByGrainBenchmark extends CowWriteBenchmark {}
