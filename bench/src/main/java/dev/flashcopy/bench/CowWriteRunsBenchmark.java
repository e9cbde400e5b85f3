package dev.flashcopy.bench;

import org.openjdk.jmh.annotations.Fork;

/** {@link CowWriteBenchmark} as the server runs it: copy-on-write copies in runs. */
@Fork(value = 1, jvmArgsAppend = "-Dflashcopy.cowBatch=true")
public class CowWriteRunsBenchmark extends CowWriteBenchmark {}
